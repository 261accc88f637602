"""How access says no: `AccessRefused` (422, its own code) for a grant, an unlock or a keypad
code that cannot be done as asked, and the core refusals (`NotFound`, `Forbidden`) for a door or
a center that is not the person's to act on. The one Refused handler of the API and the pages
answer them all."""

from openhall.core import permissions
from openhall.core.models import Center
from openhall.core.permissions import Perm
from openhall.core.refusals import Forbidden, NotFound, Refused


class AccessRefused(Refused):
    status = 422
    code = "access_refused"


def require_center_perm(user, center: Center, perm: Perm) -> None:
    """core.permissions' check, answered as refusals: a center the person cannot see is not
    there (404); one they see but may not act on is forbidden (403)."""
    if permissions.has_center_perm(user, center, perm):
        return
    if permissions.has_center_perm(user, center, Perm.VIEW_STATS):
        raise Forbidden
    raise NotFound
