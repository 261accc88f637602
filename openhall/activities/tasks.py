from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from openhall.activities import notices, signup


@db_periodic_task(crontab(minute="*"))
def expire_offers() -> int:
    """Every minute: waitlist offers not taken in time pass to the next in line."""
    return signup.offers_expire()


@db_periodic_task(crontab(minute="*/10"))
def remind() -> int:
    """Every 10 minutes: reminders a day and an hour before (once per person and session)."""
    return notices.send_reminders()
