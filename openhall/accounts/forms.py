from django import forms
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _

from openhall.accounts import services
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
        ip = self.request.META.get("REMOTE_ADDR", "")
        if not services.login_allowed(mobile=mobile, ip=ip):
            raise forms.ValidationError(
                _("Too many failed attempts. Please wait 15 minutes and try again."),
                code="throttled",
            )
        self.user = authenticate(self.request, mobile=mobile, password=password)
        if self.user is None:
            services.login_failed(mobile=mobile, ip=ip)
            raise forms.ValidationError(
                _("The mobile number or password is wrong."), code="invalid_login"
            )
        return self.cleaned_data
