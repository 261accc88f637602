"""Fees: today staff record payment by hand (cash, transfer, a WeChat Pay reference) with
`services.payment_record`. WeChat Pay (JSAPI, inside the Official Account) will plug in here:
a provider creates an order for a registration and confirms it from its notification, then
calls `payment_record(status="paid", method="wechat_pay", reference=<transaction id>)`."""

from typing import Protocol

from openhall.activities.models import Registration


class PaymentProvider(Protocol):
    name: str

    def create_order(self, registration: Registration, *, amount_fen: int) -> dict:
        """What the H5 page needs to start paying (for WeChat Pay: the JSAPI parameters)."""

    def confirm(self, notification: bytes, headers: dict) -> tuple[int, str] | None:
        """A verified payment notification → (registration id, provider transaction id)."""


PROVIDERS: dict[str, PaymentProvider] = {}  # none configured: staff record payments by hand
