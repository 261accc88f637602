"""Encryption of personal data at rest (ID numbers, PINs) with Fernet keys from OPENHALL_DATA_KEY,
and blind indexes (keyed hashes to find a value without storing it) with OPENHALL_INDEX_KEY.

The two keys rotate differently. Data keys rotate: the first encrypts, all decrypt, and
`openhall rotate-keys` re-encrypts every row with the first so old keys can go. An index cannot
be re-derived after the fact — a verified ID number is kept only as its index — so the index key
does not follow rotation: OPENHALL_INDEX_KEY, or, unset, the LAST data key (the original one,
since rotation puts new keys first), which is what every index was made with before the index
key existed.
"""

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _


def _as_fernet_key(raw: str) -> bytes:
    # Accept a real Fernet key, or derive one from any passphrase so a typo'd key still works
    # consistently rather than silently producing unreadable data.
    try:
        key = raw.encode()
        Fernet(key)
        return key
    except ValueError:
        return base64.urlsafe_b64encode(hashlib.sha256(raw.encode()).digest())


def data_keys() -> list[str]:
    return [k.strip() for k in settings.OPENHALL_DATA_KEY.split(",") if k.strip()]


@cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(_as_fernet_key(k)) for k in data_keys()])


@cache
def _first_fernet() -> Fernet:
    return Fernet(_as_fernet_key(data_keys()[0]))


@cache
def _index_key() -> bytes:
    material = settings.OPENHALL_INDEX_KEY
    if not material:
        keys = settings.OPENHALL_DATA_KEY.split(",")
        # A single key is used exactly as given, as blind_index always did (byte-for-byte the
        # same indexes); in a list, the last entry.
        material = keys[0] if len(keys) == 1 else data_keys()[-1]
    return hashlib.sha256(("blind-index:" + material).encode()).digest()


@receiver(setting_changed)
def _forget_keys(*, setting: str, **kwargs) -> None:
    if setting in {"OPENHALL_DATA_KEY", "OPENHALL_INDEX_KEY"}:
        for cached in (_fernet, _first_fernet, _index_key):
            cached.cache_clear()


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("cannot decrypt: wrong OPENHALL_DATA_KEY?") from exc


def is_under_first_key(token: str) -> bool:
    try:
        _first_fernet().decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def blind_index(value: str) -> str:
    """A keyed hash to find or de-duplicate a value without storing it in clear."""
    return hmac.new(_index_key(), value.encode(), hashlib.sha256).hexdigest()


# Marks a serialized value as ciphertext, so loading it back never mistakes a token for a PIN.
SERIALIZED_PREFIX = "fernet:"


class EncryptedTextField(models.TextField):
    """Stores ciphertext; Python code sees plaintext. Not searchable: add a blind index for that.

    `dumpdata` writes the ciphertext ("fernet:<token>"), never the PIN or ID number: an export
    is as safe as the database, and `loaddata` on a deployment with the same OPENHALL_DATA_KEY
    reads it back (with another key it refuses, rather than store a token as if it were a PIN).
    """

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)

    def value_to_string(self, obj):
        value = self.value_from_object(obj)
        if value is None or value == "":
            return value
        return SERIALIZED_PREFIX + encrypt(value)

    def to_python(self, value):
        value = super().to_python(value)
        if isinstance(value, str) and value.startswith(SERIALIZED_PREFIX):
            try:
                return decrypt(value.removeprefix(SERIALIZED_PREFIX))
            except ValueError as exc:
                raise ValidationError(
                    _("This value was encrypted with another data key (OPENHALL_DATA_KEY)."),
                    code="wrong_data_key",
                ) from exc
        return value


def mask(value: str, *, keep_start: int, keep_end: int) -> str:
    """`mask("13812345678", keep_start=3, keep_end=4)` → "138****5678"."""
    if not value:
        return ""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    hidden = len(value) - keep_start - keep_end
    return value[:keep_start] + "*" * hidden + value[len(value) - keep_end :]


def encrypted_fields() -> list[tuple[type[models.Model], "EncryptedTextField"]]:
    from django.apps import apps

    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


def reencrypt(model: type[models.Model], field: "EncryptedTextField", *, batch: int = 500):
    """Re-encrypt one field's values under the first data key, a batch per transaction (rows
    locked, so a concurrent save is not overwritten with a stale value). Idempotent: values
    already under the first key are left alone. Returns (re-encrypted, already current)."""
    from django.db import transaction
    from django.db.models.functions import Cast

    column = Cast(field.name, models.TextField())  # the stored token, not decrypted
    rows = model._default_manager.exclude(**{f"{field.name}__isnull": True}).exclude(
        **{field.name: ""}
    )
    changed = current = 0
    last_pk = None
    while True:
        with transaction.atomic():
            page = (
                rows.order_by("pk")
                if last_pk is None
                else rows.filter(pk__gt=last_pk).order_by("pk")
            )
            found = list(page.select_for_update().values_list("pk", column)[:batch])
            for pk, token in found:
                if is_under_first_key(token):
                    current += 1
                    continue
                # Saving the plaintext encrypts it again, with the first key.
                model._default_manager.filter(pk=pk).update(**{field.name: decrypt(token)})
                changed += 1
        if len(found) < batch:
            return changed, current
        last_pk = found[-1][0]
