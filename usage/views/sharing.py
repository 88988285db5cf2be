"""Friends and family: sharing a meter's usage, read-only (ACC-22)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
)
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.permissions import Capability, capability_required
from smt.lib.errors import Refused, refusal_add_to_form
from usage import selectors
from usage.forms import (
    MeterShareForm,
)
from usage.services import sharing


@capability_required(Capability.CUSTOMER_METERS)
@require_http_methods(["GET", "POST"])
def my_meter_share(request, pk):
    """Share one of my meters with a friend or family member (ACC-22)."""
    link = selectors.customer_premise_link_get(customer=request.user, pk=pk)
    if link is None:
        raise Http404
    form = MeterShareForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sharing.meter_share_invite(link=link, friend_email=form.cleaned_data["friend_email"])
        except Refused as refusal:
            refusal_add_to_form(form, refusal)
        else:
            messages.success(request, _("The invitation has been sent."))
            return redirect("usage:my_meters")
    return render(request, "usage/my_meter_share.html", {"form": form, "link": link})


@login_required
@require_http_methods(["GET", "POST"])
def share_answer(request, token):
    """The invitation link (ACC-22): GET shows it, only a POST answers."""
    share = sharing.meter_share_for_token(token=token)
    if share is None:
        raise Http404
    refusal = sharing.meter_share_refusal(share=share, user=request.user)
    if request.method == "POST" and not refusal:
        accept = request.POST.get("answer") == "accept"
        try:
            sharing.meter_share_answer(share=share, user=request.user, accept=accept)
        except Refused as error:
            refusal = str(error)
        else:
            if accept:
                messages.success(request, _("The meter has been added to My Friend's Meters."))
                return redirect("usage:friends_meters")
            messages.info(request, _("You declined the invitation."))
            return redirect("home")
    return render(request, "usage/share_answer.html", {"share": share, "refusal": refusal})


@capability_required(Capability.CUSTOMER_METERS)
def friends_meters(request):
    """My Friend's Meters (ACC-22)."""
    shares = selectors.meter_shares_received(friend=request.user)
    return render(request, "usage/friends_meters.html", {"shares": shares})


@capability_required(Capability.CUSTOMER_METERS)
@require_http_methods(["POST"])
def share_end(request, pk):
    """The owner withdraws a share, or the friend gives it up (ACC-22)."""
    share = selectors.meter_share_for_party(user=request.user, pk=pk)
    if share is None:
        raise Http404
    sharing.meter_share_end(share=share, by=request.user)
    messages.success(request, _("The meter is no longer shared."))
    return redirect(
        "usage:my_meters" if share.owner_id == request.user.pk else "usage:friends_meters"
    )
