from openhall.core import permissions


def openhall(request):
    return {
        "elder_mode": request.COOKIES.get("elder_mode") == "1",
        "csp_nonce": getattr(request, "csp_nonce", ""),
        "is_staff_user": permissions.is_staff_user(request.user)
        if hasattr(request, "user")
        else False,
    }
