from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils import translation

from .services import SignInReason, sign_in_message, user_sign_in_reason


class UserLanguageMiddleware:
    """Pages speak the signed-in user's language preference (UX-3)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class _ViewMiddleware:
    """A middleware that only decides before the view (`process_view`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)


class TemporaryPasswordMiddleware(_ViewMiddleware):
    """A user signed in with a temporary password must replace it before anything else
    (ACC-6, ACC-12)."""

    ALLOWED = ("accounts:set_up", "accounts:logout", "set_language", "accounts:company_logo")

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.must_change_password:
            return None
        if request.resolver_match and request.resolver_match.view_name in self.ALLOWED:
            return None
        return redirect("accounts:set_up")


class AccountAccessMiddleware(_ViewMiddleware):
    """ACC-10 on every request, not only at sign-in: a session whose account, company or
    last Active DUNS is no longer Active ends at once, before any page or export is served.

    Runs before the temporary-password gate, so an account revoked half-way through its
    first log in is signed out rather than asked for a new password. The user was loaded
    with what the check reads (`UserIdBackend.get_user`): it costs no query of its own.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        reason = user_sign_in_reason(user=user)
        if reason is SignInReason.OK:
            return None
        logout(request)  # the session is flushed; the page goes on as for anyone signed out
        messages.warning(request, sign_in_message(reason), fail_silently=True)
        return None
