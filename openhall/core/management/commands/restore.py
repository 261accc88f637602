from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from openhall.core.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `openhall backup` (SQLite): checks its manifest and every "
        "file's SHA-256, then replaces the database and the media. Stop the server first."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the .tar.gz written by `openhall backup`")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace a database that is not empty (everything in it is lost)",
        )

    def handle(self, *args, archive: str, force: bool = False, **options):
        try:
            restored = backup_restore(archive=Path(archive), force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored {restored.files} files from {restored.archive} "
            f"(made {restored.created_at} by OpenHall {restored.version})."
        )
        if restored.migrate_needed:
            self.stdout.write("The backup is from an earlier version: run `openhall migrate` now.")
