import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from openhall.core.backups import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the embedded SQLite deployment — database (online, safe while the server "
        "runs), uploaded media and a manifest — into one .tar.gz. Keys are not included: keep "
        "them apart. On PostgreSQL use pg_dump (docs/deployment.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "target",
            nargs="?",
            help="a .tar.gz file, or a directory for a dated one (default: OPENHALL_VAR_DIR/backups/)",
        )

    def handle(self, *args, target: str | None = None, **options):
        if target is None or target.endswith(("/", os.sep)):
            # A directory, made if missing: the backup gets a dated name inside it.
            directory = Path(target or Path(settings.VAR_DIR) / "backups")
            directory.mkdir(parents=True, exist_ok=True)
            target = str(directory)
        try:
            archive = backup_create(target=Path(target))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Backup written to {archive}")
