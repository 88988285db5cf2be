"""My Profile / API Tokens (API-2): a REP or 3rd-party user's personal tokens of the 3rd-party
API, made and revoked here; a company admin also sees and revokes the tokens of the company's
other users. The secret is shown once, on the answer to the POST that made it, and kept
nowhere else (not in the session, not in a message)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from smt.lib.errors import Refused, refusal_add_to_form
from smt.lib.sandbox import sandbox_meters_listed

from .. import selectors
from ..forms.api_tokens import ApiTokenForm
from ..permissions import Capability, capability_required
from ..services import api_tokens as services

# The 3rd-party API's "who am I" call, for the example on the page that shows a new secret.
# A plain path: accounts sits below smt.api (CONVENTIONS: layers), so it does not reverse it.
EXAMPLE_API_PATH = "/tp-api/v1/me"


def _tokens_page(request: HttpRequest, form: ApiTokenForm) -> HttpResponse:
    user = request.user
    return render(
        request,
        "accounts/api_tokens/list.html",
        {
            "form": form,
            "tokens": services.personal_tokens_of(user=user).select_related("revoked_by"),
            "is_company_admin": user.is_company_admin,
            "company_tokens": services.company_tokens_for_admin(admin=user),
            "active_max": services.ACTIVE_TOKENS_MAX,
            "sandbox_meters": sandbox_meters_listed(user.company_id)
            if services.company_has_sandbox(company_id=user.company_id)
            else [],
        },
    )


@capability_required(Capability.API_TOKENS)
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The user's tokens, the form for a new one, and for an admin the company's users'
    tokens. A new token's secret is rendered straight into the POST's answer, never stored."""
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = services.personal_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                sandbox=form.cleaned_data["sandbox"],
            )
        except Refused as refusal:
            refusal_add_to_form(form, refusal)
        else:
            response = render(
                request,
                "accounts/api_tokens/created.html",
                {
                    "token": token,
                    "secret": secret,
                    "example_url": request.build_absolute_uri(EXAMPLE_API_PATH),
                },
            )
            add_never_cache_headers(response)  # no copy of the secret in a browser cache
            return response
    return _tokens_page(request, form)


@capability_required(Capability.API_TOKENS)
@require_http_methods(["GET", "POST"])
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke a token: its user, or an admin of its user's company (SEC-1: any other token is
    a 404). GET is the confirmation page; the POST revokes."""
    token = selectors.personal_token_get_for_user(user=request.user, pk=pk)
    if request.method == "POST":
        try:
            services.personal_token_revoke(actor=request.user, token=token)
        except Refused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request,
                _("The token “%(name)s” of %(user_id)s has been revoked; it no longer works.")
                % {"name": token.name, "user_id": token.user.username},
            )
        return redirect("accounts:profile_api_tokens")
    if not token.is_active:
        messages.info(request, _("This token has already been revoked."))
        return redirect("accounts:profile_api_tokens")
    return render(
        request,
        "accounts/api_tokens/revoke.html",
        {"token": token, "is_own": token.user_id == request.user.pk},
    )


urlpatterns = [
    path("my-account/profile/api-tokens/", api_tokens, name="profile_api_tokens"),
    path(
        "my-account/profile/api-tokens/<int:pk>/revoke/",
        api_token_revoke,
        name="profile_api_token_revoke",
    ),
]
