"""`openhall rotate-keys`: re-encrypt every encrypted field with the first OPENHALL_DATA_KEY, so
the keys after it can be dropped. Safe to run again (and while the site runs)."""

from django.core.management.base import BaseCommand

from openhall.core.crypto import encrypted_fields, reencrypt


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field with the first key of OPENHALL_DATA_KEY."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=500, help="rows per transaction")

    def handle(self, *args, batch: int, **options):
        for model, field in encrypted_fields():
            changed, current = reencrypt(model, field, batch=batch)
            label = f"{model._meta.label}.{field.name}"
            self.stdout.write(f"{label}: {changed} re-encrypted, {current} already current")
