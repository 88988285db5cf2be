"""My Account / Webhooks (BEY-2): the company's webhook endpoints, the secret shown once on
creation and rotation, edit, delete, "Send test event", the delivery log and manual retry.
For the company's users with either 3rd-party function (ACC-19); anything else is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from smt.lib.errors import Refused

from ..models import WebhookEndpoint
from .events import EVENT_TYPES
from .forms import WebhookEndpointForm
from .selectors import (
    webhook_deliveries_for_endpoint,
    webhook_delivery_get_for_user,
    webhook_endpoint_get_for_user,
    webhook_endpoints_for_user,
)
from .services import (
    webhook_delivery_retry,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_update,
    webhook_secret_rotate,
    webhook_test_send,
    webhooks_allowed,
)

DELIVERIES_PER_PAGE = 25


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not webhooks_allowed(user):
        raise Http404
    return user


def _form_refusal(form: WebhookEndpointForm, refused: Refused) -> None:
    form.add_error(refused.field if refused.field in form.fields else None, str(refused))


def _secret_page(request: HttpRequest, endpoint: WebhookEndpoint, secret: str) -> HttpResponse:
    """Shown once: the answer to the POST that made the secret, never stored for a GET."""
    response = render(request, "webhooks/secret.html", {"endpoint": endpoint, "secret": secret})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def webhook_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    endpoints = webhook_endpoints_for_user(user=user)
    return render(request, "webhooks/list.html", {"endpoints": endpoints})


@login_required
@require_http_methods(["GET", "POST"])
def webhook_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = WebhookEndpointForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = webhook_endpoint_create(
                user=user,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                description=form.cleaned_data["description"],
            )
        except Refused as refused:
            _form_refusal(form, refused)
        else:
            return _secret_page(request, endpoint, secret)
    return render(request, "webhooks/form.html", {"form": form, "endpoint": None})


@login_required
@require_GET
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    endpoint = webhook_endpoint_get_for_user(user=user, pk=pk)
    page = Paginator(webhook_deliveries_for_endpoint(endpoint=endpoint), DELIVERIES_PER_PAGE)
    deliveries = page.get_page(request.GET.get("page"))
    labels = {kind: label for kind, (label, _needed) in EVENT_TYPES.items()}
    return render(
        request,
        "webhooks/detail.html",
        {
            "endpoint": endpoint,
            "deliveries": deliveries,
            "event_labels": [labels.get(kind, kind) for kind in endpoint.events],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def webhook_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    endpoint = webhook_endpoint_get_for_user(user=user, pk=pk)
    initial = {
        "url": endpoint.url,
        "events": endpoint.events,
        "description": endpoint.description,
        "active": endpoint.is_active,
    }
    form = WebhookEndpointForm(request.POST or None, user=user, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            webhook_endpoint_update(
                user=user,
                endpoint=endpoint,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                description=form.cleaned_data["description"],
                active=form.cleaned_data["active"],
            )
        except Refused as refused:
            _form_refusal(form, refused)
        else:
            messages.success(request, _("The webhook endpoint was saved."))
            return redirect("tp_api_web:webhook", pk=endpoint.pk)
    return render(request, "webhooks/form.html", {"form": form, "endpoint": endpoint})


@login_required
@require_http_methods(["GET", "POST"])
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    endpoint = webhook_endpoint_get_for_user(user=user, pk=pk)
    if request.method == "POST":
        try:
            webhook_endpoint_delete(user=user, endpoint=endpoint)
        except Refused as refused:
            messages.error(request, str(refused))
            return redirect("tp_api_web:webhook", pk=endpoint.pk)
        messages.success(request, _("The webhook endpoint and its delivery log were deleted."))
        return redirect("tp_api_web:webhooks")
    return render(request, "webhooks/delete.html", {"endpoint": endpoint})


@login_required
@require_http_methods(["GET", "POST"])
def webhook_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    endpoint = webhook_endpoint_get_for_user(user=user, pk=pk)
    if request.method == "POST":
        try:
            endpoint, secret = webhook_secret_rotate(user=user, endpoint=endpoint)
        except Refused as refused:
            messages.error(request, str(refused))
            return redirect("tp_api_web:webhook", pk=endpoint.pk)
        return _secret_page(request, endpoint, secret)
    return render(request, "webhooks/rotate.html", {"endpoint": endpoint})


@login_required
@require_POST
def webhook_test(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    endpoint = webhook_endpoint_get_for_user(user=user, pk=pk)
    try:
        webhook_test_send(user=user, endpoint=endpoint)
    except Refused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("A test event was queued; its delivery is in the log below."))
    return redirect("tp_api_web:webhook", pk=endpoint.pk)


@login_required
@require_POST
def webhook_delivery_retry_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    delivery = webhook_delivery_get_for_user(user=user, pk=pk)
    try:
        webhook_delivery_retry(user=user, delivery=delivery)
    except Refused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("The delivery will be sent again now."))
    return redirect("tp_api_web:webhook", pk=delivery.endpoint_id)
