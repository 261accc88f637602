from django import forms
from django.utils.translation import gettext_lazy as _


class PreferenceForm(forms.Form):
    wechat = forms.BooleanField(label=_("Send notices to my WeChat"), required=False)
    sms = forms.BooleanField(
        label=_("Send important changes (rejected, cancelled, moved) by SMS"), required=False
    )
    quiet_start = forms.TimeField(
        label=_("Quiet hours from"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time", "class": "input"}),
    )
    quiet_end = forms.TimeField(
        label=_("Quiet hours until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time", "class": "input"}),
    )
