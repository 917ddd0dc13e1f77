"""Project middleware: request context for auditing, and the Content-Security-Policy header."""

from django.conf import settings

from . import request_context


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tokens = request_context.bind(request)
        try:
            return self.get_response(request)
        finally:
            request_context.unbind(tokens)


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
