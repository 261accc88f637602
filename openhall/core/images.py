"""Uploaded pictures, made safe to publish: decoded, resized and written again as JPEG without
metadata (no phone model, no GPS position of whoever took the photo), under a random name."""

import io
import warnings

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# A 48-megapixel phone photo passes; decoding costs about 3 bytes a pixel, and a copy more.
# The byte limit above does not bound this: a PNG of one colour claiming 13000 × 13000 pixels
# is 20 KB and decodes to half a gigabyte.
MAX_PIXELS = 50_000_000
# What a picture upload may be (the refusal names them). Pillow would otherwise try every format
# it knows, EPS among them, which it opens by running Ghostscript on the file.
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")


def _too_many_pixels() -> ValidationError:
    return ValidationError(
        f"照片像素过多（最多 {MAX_PIXELS // 10_000} 万像素），请缩小后再上传。",
        code="photo_too_many_pixels",
    )


def check_pixels(upload) -> None:
    """Refuse a picture claiming more than MAX_PIXELS, from its header alone (nothing decoded).
    A file Pillow cannot read passes here: the caller refuses it as "not a photo"."""
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice that; here it is a refusal.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload, formats=PHOTO_FORMATS) as picture:
                width, height = picture.size
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise _too_many_pixels() from exc
    except (UnidentifiedImageError, OSError):
        return
    finally:
        upload.seek(0)
    if width * height > MAX_PIXELS:
        raise _too_many_pixels()


class PhotoField(forms.ImageField):
    """An image upload whose size in pixels is checked first: Django's ImageField would call a
    picture too big to open "not an image", and people would try the same file again."""

    def to_python(self, data):
        if data not in self.empty_values and hasattr(data, "seek"):
            check_pixels(data)
        return super().to_python(data)


def reencoded_jpeg(upload, *, max_side: int = 1600) -> ContentFile:
    """The upload as a JPEG of at most `max_side` px with no metadata, or a clear refusal."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError("照片不能超过 10 MB。", code="photo_too_large")
    check_pixels(upload)  # before anything is decoded
    try:
        with Image.open(upload, formats=PHOTO_FORMATS) as original:
            original.verify()  # a truncated or disguised file fails here, before decoding
        upload.seek(0)
        with Image.open(upload, formats=PHOTO_FORMATS) as original:
            # JPEG decodes straight to a smaller scale (1/2 … 1/8) when that still covers
            # max_side: a quarter or less of the memory for a big camera photo.
            original.draft("RGB", (max_side * 2, max_side * 2))
            picture = ImageOps.exif_transpose(original).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValidationError("请上传 JPG、PNG 或 WebP 格式的照片。", code="not_a_photo") from exc
    picture.thumbnail((max_side, max_side))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85, optimize=True)  # no exif= argument: none is written
    return ContentFile(out.getvalue(), name="photo.jpg")
