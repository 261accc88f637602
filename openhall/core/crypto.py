"""Encryption of personal data at rest (ID numbers, PINs) with Fernet keys from OPENHALL_DATA_KEY."""

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
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


@cache
def _fernet() -> MultiFernet:
    keys = [k.strip() for k in settings.OPENHALL_DATA_KEY.split(",") if k.strip()]
    return MultiFernet([Fernet(_as_fernet_key(k)) for k in keys])


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("cannot decrypt: wrong OPENHALL_DATA_KEY?") from exc


def blind_index(value: str) -> str:
    """A keyed hash to find or de-duplicate a value without storing it in clear."""
    key = hashlib.sha256(
        ("blind-index:" + settings.OPENHALL_DATA_KEY.split(",")[0]).encode()
    ).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


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
