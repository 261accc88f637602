from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from openhall.core.api_schemas import refusals
from openhall.core.models import Center
from openhall.venues.selectors import space_tree

router = Router(tags=["spaces"])


class ZoneOut(Schema):
    id: int
    parent_id: int | None
    name: str
    kind: str
    capacity: int
    bookable: bool = Field(alias="is_bookable")


class SpaceOut(ZoneOut):
    area_m2: int | None
    location: str
    zones: list[ZoneOut]

    @staticmethod
    def resolve_zones(obj) -> list:
        return list(obj.children.all())


@router.get(
    "/centers/{center_id}/spaces",
    response={200: list[SpaceOut], **refusals(404, 422)},
    summary="Rooms and their zones (public facts of a center)",
    auth=None,  # as the H5 home page shows them: a client finds where to book before login
    openapi_extra={"x-openhall-public": True},
)
def list_spaces(request: HttpRequest, center_id: int):
    return space_tree(center=get_object_or_404(Center, pk=center_id, is_active=True))
