"""Who may open a console page: staff only, and a center's pages only for its staff.

Every app's console pages use these, so they live in core, below the apps; what a center page
shows beside its menu (the approvals badge) is added by the console app through
`on_center_page`, so this module names no domain.
"""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

from openhall.core import permissions
from openhall.core.permissions import Perm

_center_page_hooks: list[Callable] = []

# A session signed in without a password (WeChat, an SMS code) carries this. It may act as a
# resident, never as staff: someone made staff after signing in that way gives their password
# first (staff are refused both ways of signing in; this closes the session that came before).
PASSWORDLESS_SESSION = "signed_in_without_password"


def mark_signed_in_without_password(request) -> None:
    request.session[PASSWORDLESS_SESSION] = True


def on_center_page(hook: Callable) -> Callable:
    """Run `hook(request)` on every center page once `request.center` and its perms are set."""
    if hook not in _center_page_hooks:
        _center_page_hooks.append(hook)
    return hook


def staff_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated or (
            request.session.get(PASSWORDLESS_SESSION) and permissions.is_staff_user(request.user)
        ):
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
            for hook in _center_page_hooks:
                hook(request)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
