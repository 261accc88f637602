from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from openhall.core import permissions, selectors
from openhall.core.api_schemas import refusals
from openhall.core.dates import ApiDate
from openhall.core.models import Center
from openhall.core.pagination import Paged
from openhall.core.permissions import Perm
from openhall.core.refusals import NotFound

router = Router(tags=["centers"])


class CenterOut(Schema):
    id: int
    name: str
    slug: str
    street: str
    district: str
    address: str
    phone: str
    area_m2: int | None
    staffed_hours: str

    @staticmethod
    def resolve_street(obj: Center) -> str:
        return obj.street.name

    @staticmethod
    def resolve_district(obj: Center) -> str:
        return obj.street.district.name


class AuditEntryOut(Schema):
    id: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    before: dict | None
    after: dict | None
    ip: str | None

    @staticmethod
    def resolve_actor(obj) -> str:
        return obj.actor_label


class AuditFilter(Schema):
    action: str = ""
    actor_id: int | None = Field(None, ge=1, le=2**63 - 1)
    since: ApiDate | None = None
    until: ApiDate | None = None


PUBLIC = {"x-openhall-public": True}  # the facts on a center's door: the same for everyone


@router.get(
    "/centers",
    response={200: list[CenterOut]},
    summary="Every active center (public, where to book)",
    auth=None,
    openapi_extra=PUBLIC,
)
def list_centers(request: HttpRequest):
    # The H5 centers page lists the same: a mini program must find where to book before login.
    return selectors.active_centers().select_related("street__district")


@router.get(
    "/centers/{center_id}",
    response={200: CenterOut, **refusals(404, 422)},
    summary="One active center (public)",
    auth=None,
    openapi_extra=PUBLIC,
)
def get_center(request: HttpRequest, center_id: int):
    center = selectors.active_centers().filter(pk=center_id).first()
    if center is None:
        raise NotFound()
    return center


@router.get(
    "/me/centers",
    response={200: list[CenterOut], **refusals(401)},
    summary="Centers you work in (staff; empty for a resident)",
)
def list_my_centers(request: HttpRequest):
    return permissions.centers_for(request.user, Perm.VIEW_STATS).select_related("street__district")


@router.get(
    "/centers/{center_id}/audit",
    response={200: list[AuditEntryOut], **refusals(401, 403, 404, 422)},
    summary="The center's audit log",
)
@paginate(Paged)
def list_audit(request: HttpRequest, center_id: int, filters: Query[AuditFilter]):
    center = permissions.center_or_404(request.user, center_id, Perm.VIEW_AUDIT)
    return selectors.audit_entries(center=center, **filters.dict())
