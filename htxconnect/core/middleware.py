"""Project middleware: the acting user's address for auditing, and the Content-Security-Policy header."""

from django.conf import settings
from django.utils.functional import LazyObject, SimpleLazyObject, empty

from . import request_context


def _unwrap(user):
    while isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        user = user._wrapped
    return user


class ActorAddressMiddleware:
    """Attach the client address to the request's user (`user.audit_address`), so the services
    it calls can audit where a change came from without reading any ambient request state.

    Lazy, like `request.user` itself: a page that never looks at the user (the public scan page)
    pays nothing.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        address = request_context.client_ip_from(request)
        request.client_address = address
        user = getattr(request, "user", None)
        if user is not None:
            request.user = SimpleLazyObject(lambda: request_context.attach_address(_unwrap(user), address))
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Adds the CSP from settings unless a view set its own (e.g. the API docs page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response


class CookieLocaleMiddleware:
    """Vietnamese unless the person chose English with the language switch (a cookie).

    Django's LocaleMiddleware would also follow the browser's Accept-Language, turning staff
    pages half-English for anyone whose phone is set to English, and splitting cached public
    pages by a header nginx does not key on. The choice is explicit instead.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils import translation

        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if code not in dict(settings.LANGUAGES):
            code = settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = code
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", code)
        return response
