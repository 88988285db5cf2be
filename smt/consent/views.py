"""My Account / Who can see my data (BEY-1): the overview, and Withdraw with its
consequences said before the confirm."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.permissions import Capability, capability_required
from smt.lib.errors import Refused

from .selectors import AGREEMENT, HAN_DEVICE, Access, consent_access_get, consent_overview
from .services import consent_withdraw

REASON_MAX = 500  # as the agreement's own Terminate form (AGR-14)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason (optional, the 3rd party sees it)"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


@capability_required(Capability.CUSTOMER_METERS)
@require_GET
def overview(request):
    """Every access to each of my meters, live and past, filtered by meter; the receipts."""
    data = consent_overview(customer=request.user, esiid=request.GET.get("meter", ""))
    return render(request, "consent/overview.html", {"overview": data})


@capability_required(Capability.CUSTOMER_METERS)
@require_http_methods(["GET", "POST"])
def withdraw(request, kind, ref):
    """GET says what withdrawing changes; POST withdraws (once: a second click is told the
    access already ended)."""
    access = consent_access_get(customer=request.user, kind=kind, ref=ref)
    if access is None:
        raise Http404
    form = WithdrawForm(request.POST or None) if access.kind == AGREEMENT else None
    if request.method == "POST" and (form is None or form.is_valid()):
        reason = form.cleaned_data["reason"] if form else ""
        try:
            consent_withdraw(customer=request.user, access=access, reason=reason)
        except Refused as refusal:
            messages.info(request, str(refusal))
        else:
            messages.success(request, _withdrawn_text(access))
        return redirect("consent_overview")
    return render(request, "consent/withdraw.html", {"access": access, "form": form})


def _withdrawn_text(access: Access) -> str:
    if access.kind == HAN_DEVICE:
        return _(
            "The device's removal is requested from your TDSP. Its status changes to Removed "
            "once the TDSP confirms."
        )
    return _("Done: the access of %(who)s is withdrawn. We have emailed you a receipt.") % {
        "who": access.who
    }
