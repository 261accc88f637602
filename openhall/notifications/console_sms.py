"""The `console` SMS backend of `make run`: prints the text and keeps it in ConsoleSms, so a
developer or a trainer can read sign-in codes without a provider."""

from openhall.core.sms import TEMPLATES, SmsBackend


class ConsoleBackend(SmsBackend):
    name = "console"

    def send(self, *, mobile: str, template: str, params: dict[str, str]) -> str:
        from openhall.notifications.models import ConsoleSms

        text = TEMPLATES[template].format(sign=self.config.sign_name or "OpenHall", **params)
        print(f"[SMS to {mobile}] {text}", flush=True)  # noqa: T201 — the console backend's job
        return str(ConsoleSms.objects.create(mobile=mobile, text=text).pk)
