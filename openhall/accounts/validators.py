"""Checks for Chinese identifiers: mainland mobile numbers, 统一社会信用代码 and 居民身份证号码."""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")

# GB 32100-2015: 18 characters from this alphabet, the last a weighted checksum mod 31.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# GB 11643-1999: 17 digits then a check character from ISO 7064 MOD 11-2.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def normalize_mobile(value: str) -> str:
    value = re.sub(r"[\s-]", "", value or "")
    if value.startswith("+86"):
        value = value[3:]
    return value


def validate_mobile(value: str) -> None:
    if not MOBILE_RE.match(value or ""):
        raise ValidationError(_("Enter an 11-digit mainland mobile number."), code="invalid_mobile")


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> None:
    value = (value or "").upper()
    if len(value) != 18 or any(ch not in USCC_ALPHABET for ch in value):
        raise ValidationError(
            _("A unified social credit code has 18 digits and capital letters."),
            code="invalid_uscc",
        )
    if uscc_check_char(value[:17]) != value[17]:
        raise ValidationError(
            _("This unified social credit code is not valid; please check it."), code="invalid_uscc"
        )


def id_check_char(first17: str) -> str:
    total = sum(int(ch) * w for ch, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def validate_id_number(value: str) -> None:
    value = (value or "").upper()
    message = _("This ID card number is not valid; please check it.")
    if not re.fullmatch(r"\d{17}[\dX]", value):
        raise ValidationError(message, code="invalid_id_number")
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(message, code="invalid_id_number") from None
    if id_check_char(value[:17]) != value[17]:
        raise ValidationError(message, code="invalid_id_number")
