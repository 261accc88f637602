import time

from django.core.management.base import BaseCommand, CommandError

from openhall.core.sweeps import sweep_names, sweep_steps

ALL = "all"


def describe(result: object) -> str:
    """{'no_show': 1, 'completed': 0} → 'no_show=1 completed=0'; a count stays a count."""
    if isinstance(result, dict):
        return " ".join(f"{key}={value}" for key, value in result.items()) or "-"
    return "-" if result is None else str(result)


class Command(BaseCommand):
    help = (
        "Run the repair sweeps the workers run every few minutes, now, and print what each did "
        "(after an outage, or with the worker stopped). Safe beside running workers: every "
        "sweep is idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "names", nargs="+", metavar="NAME", help=f"{', '.join(sweep_names())} or {ALL}"
        )
        parser.add_argument(
            "--with-optional",
            action="store_true",
            help="also the optional steps (access: fetch door records from the TTLock cloud)",
        )

    def handle(self, *args, names: list[str], with_optional: bool, **options):
        known = sweep_names()
        unknown = [name for name in names if name != ALL and name not in known]
        if unknown:
            raise CommandError(
                f"unknown sweep {', '.join(unknown)}; choose from {', '.join(known)} or {ALL}"
            )
        chosen = known if ALL in names else list(dict.fromkeys(names))
        failed = []
        for name in chosen:
            # A step that raises stops its own sweep, as in the periodic task; the next sweep
            # still runs, and the command fails at the end.
            for step in sweep_steps(name, optional=with_optional):
                started = time.perf_counter()
                try:
                    result = step.func()
                except Exception as exc:
                    failed.append(f"{name}.{step.name}")
                    self.stderr.write(f"{name}: {step.name} failed: {type(exc).__name__}: {exc}")
                    break
                ms = (time.perf_counter() - started) * 1000
                self.stdout.write(f"{name}: {step.name}: {describe(result)} ({ms:.0f} ms)")
        if failed:
            raise CommandError(f"failed: {', '.join(failed)}")
