"""My Account / HAN Device Messages (HAN-9): the 3rd party composes, queries, exports and
cancels its messages; the customer queries and exports the messages sent to their devices.

The history pages serve both sides through `han_messages_for_user` (SEC-1: anything else is a
404); composing and cancelling need the In-Home Device permission (ACC-19).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import Capability, capability_required, user_has_capability
from smt.lib.csv_cells import csv_line_writer, spreadsheet_safe
from smt.lib.errors import Refused
from smt.lib.listing import listing_build

from ..forms import HanMessageComposeForm, HanMessageSearchForm
from ..models import HanMessage
from ..selectors import (
    han_devices_to_message,
    han_message_events,
    han_message_get_for_user,
    han_messages_for_company,
    han_messages_for_user,
    han_request_get_for_user,
)
from ..services.messages import HanMessageRefused, han_message_cancel, han_messages_compose

SORT_COLUMNS = {
    "id": "pk",
    "esiid": "device__agreement__premise__esiid",
    "mac": "device__mac_address",
    "priority": "priority",
    "start": "start_at",
    "status": "status",
    "company": "company__name",
}
CSV_HEADER = (
    gettext_lazy("Message ID"),
    gettext_lazy("3rd Party"),
    gettext_lazy("ESIID"),
    gettext_lazy("HAN Device MAC Address"),
    gettext_lazy("Type of HAN Device"),
    gettext_lazy("Message"),
    gettext_lazy("Priority"),
    gettext_lazy("Confirmation Required"),
    gettext_lazy("Start Time (Central)"),
    gettext_lazy("Duration (minutes)"),
    gettext_lazy("Status"),
    gettext_lazy("Failure Reason"),
    gettext_lazy("Sent to TDSP"),
    gettext_lazy("Delivered"),
    gettext_lazy("Confirmed"),
)


def _is_customer(user) -> bool:
    return bool(user.is_customer)


def _history_allowed(user) -> bool:
    return _is_customer(user) or user_has_capability(user, Capability.THIRD_PARTY_HAN)


def _check_history_allowed(request) -> None:
    if not _history_allowed(request.user):
        raise Http404


# --- the history (both sides) -----------------------------------------------------------------


@login_required
@require_GET
def message_list(request):
    """HAN-9 with ACC-20: the messages the user may see, queried by ESIID, device, date
    range and status, sorted and paginated, with the CSV export of the same query."""
    _check_history_allowed(request)
    listing = listing_build(
        request,
        han_messages_for_user(user=request.user),
        form_class=HanMessageSearchForm,
        sort_columns=SORT_COLUMNS,
        default_sort="-id",
    )
    context = {
        "listing": listing,
        "is_customer": _is_customer(request.user),
        "export_query": request.GET.urlencode(),
    }
    return render(request, "han/messages/list.html", context)


def _local(moment):
    return timezone.localtime(moment).strftime("%m/%d/%Y %I:%M %p") if moment else ""


@login_required
@require_GET
def message_export(request):
    """HAN-9: the list's query as CSV (every matching message, not only one page). The
    3rd party's ESIID is masked as on its lists; a customer's MAC addresses are their own."""
    _check_history_allowed(request)
    rows = han_messages_for_user(user=request.user)
    if "search" in request.GET:
        form = HanMessageSearchForm(request.GET)
        if not form.is_valid():  # the list shows the errors and no row: so does the file
            rows = rows.none()
        elif form.has_criteria():
            rows = form.filter(rows)
    customer = _is_customer(request.user)
    writer = csv_line_writer()

    def lines():
        yield writer.writerow([str(h) for h in CSV_HEADER])
        for message in rows.order_by("-pk").iterator(chunk_size=500):
            agreement = message.device.agreement
            yield writer.writerow(
                [
                    message.pk,
                    spreadsheet_safe(message.company.name),
                    agreement.premise.esiid if customer else agreement.masked_esiid,
                    message.device.masked_mac,  # NTF-4: both sides see the last six
                    message.device.get_device_type_display(),
                    # Typed by people: a spreadsheet must not run it (OWASP CSV injection).
                    spreadsheet_safe(message.text),
                    message.get_priority_display(),
                    _("Yes") if message.confirmation_required else _("No"),
                    _local(message.start_at),
                    message.duration_minutes,
                    message.get_status_display(),
                    spreadsheet_safe(message.failure_reason),
                    _local(message.sent_at),
                    _local(message.delivered_at),
                    _local(message.confirmed_at),
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="han-device-messages-{stamp}.csv"'
    return response


@login_required
@require_GET
def message_detail(request, pk: int):
    """HAN-9: one message: its fields, its timeline, and Cancel while it is Queued."""
    _check_history_allowed(request)
    message = han_message_get_for_user(user=request.user, pk=pk)
    customer = _is_customer(request.user)
    events = list(han_message_events(message=message))
    for event in events:
        event.from_label = HanMessage.Status(event.from_status).label if event.from_status else ""
        event.to_label = HanMessage.Status(event.to_status).label
        if customer:  # a 3rd-party user's ID is not the customer's to see
            event.by = message.company.name if event.actor_id else _(event.actor_label)
        else:
            event.by = event.actor.username if event.actor else _(event.actor_label)
    context = {
        "message": message,
        "device": message.device,
        "events": events,
        "is_customer": customer,
        "can_cancel": not customer and message.may_be_cancelled,
    }
    return render(request, "han/messages/detail.html", context)


# --- the 3rd party's actions ------------------------------------------------------------------


def _compose_start(request) -> tuple[dict, str]:
    """The form's first values: `?device=<request number>` (from a device's page) picks that
    device of its meter, `?esiid=` a meter."""
    number = request.GET.get("device", "").strip()
    if number:
        try:
            device = han_request_get_for_user(user=request.user, agreement_number=number)
        except Http404:
            return {}, ""
        esiid = device.agreement.premise.esiid
        return {"esiids": esiid, "devices": [number]}, esiid
    esiid = request.GET.get("esiid", "").strip()
    return ({"esiids": esiid}, esiid) if esiid else ({}, "")


def _one_esiid(form: HanMessageComposeForm) -> str:
    values = form.esiid_values()
    return values[0] if len(values) == 1 else ""


@capability_required(Capability.THIRD_PARTY_HAN)
@require_http_methods(["GET", "POST"])
def message_compose(request):
    """HAN-9: compose a message to chosen devices of one meter or to every paired device of
    up to 100 ESIIDs. "Choose devices" redraws the page with the meter's devices (no
    JavaScript needed); Send queues one message per device, or shows every refusal."""
    if request.method == "GET":
        initial, esiid = _compose_start(request)
        devices = han_devices_to_message(user=request.user, esiid=esiid) if esiid else []
        form = HanMessageComposeForm(initial=initial, devices=devices)
        return _compose_page(request, form, esiid)
    probe = HanMessageComposeForm(request.POST)
    esiid = _one_esiid(probe)
    devices = han_devices_to_message(user=request.user, esiid=esiid) if esiid else []
    form = HanMessageComposeForm(request.POST, devices=devices)
    if "choose_devices" in request.POST:
        typed = {name: form[name].value() for name in form.fields}
        typed["devices"] = [choice for choice, _label in form.fields["devices"].choices]
        return _compose_page(request, HanMessageComposeForm(initial=typed, devices=devices), esiid)
    chosen_none = "devices_shown" in request.POST and not request.POST.getlist("devices")
    if chosen_none:
        form.add_error("devices", _("Choose at least one HAN device."))
    if form.is_valid():
        try:
            sent = han_messages_compose(
                user=request.user,
                draft=form.draft(),
                esiids=form.esiid_values(),
                devices=form.cleaned_data["devices"] if esiid else [],
            )
        except HanMessageRefused as refused:
            for field, texts in refused.errors.items():
                for text in texts:
                    form.add_error(None if field not in form.fields else field, text)
        else:
            return redirect("han:message_batch", batch=sent[0].batch)
    return _compose_page(request, form, esiid)


def _compose_page(request, form: HanMessageComposeForm, esiid: str):
    context = {"form": form, "esiid": esiid, "shows_devices": bool(esiid)}
    return render(request, "han/messages/compose.html", context)


@capability_required(Capability.THIRD_PARTY_HAN)
@require_GET
def message_batch(request, batch):
    """HAN-9: what was just queued, one row per device, with the statuses so far."""
    sent = han_messages_for_company(user=request.user).filter(batch=batch).order_by("pk")
    if not sent:
        raise Http404
    return render(request, "han/messages/batch.html", {"sent": sent, "first": sent[0]})


@capability_required(Capability.THIRD_PARTY_HAN)
@require_POST
def message_cancel(request, pk: int):
    """HAN-9: cancel a message still Queued (POST from the message's page)."""
    message = han_message_get_for_user(user=request.user, pk=pk)
    try:
        han_message_cancel(user=request.user, message=message)
    except Refused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("The message was cancelled; it will not be sent."))
    return redirect("han:message", pk=pk)
