"""What a request says about its sender: the client address (as the audit log and the throttles
record it) and the Bearer token of its Authorization header (API keys, /metrics).

The audit never reads the current request: the authentication layer attaches this address to
the acting user (`user.audit_address`, see core.middleware and api.auth), and views pass it
explicitly where no user acts yet (sign-in).
"""


def client_ip_from(request) -> str:
    # nginx sets X-Real-IP from the connection; only trust it behind our own proxy.
    from django.conf import settings

    meta = getattr(request, "META", request)  # a request, or a WSGI environ as it is
    if settings.TRUST_X_REAL_IP:
        real = meta.get("HTTP_X_REAL_IP", "")
        if real:
            return real[:64]
    return meta.get("REMOTE_ADDR", "")[:64]


def bearer_token(request) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None when there is none.
    The one reader of that header: API keys (accounts.apikeys) and /metrics (core.metrics)."""
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def attach_address(user, address: str):
    """Record on the acting user object where its request came from (for its audit entries)."""
    if user is not None:
        try:
            user.audit_address = address
        except AttributeError:  # pragma: no cover - an object that refuses attributes
            pass
    return user
