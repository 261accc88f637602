"""Uploads on more than one machine: with OPENHALL_STORAGE=s3 photos and files live in an
S3-compatible bucket (here moto's server mode on 127.0.0.1) instead of one machine's disk.
Public pictures may be shown to anyone; a private file (an article's attachment) leaves the
bucket only through a short-lived signed URL handed out after the permission check."""

import html
import importlib.util
import re
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile

from openhall.console.tests.test_space_pages import jpeg_with_gps
from openhall.news import services as news
from openhall.venues.models import SpacePhoto

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "settings.py"
STORAGE_VARIABLES = (
    "OPENHALL_STORAGE",
    "S3_ENDPOINT_URL",
    "S3_BUCKET",
    "S3_ACCESS_KEY_ID",
    "S3_ACCESS_KEY_ID_FILE",
    "S3_SECRET_ACCESS_KEY",
    "S3_SECRET_ACCESS_KEY_FILE",
    "S3_REGION",
    "S3_ADDRESSING_STYLE",
    "S3_PUBLIC_READ",
    "S3_SIGNED_URL_SECONDS",
    "DB_TRANSACTION_POOLING",
)
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"


def settings_from(monkeypatch, **env):
    """openhall/settings.py read afresh with these variables, as a process starting would."""
    for name in STORAGE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("openhall_settings_under_test", SETTINGS_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fetch(url: str):
    """What a browser gets for this address: status, body, headers."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 — the local fake
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def keys_in(bucket) -> list[str]:
    listing = bucket.client.list_objects_v2(Bucket=bucket.name)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def image_sources(page: str) -> list[str]:
    return [html.unescape(src) for src in re.findall(r'<img src="([^"]+)"', page)]


@pytest.fixture
def on_s3(settings, s3_bucket, monkeypatch):
    """The process configured with OPENHALL_STORAGE=s3 and the fake's bucket."""

    def configure(**extra):
        fresh = settings_from(monkeypatch, **s3_bucket.env, **extra)
        settings.STORAGES = fresh.STORAGES
        settings.S3_SIGNED_URL_SECONDS = fresh.S3_SIGNED_URL_SECONDS
        return s3_bucket

    return configure


def draft(center, by):
    return news.article_save(
        center=center,
        by=by,
        values={"column": "notices", "title": "报名须知", "body": "<p>见附件。</p>"},
    )


# --- configuration -------------------------------------------------------------------------------


def test_uploads_stay_on_this_disk_by_default(monkeypatch):
    fresh = settings_from(monkeypatch)
    assert fresh.OPENHALL_STORAGE == "local"
    for name in ("default", "private"):
        assert fresh.STORAGES[name]["BACKEND"] == "django.core.files.storage.FileSystemStorage"


@pytest.mark.parametrize(
    "env",
    [
        {"OPENHALL_STORAGE": "ftp"},
        {"OPENHALL_STORAGE": "s3"},  # no bucket
        {"OPENHALL_STORAGE": "s3", "S3_BUCKET": "b", "S3_ADDRESSING_STYLE": "sideways"},
        {"OPENHALL_STORAGE": "s3", "S3_BUCKET": "b", "S3_SIGNED_URL_SECONDS": "86400"},
    ],
)
def test_a_storage_that_cannot_work_safely_stops_the_start_up(monkeypatch, env):
    with pytest.raises(ImproperlyConfigured):
        settings_from(monkeypatch, **env)


def test_the_s3_keys_can_come_from_files(monkeypatch, tmp_path):
    (tmp_path / "id").write_text("key-from-a-file\n")
    (tmp_path / "secret").write_text("secret-from-a-file\n")
    fresh = settings_from(
        monkeypatch,
        OPENHALL_STORAGE="s3",
        S3_BUCKET="b",
        S3_ACCESS_KEY_ID_FILE=str(tmp_path / "id"),
        S3_SECRET_ACCESS_KEY_FILE=str(tmp_path / "secret"),
    )
    for name in ("default", "private"):
        options = fresh.STORAGES[name]["OPTIONS"]
        assert (options["access_key"], options["secret_key"]) == (
            "key-from-a-file",
            "secret-from-a-file",
        )


# --- the local disk ------------------------------------------------------------------------------


def test_a_draft_articles_file_is_not_served_under_media(client, olivia, center_a, settings):
    """/media/ serves the public pictures; the files of articles go only through the permission
    check of /news/files/<id>/, even to someone who learnt the stored name."""
    article = draft(center_a, olivia)
    file = news.attachment_add(
        article=article, by=olivia, upload=SimpleUploadedFile("名单.pdf", PDF)
    )
    assert (Path(settings.MEDIA_ROOT) / file.file.name).read_bytes() == PDF
    center_id = file.file.name.split("/")[1]
    for path in (file.file.name, file.file.name.replace("/files/", f"/../{center_id}/files/")):
        leaked = client.get(f"/media/{path}")
        if leaked.streaming:  # read to the end, which closes the file
            b"".join(leaked.streaming_content)
        assert leaked.status_code == 404, path
    assert client.get(f"/news/files/{file.pk}/").status_code == 404


def test_a_space_photo_is_served_under_media_from_this_disk(client, adam, center_a, dance_room):
    client.force_login(adam)
    upload = SimpleUploadedFile("a.jpg", jpeg_with_gps(40, 30), content_type="image/jpeg")
    client.post(f"/console/c/{center_a.pk}/spaces/{dance_room.pk}/photos/", {"image": upload})
    photo = SpacePhoto.objects.get()
    page = client.get(f"/book/space/{dance_room.pk}/")
    assert image_sources(page.content.decode()) == [photo.image.url]
    assert "img-src 'self' data:;" in page["Content-Security-Policy"]  # nothing from elsewhere
    response = client.get(photo.image.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8\xff")


# --- S3 ------------------------------------------------------------------------------------------


def test_a_space_photo_uploaded_in_the_console_lands_in_the_bucket_and_shows(
    on_s3, client, adam, center_a, dance_room, settings
):
    bucket = on_s3()
    client.force_login(adam)
    upload = SimpleUploadedFile("IMG_1.jpg", jpeg_with_gps(400, 300), content_type="image/jpeg")
    client.post(f"/console/c/{center_a.pk}/spaces/{dance_room.pk}/photos/", {"image": upload})
    photo = SpacePhoto.objects.get()
    assert keys_in(bucket) == [f"public/{photo.image.name}"]
    assert (photo.width, photo.height) == (400, 300)
    assert not Path(settings.MEDIA_ROOT).exists()  # nothing on this machine's disk

    response = client.get(f"/book/space/{dance_room.pk}/")
    (source,) = image_sources(response.content.decode())
    assert source.startswith(f"{bucket.endpoint}/{bucket.name}/public/spaces/")
    # Browsers load it only if the page's policy names the bucket's origin.
    assert f"img-src 'self' data: {bucket.endpoint};" in response["Content-Security-Policy"]
    status, body, _headers = fetch(source)
    assert status == 200 and body.startswith(b"\xff\xd8\xff")


def test_an_article_file_leaves_the_bucket_only_through_a_signed_url_of_five_minutes(
    on_s3, client, olivia, adam, center_a, django_capture_on_commit_callbacks
):
    bucket = on_s3()
    article = draft(center_a, olivia)
    client.force_login(olivia)
    client.post(
        f"/console/c/{center_a.pk}/news/{article.pk}/files/",
        {"file": SimpleUploadedFile("报名表.pdf", PDF)},
    )
    file = article.attachments.get()
    assert keys_in(bucket) == [f"private/{file.file.name}"]

    with time_machine.travel(datetime(2026, 12, 1, 2, 0, tzinfo=UTC), tick=False):
        response = client.get(f"/news/files/{file.pk}/")  # staff may fetch the draft's file
    assert response.status_code == 302
    signed = response["Location"]
    assert signed.startswith(f"{bucket.endpoint}/{bucket.name}/private/news/")
    query = parse_qs(urlsplit(signed).query)
    assert query["X-Amz-Date"] == ["20261201T020000Z"] and query["X-Amz-Expires"] == ["300"]
    assert query["X-Amz-Signature"]

    status, body, headers = fetch(signed)
    assert status == 200 and body == PDF
    assert "%E6%8A%A5%E5%90%8D%E8%A1%A8.pdf" in headers["Content-Disposition"]  # 报名表.pdf
    # The same object without the signature, though `public/` is readable by anyone: refused.
    status, _body, _headers = fetch(signed.split("?", 1)[0])
    assert status == 403

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/console/c/{center_a.pk}/news/files/{file.pk}/delete/")
    assert keys_in(bucket) == []  # removed from the bucket once the removal is committed


def test_residents_get_no_url_for_a_draft_file_and_a_signed_one_once_published(
    on_s3, client, alice, olivia, adam, center_a
):
    on_s3()
    article = draft(center_a, olivia)
    file = news.attachment_add(
        article=article, by=olivia, upload=SimpleUploadedFile("名单.pdf", PDF)
    )
    client.force_login(alice)
    refused = client.get(f"/news/files/{file.pk}/")
    assert refused.status_code == 404 and "Location" not in refused

    news.article_submit(article=article, by=olivia)
    news.article_publish(article=article, by=adam)
    response = client.get(f"/news/files/{file.pk}/")
    assert response.status_code == 302 and "X-Amz-Signature=" in response["Location"]
    assert fetch(response["Location"])[1] == PDF


def test_with_public_read_pictures_get_plain_urls_and_files_stay_signed(
    on_s3, client, adam, center_a, dance_room
):
    bucket = on_s3(S3_PUBLIC_READ="true")
    client.force_login(adam)
    upload = SimpleUploadedFile("a.jpg", jpeg_with_gps(40, 30), content_type="image/jpeg")
    client.post(f"/console/c/{center_a.pk}/spaces/{dance_room.pk}/photos/", {"image": upload})
    photo = SpacePhoto.objects.get()
    assert photo.image.url == f"{bucket.endpoint}/{bucket.name}/public/{photo.image.name}"
    assert fetch(photo.image.url)[0] == 200  # the bucket policy lets anyone read public/

    article = draft(center_a, adam)
    file = news.attachment_add(article=article, by=adam, upload=SimpleUploadedFile("a.pdf", PDF))
    response = client.get(f"/news/files/{file.pk}/")
    assert "X-Amz-Signature=" in response["Location"]
    assert fetch(response["Location"].split("?", 1)[0])[0] == 403


# --- pgbouncer -----------------------------------------------------------------------------------


def test_behind_a_transaction_pooler_no_cursor_outlives_a_transaction(monkeypatch):
    url = "postgres://openhall@127.0.0.1:6432/openhall"
    plain = settings_from(monkeypatch, DATABASE_URL=url).DATABASES["default"]
    assert not plain.get("DISABLE_SERVER_SIDE_CURSORS")
    pooled = settings_from(monkeypatch, DATABASE_URL=url, DB_TRANSACTION_POOLING="true")
    database = pooled.DATABASES["default"]
    assert database["DISABLE_SERVER_SIDE_CURSORS"] is True
    # Django leaves psycopg's prepared statements off unless OPTIONS turns them on.
    assert database["OPTIONS"].get("prepare_threshold") is None
