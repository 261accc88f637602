from functools import wraps

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

from openhall.core import permissions
from openhall.core.permissions import Perm


def staff_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(f"{reverse('console:login')}?next={request.path}")
        if not permissions.is_staff_user(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def center_view(perm: Perm):
    """Resolve `center_id` from the URL into `request.center`, or 404 for a center the user cannot see."""

    def decorator(view):
        @staff_required
        @wraps(view)
        def wrapper(request, center_id, *args, **kwargs):
            request.center = permissions.center_or_404(request.user, center_id, perm)
            request.centers = permissions.centers_for(request.user, Perm.VIEW_STATS)
            request.center_perms = {
                p for p in Perm if permissions.has_center_perm(request.user, request.center, p)
            }
            if Perm.OPERATE in request.center_perms:
                from openhall.bookings.selectors import pending_approvals

                request.pending_count = pending_approvals(center=request.center).count()
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
