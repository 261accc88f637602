"""Demo data for `make run`: a lobby screen at a known address, so a newcomer can open it.
(A real screen's address is random and shown once; this one is for the demo center only.)"""

from openhall.display.models import Screen, token_hash

DEMO_SCREEN_TOKEN = "demo-lobby-screen"  # noqa: S105 — public on purpose, demo only


def load_demo_screen(center) -> int:
    _screen, created = Screen.objects.get_or_create(
        token_hash=token_hash(DEMO_SCREEN_TOKEN),
        defaults={"center": center, "name": "大厅屏（演示）"},
    )
    return int(created)


def demo_screen_exists() -> bool:
    return Screen.objects.filter(token_hash=token_hash(DEMO_SCREEN_TOKEN)).exists()
