"""Template context shared by every page."""

from django.conf import settings

from .permissions import Role, is_staff_role


def site(request):
    user = getattr(request, "user", None)
    return {
        "SITE_NAME": "HTX Connect",
        "DEMO_MODE": settings.DEMO_MODE,
        "is_staff_user": bool(user and is_staff_role(user)),
        "Role": Role,
    }
