from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from openhall.accounts import services
from openhall.accounts.models import Enterprise, Team
from openhall.core import permissions
from openhall.core.api_schemas import refusals
from openhall.core.permissions import Perm

router = Router(tags=["people"])


class MembershipOut(Schema):
    role: str
    scope: str
    scope_id: int


class MeOut(Schema):
    id: int
    real_name: str
    mobile: str
    id_number: str
    phone_verified: bool
    staff_roles: list[MembershipOut]


class TeamOut(Schema):
    id: int
    center_id: int
    name: str
    description: str
    member_count: int


class EnterpriseOut(Schema):
    id: int
    center_id: int
    name: str
    uscc: str
    verified_at: datetime | None


@router.get(
    "/me", response={200: MeOut, **refusals(401)}, summary="Who you are (personal data masked)"
)
def me(request: HttpRequest):
    user = request.user
    roles = [
        MembershipOut(
            role=m.role,
            scope="center" if m.center_id else "street" if m.street_id else "district",
            scope_id=m.center_id or m.street_id or m.district_id,
        )
        for m in user.staff_memberships.all()
    ]
    return MeOut(
        id=user.pk,
        real_name=user.real_name,
        mobile=user.masked_mobile,
        id_number=user.masked_id_number,
        phone_verified=user.phone_verified_at is not None,
        staff_roles=roles,
    )


@router.get(
    "/centers/{center_id}/teams",
    response={200: list[TeamOut], **refusals(401, 403, 404, 422)},
    summary="Teams registered at a center",
)
def list_teams(request: HttpRequest, center_id: int):
    center = permissions.center_or_404(request.user, center_id, Perm.VIEW_CENTER)
    teams = Team.objects.filter(center=center)
    return [
        TeamOut(
            id=t.pk,
            center_id=t.center_id,
            name=t.name,
            description=t.description,
            member_count=t.memberships.count(),
        )
        for t in teams.prefetch_related("memberships")
    ]


@router.get(
    "/centers/{center_id}/enterprises",
    response={200: list[EnterpriseOut], **refusals(401, 403, 404, 422)},
    summary="Enterprises of a center",
)
def list_enterprises(request: HttpRequest, center_id: int):
    center = permissions.center_or_404(request.user, center_id, Perm.VIEW_CENTER)
    return Enterprise.objects.filter(center=center)


@router.get(
    "/enterprises/{enterprise_id}",
    response={200: EnterpriseOut, **refusals(401, 403, 404, 422)},
    summary="One enterprise",
)
def get_enterprise(request: HttpRequest, enterprise_id: int):
    return permissions.object_or_404(
        request.user, Enterprise.objects.all(), Perm.VIEW_CENTER, pk=enterprise_id
    )


@router.post(
    "/enterprises/{enterprise_id}/verify",
    response={200: EnterpriseOut, **refusals(401, 403, 404, 409, 422)},
    summary="Mark an enterprise verified",
)
def verify_enterprise(request: HttpRequest, enterprise_id: int):
    enterprise = permissions.object_or_404(
        request.user, Enterprise.objects.all(), Perm.OPERATE, pk=enterprise_id
    )
    return services.enterprise_verify(enterprise=enterprise, by=request.user)
