"""Where uploaded files live, and how a private one reaches the person allowed to have it.

Pictures shown on public pages use Django's default storage. Files behind a permission check
(article attachments) use the "private" storage (settings.STORAGES): on one box the same
MEDIA_ROOT, where they always were, but never served under /media/ (openhall/urls.py); on S3
the bucket's `private/` prefix, which no policy opens. Their views check the permission, then
either stream the file from this disk or redirect to a signed URL that expires in
S3_SIGNED_URL_SECONDS.
"""

from typing import cast
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, default_storage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.utils.functional import LazyObject, empty
from django.utils.http import content_disposition_header


class _PrivateStorage(LazyObject):
    def _setup(self) -> None:
        self._wrapped = storages["private"]


_private = _PrivateStorage()


def private_storage() -> Storage:
    """The storage of files behind a permission check. A callable, so the model field's
    migration names this function rather than a backend with its settings; lazy, so a change
    of STORAGES (tests) reaches fields made at import."""
    return cast(Storage, _private)


_pictures_origin: str | None = None


def pictures_origin() -> str:
    """Where public pictures load from when that is not this site (an S3 bucket's address), for
    the pages' Content-Security-Policy; empty when they come from /media/ here."""
    global _pictures_origin
    if _pictures_origin is None:
        parts = urlsplit(
            "" if isinstance(default_storage, FileSystemStorage) else default_storage.url("x.jpg")
        )
        _pictures_origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
    return _pictures_origin


@receiver(setting_changed)
def _forget_storages(*, setting: str, **kwargs) -> None:
    global _pictures_origin
    if setting == "STORAGES":
        _private._wrapped = empty  # type: ignore[assignment]  # LazyObject's reset
        _pictures_origin = None


def private_file_response(field_file, *, filename: str):
    """The answer to a permitted download: the file itself from this disk, or a redirect to a
    short-lived signed URL that makes the browser save it under `filename`."""
    storage = field_file.storage
    if isinstance(storage, FileSystemStorage):
        try:
            handle = field_file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        return FileResponse(handle, as_attachment=True, filename=filename)
    url = storage.url(
        field_file.name,
        parameters={"ResponseContentDisposition": content_disposition_header(True, filename)},
        expire=settings.S3_SIGNED_URL_SECONDS,
    )
    response = HttpResponseRedirect(url)
    # The address is a bearer key for a few minutes: no shared cache may keep or replay it.
    response["Cache-Control"] = "private, no-store"
    return response
