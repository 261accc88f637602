"""Center admins describe their rooms and zones and add photos residents see before booking."""

import io
import os

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from openhall.core.models import AuditEntry
from openhall.venues.models import Space, SpacePhoto


def jpeg_with_gps(width=3000, height=2000) -> bytes:
    picture = Image.new("RGB", (width, height), (200, 120, 40))
    exif = Image.Exif()
    exif[0x0110] = "手机型号"  # camera model
    exif[0x8825] = {2: (31.0, 14.0, 0.0)}  # a GPS latitude: where the photographer stood
    out = io.BytesIO()
    picture.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_an_admin_adds_a_room_and_a_zone(client, adam, center_a):
    client.force_login(adam)
    base = f"/console/c/{center_a.pk}/spaces"
    room_form = {"name": "书画室", "capacity": "24", "location": "二楼", "sort_order": "3"}
    response = client.post(f"{base}/new/", {**room_form, "is_bookable": "on"})
    room = Space.objects.get(name="书画室")
    assert response.status_code == 302 and room.parent is None and room.capacity == 24
    client.post(
        f"{base}/new/?parent={room.pk}", {"name": "东区", "capacity": "12", "sort_order": "0"}
    )
    zone = Space.objects.get(name="东区")
    assert zone.parent == room and zone.kind == "zone" and not zone.is_bookable
    actions = set(AuditEntry.objects.filter(center=center_a).values_list("action", flat=True))
    assert "space.create" in actions


def test_a_second_room_with_the_same_name_is_refused_in_words(client, adam, center_a, dance_room):
    client.force_login(adam)
    response = client.post(
        f"/console/c/{center_a.pk}/spaces/new/",
        {"name": dance_room.name, "capacity": "5", "sort_order": "0"},
    )
    assert response.status_code == 200
    assert f"已有名为“{dance_room.name}”的场地" in response.content.decode()
    assert Space.objects.filter(name=dance_room.name).count() == 1


def test_an_operator_cannot_change_rooms(client, olivia, center_a, dance_room):
    client.force_login(olivia)
    url = f"/console/c/{center_a.pk}/spaces/{dance_room.pk}/"
    assert client.post(url, {"name": "改名", "capacity": "1", "sort_order": "0"}).status_code == 403
    dance_room.refresh_from_db()
    assert dance_room.name != "改名"


def test_a_photo_is_shrunk_and_loses_its_camera_data(client, adam, center_a, dance_room):
    client.force_login(adam)
    upload = SimpleUploadedFile("IMG_0001.jpg", jpeg_with_gps(), content_type="image/jpeg")
    client.post(
        f"/console/c/{center_a.pk}/spaces/{dance_room.pk}/photos/",
        {"image": upload, "caption": "镜墙和把杆"},
    )
    photo = SpacePhoto.objects.get(space=dance_room)
    with Image.open(photo.image.path) as stored:
        assert max(stored.size) == 1600
        assert dict(stored.getexif()) == {}
    assert "IMG_0001" not in photo.image.name
    page = client.get(f"/book/space/{dance_room.pk}/").content.decode()
    assert photo.image.url in page and "镜墙和把杆" in page


def test_a_file_that_is_not_a_photo_is_refused_and_nothing_is_stored(
    client, adam, center_a, dance_room
):
    client.force_login(adam)
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not a picture", content_type="image/jpeg")
    response = client.post(
        f"/console/c/{center_a.pk}/spaces/{dance_room.pk}/photos/",
        {"image": fake},
        follow=True,
    )
    assert response.status_code == 200 and not SpacePhoto.objects.exists()
    assert "上传" in response.content.decode()


def test_removing_a_photo_deletes_the_file(
    client, adam, center_a, dance_room, django_capture_on_commit_callbacks
):
    client.force_login(adam)
    upload = SimpleUploadedFile("a.jpg", jpeg_with_gps(40, 30), content_type="image/jpeg")
    client.post(f"/console/c/{center_a.pk}/spaces/{dance_room.pk}/photos/", {"image": upload})
    photo = SpacePhoto.objects.get()
    path = photo.image.path
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/console/c/{center_a.pk}/space-photos/{photo.pk}/delete/")
    assert not SpacePhoto.objects.exists()
    assert not os.path.exists(path)
