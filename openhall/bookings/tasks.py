from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from openhall.core.sweeps import run_sweep


@db_periodic_task(crontab(minute="*"))
def sweep_bookings() -> dict[str, object]:
    """Every minute: no-shows released, used bookings completed, undecided requests expired.

    Safe when two workers overlap: each booking is re-read under a row lock before it moves.
    """
    return run_sweep("bookings")  # booking_sweep, as `openhall sweep bookings` runs it
