"""After a restore: list (and with --remove, take off) codes on the locks that carry our marker
but that the database no longer knows."""

from django.core.management.base import BaseCommand

from openhall.access.orphans import lock_orphans


class Command(BaseCommand):
    help = "List codes on the locks that are ours but unknown to the database; --remove them."

    def add_arguments(self, parser):
        parser.add_argument("--remove", action="store_true", help="take them off the locks")
        parser.add_argument("--center", type=int, help="only this center's doors (id)")

    def handle(self, *args, remove: bool, center: int | None, **options):
        total = 0
        for report in lock_orphans(remove=remove, center_id=center):
            if report.error:
                self.stderr.write(f"{report.door} (#{report.door.pk}): {report.error}")
            if report.orphans:
                total += len(report.orphans)
                done = f", {report.removed} removed" if remove else ""
                self.stdout.write(
                    f"{report.door} (#{report.door.pk}): {len(report.orphans)} unknown code(s){done}"
                )
        if not total:
            self.stdout.write("No unknown codes on any lock.")
        elif not remove:
            self.stdout.write("Run again with --remove to take them off.")
