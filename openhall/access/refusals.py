"""The access app's refusal: a grant, an unlock or a keypad code that cannot be done as asked."""

from django.core.exceptions import ValidationError


class AccessRefused(ValidationError):
    pass
