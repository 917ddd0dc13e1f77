"""The acting user and client address of the current request, for services that audit.

Set by RequestContextMiddleware; commands and tasks run without one (actor None, no address).
"""

from contextvars import ContextVar

_client_ip: ContextVar[str] = ContextVar("client_ip", default="")
_user: ContextVar[object | None] = ContextVar("user", default=None)


def client_ip_from(request) -> str:
    # nginx sets X-Real-IP from the connection; only trust it behind our own proxy.
    from django.conf import settings

    if settings.TRUST_X_REAL_IP:
        real = request.META.get("HTTP_X_REAL_IP", "")
        if real:
            return real[:64]
    return request.META.get("REMOTE_ADDR", "")[:64]


def current_ip() -> str:
    return _client_ip.get()


def current_user():
    return _user.get()


def bind(request):
    return _client_ip.set(client_ip_from(request)), _user.set(getattr(request, "user", None))


def unbind(tokens):
    ip_token, user_token = tokens
    _client_ip.reset(ip_token)
    _user.reset(user_token)
