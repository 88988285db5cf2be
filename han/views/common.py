"""What the 3rd party's and the customer's HAN pages share (HAN-8): a request's page (its
fields, history and the actions valid now) and Remove with its confirmation page."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.models import User
from agreements.models import Agreement
from smt.lib.errors import Refused

from ..models import HanProvisionRequest
from ..selectors import han_request_get_for_user, han_request_history
from ..services.answers import pairing_answer_is_open
from ..services.tdsp import han_device_remove

S = Agreement.Status


def history_rows(han_request: HanProvisionRequest, *, customer: User | None = None) -> list:
    """AGR-18, SEC-7: the request's history with the statuses' labels and who acted. The 3rd
    party sees user IDs; the customer sees "You", the 3rd party's name, or the system's
    label (a 3rd-party user's ID is not theirs to see)."""
    rows = list(han_request_history(request=han_request))
    company = han_request.agreement.company
    for entry in rows:
        entry.from_label = S(entry.from_status).label if entry.from_status else ""
        entry.to_label = S(entry.to_status).label
        if customer is None:
            by = entry.actor.username if entry.actor else _(entry.actor_label)
        elif entry.actor_id == customer.pk:
            by = _("You")
        else:
            by = company.name if entry.actor_id else _(entry.actor_label)
        entry.by = by  # actor labels are stored in English, shown in the reader's language
    return rows


def detail_context(han_request: HanProvisionRequest, *, customer: User | None = None) -> dict:
    """HAN-8: every field of the request; the page asks these flags, it does not decide."""
    return {
        "han_request": han_request,
        "agreement": han_request.agreement,
        "company": han_request.agreement.company,
        "history": history_rows(han_request, customer=customer),
        "can_answer": pairing_answer_is_open(han_request),
        "can_remove": han_request.may_be_removed,
    }


def device_remove_page(request, agreement_number: str, *, detail: str, template: str):
    """HAN-8 Remove: GET is the confirmation page (it changes nothing); POST asks the TDSP to
    de-provision the device. Either side may remove (the customer need not be registered)."""
    han_request = han_request_get_for_user(user=request.user, agreement_number=agreement_number)
    if request.method == "POST":
        try:
            han_device_remove(user=request.user, request=han_request)
        except Refused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(
                request, _("Removal requested; the slot frees when the utility confirms.")
            )
        return redirect(detail, agreement_number=agreement_number)
    if not han_request.may_be_removed:
        messages.error(
            request,
            _("This HAN device cannot be removed in its status (%(status)s).")
            % {"status": han_request.agreement.get_status_display()},
        )
        return redirect(detail, agreement_number=agreement_number)
    context = {"han_request": han_request, "agreement": han_request.agreement}
    return render(request, template, context)
