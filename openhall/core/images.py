"""Uploaded pictures, made safe to publish: decoded, resized and written again as JPEG without
metadata (no phone model, no GPS position of whoever took the photo), under a random name."""

import io

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def reencoded_jpeg(upload, *, max_side: int = 1600) -> ContentFile:
    """The upload as a JPEG of at most `max_side` px with no metadata, or a clear refusal."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError("照片不能超过 10 MB。", code="photo_too_large")
    try:
        with Image.open(upload) as original:
            original.verify()  # a truncated or disguised file fails here, before decoding
        upload.seek(0)
        with Image.open(upload) as original:
            picture = ImageOps.exif_transpose(original).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValidationError("请上传 JPG、PNG 或 WebP 格式的照片。", code="not_a_photo") from exc
    picture.thumbnail((max_side, max_side))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85, optimize=True)  # no exif= argument: none is written
    return ContentFile(out.getvalue(), name="photo.jpg")
