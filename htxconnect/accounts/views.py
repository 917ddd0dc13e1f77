"""Sign-in, sign-out and two-factor verification (skeleton; the accounts issue fills it in)."""

from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from htxconnect.core.permissions import SIGNED_IN, public, requires


@public
def login_view(request):
    return LoginView.as_view(template_name="accounts/login.html")(request)


@require_POST
@public
def logout_view(request):
    logout(request)
    return redirect("accounts:login")


@public
def otp_verify(request):
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    return render(request, "accounts/otp_verify.html")
