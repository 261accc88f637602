from django import forms
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _

from openhall.accounts import throttle
from openhall.accounts.validators import normalize_mobile


class MobileLoginForm(forms.Form):
    mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "username", "class": "input"}
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "class": "input"}),
    )

    def __init__(self, request, *args, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean_mobile(self) -> str:
        return normalize_mobile(self.cleaned_data["mobile"])

    def clean(self):
        mobile, password = self.cleaned_data.get("mobile"), self.cleaned_data.get("password")
        if not mobile or not password:
            return self.cleaned_data
        # django-axes (the first authentication backend) counts the failure or refuses a locked
        # number + address before the password is even checked: accounts/throttle.py.
        self.user = authenticate(self.request, mobile=mobile, password=password)
        if self.user is None:
            if throttle.locked_out(self.request):
                raise forms.ValidationError(
                    throttle.lockout_message(self.request, {"mobile": mobile}), code="throttled"
                )
            raise forms.ValidationError(
                _("The mobile number or password is wrong."), code="invalid_login"
            )
        return self.cleaned_data


class SmsSignInForm(forms.Form):
    """Sign in or sign up with an SMS code; new numbers also declare a name and agree."""

    mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "tel", "class": "input"}
        ),
    )
    code = forms.CharField(
        label=_("SMS code"),
        max_length=6,
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "class": "input"}
        ),
    )
    real_name = forms.CharField(
        label=_("Real name (new users)"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name", "class": "input"}),
    )
    # Separate boxes, never ticked in advance (PIPL Art. 14).
    agree_privacy = forms.BooleanField(
        label=_("I have read and agree to the privacy policy"), required=False
    )
    agree_sms = forms.BooleanField(
        label=_("Send me SMS notices about my bookings (optional)"), required=False
    )

    def clean_mobile(self) -> str:
        mobile = normalize_mobile(self.cleaned_data["mobile"])
        from openhall.accounts.validators import validate_mobile

        validate_mobile(mobile)
        return mobile


class IdentityForm(forms.Form):
    real_name = forms.CharField(
        label=_("Real name"), max_length=50, widget=forms.TextInput(attrs={"class": "input"})
    )
    id_number = forms.CharField(
        label=_("ID card number"),
        max_length=18,
        widget=forms.TextInput(attrs={"class": "input", "autocomplete": "off"}),
    )
    agree_id = forms.BooleanField(
        label=_("I agree separately that my ID card number is checked for real-name verification"),
        required=False,
    )
