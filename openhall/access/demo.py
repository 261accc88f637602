"""Demo doors for `make run`: simulated smart locks (each with a web keypad) on the entrance,
the dance room and the multimedia room — the rooms that may be booked for evenings."""

from openhall.access.models import Door

DEMO_DOORS = [
    ("大门", True, []),
    ("舞蹈教室门", False, ["舞蹈教室"]),
    ("多媒体活动室门", False, ["多媒体活动室"]),
]


def load_demo_doors(center) -> int:
    if Door.objects.filter(center=center).exists():
        return 0
    rooms = {s.name: s for s in center.spaces.filter(parent=None)}
    for name, entrance, spaces in DEMO_DOORS:
        door = Door.objects.create(center=center, name=name, is_entrance=entrance, battery=86)
        door.spaces.set([rooms[s] for s in spaces if s in rooms])
    return len(DEMO_DOORS)
