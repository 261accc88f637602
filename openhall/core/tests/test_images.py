"""Uploaded pictures: a tiny file that claims a huge size is refused before it is decoded.

A 20 KB PNG of 13000 × 13000 pixels decodes to half a gigabyte (and a copy to convert it):
one upload drove a web process to 1.13 GB. The size a file claims is read from its header, and
anything over MAX_PIXELS is refused before a single pixel is decoded."""

import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from openhall.core.images import MAX_PIXELS, reencoded_jpeg
from openhall.venues.models import SpacePhoto


def png_claiming(width: int, height: int) -> bytes:
    """A valid black-and-white PNG of that size, a few KB long: its rows are all zeros."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte, then 1 bit a pixel
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("side", [13000, 8000])  # past Pillow's own bomb limit, and below it
def test_a_small_file_claiming_too_many_pixels_is_refused(side):
    content = png_claiming(side, side)
    assert len(content) < 100_000 and side * side > MAX_PIXELS
    with pytest.raises(ValidationError) as refused:
        reencoded_jpeg(SimpleUploadedFile("x.png", content, content_type="image/png"))
    assert refused.value.code == "photo_too_many_pixels"
    assert "像素" in refused.value.messages[0]


def test_an_ordinary_photo_still_passes():
    picture = reencoded_jpeg(SimpleUploadedFile("x.png", png_claiming(2000, 1500)))
    assert picture.name == "photo.jpg" and picture.size > 0


def test_the_upload_form_says_why(client, adam, center_a, dance_room):
    client.force_login(adam)
    upload = SimpleUploadedFile("huge.png", png_claiming(13000, 13000), content_type="image/png")
    response = client.post(
        f"/console/c/{center_a.pk}/spaces/{dance_room.pk}/photos/", {"image": upload}, follow=True
    )
    assert response.status_code == 200 and not SpacePhoto.objects.exists()
    assert "像素" in response.content.decode()


def test_a_postscript_file_is_refused_before_ghostscript_ever_runs(monkeypatch):
    """Pillow opens EPS by running Ghostscript on it — a PostScript interpreter with a long
    history of sandbox escapes — wherever `gs` is installed. A picture upload is JPG, PNG or
    WebP (the refusal says so); nothing else is handed to a decoder."""
    from PIL import EpsImagePlugin

    ran = []

    def ghostscript(*args, **kwargs):
        ran.append(args)
        raise OSError("a real Ghostscript would be running the file now")

    monkeypatch.setattr(EpsImagePlugin, "Ghostscript", ghostscript)
    monkeypatch.setattr(EpsImagePlugin, "gs_binary", "gs", raising=False)
    eps = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n(pwned) print\nshowpage\n%%EOF\n"
    with pytest.raises(ValidationError) as refused:
        reencoded_jpeg(SimpleUploadedFile("x.jpg", eps, content_type="image/jpeg"))
    assert refused.value.code == "not_a_photo"
    assert ran == []
