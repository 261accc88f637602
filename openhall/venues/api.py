from django.http import HttpRequest
from ninja import Router, Schema

from openhall.core import permissions
from openhall.core.permissions import Perm
from openhall.venues.selectors import space_tree

router = Router(tags=["spaces"])


class ZoneOut(Schema):
    id: int
    name: str
    kind: str
    capacity: int
    is_bookable: bool


class SpaceOut(ZoneOut):
    area_m2: int | None
    location: str
    zones: list[ZoneOut]

    @staticmethod
    def resolve_zones(obj) -> list:
        return list(obj.children.all())


@router.get("/centers/{center_id}/spaces", response=list[SpaceOut], summary="Rooms and their zones")
def list_spaces(request: HttpRequest, center_id: int):
    center = permissions.center_or_404(request.user, center_id, Perm.VIEW_CENTER)
    return space_tree(center=center)
