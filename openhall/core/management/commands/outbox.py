"""`openhall outbox backlog` and `openhall outbox retry-failed`: the operator's two handles on
the outbox (docs/operations.md)."""

import json

from django.core.management.base import BaseCommand

from openhall.core import outbox


class Command(BaseCommand):
    help = "The outbox of follow-ups: show what waits, or give failed ones another round."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("backlog", help="follow-ups late by more than a minute, and failed")
        retry = actions.add_parser(
            "retry-failed", help="failed follow-ups due again now (the relay delivers them)"
        )
        retry.add_argument("--event", default="", help="only this event, e.g. booking.approved")
        retry.add_argument("--id", dest="ids", type=int, action="append", help="only this row")
        retry.add_argument("--now", action="store_true", help="deliver here instead of waiting")

    def handle(self, *args, action: str, **options):
        if action == "backlog":
            self.stdout.write(json.dumps(outbox.backlog()))
            return
        count = outbox.retry_failed(event=options["event"], ids=options["ids"])
        self.stdout.write(f"{count} follow-up(s) due again")
        if options["now"] and count:
            self.stdout.write(f"{outbox.relay()} delivered now")
