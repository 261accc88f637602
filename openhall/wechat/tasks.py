from huey.contrib.djhuey import db_task

from openhall.wechat import services


@db_task(retries=3, retry_delay=10)
def follower_changed_task(openid: str, subscribed: bool, at: int) -> None:
    """Queued by the callback so its answer never waits on the database."""
    services.follower_changed(openid=openid, subscribed=subscribed, at=at)
