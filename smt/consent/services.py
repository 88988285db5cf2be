"""Withdraw in one step (BEY-1): each kind of access ends through the service of the app that
owns it, so the rules, the history and the emails (the customer's receipt, the 3rd party's
notice) stay where they are: an agreement is Terminated by the customer (AGR-14), a HAN
device removed (HAN-8), a share ended (ACC-22)."""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from agreements.selectors import agreement_get_for_customer
from agreements.services.actions import agreement_terminate
from han.selectors import han_request_get_for_user
from han.services.tdsp import han_device_remove
from smt.lib.errors import Refused
from usage.selectors import meter_share_for_party
from usage.services.sharing import meter_share_end

from .selectors import AGREEMENT, HAN_DEVICE, SHARE_GIVEN, Access

# Stored in English like every history reason, shown in the reader's language.
WITHDRAWN_REASON = gettext_noop("Withdrawn by the customer on Who can see my data.")


class AlreadyEnded(Refused):
    """The access ended meanwhile (a second click, another tab): nothing more to do."""


@transaction.atomic
def consent_withdraw(*, customer: User, access: Access, reason: str = "") -> None:
    """End one access the customer's page offers to withdraw (`access.withdrawable`)."""
    if not access.withdrawable:
        raise AlreadyEnded(_("This access has already ended."))
    if access.kind == AGREEMENT:
        agreement = agreement_get_for_customer(customer=customer, agreement_number=access.ref)
        agreement_terminate(
            agreement=agreement, user=customer, reason=reason.strip() or WITHDRAWN_REASON
        )
    elif access.kind == HAN_DEVICE:
        request = han_request_get_for_user(user=customer, agreement_number=access.ref)
        han_device_remove(user=customer, request=request)
    else:
        share = meter_share_for_party(user=customer, pk=int(access.ref))
        if share is None or (access.kind == SHARE_GIVEN) != (share.owner_id == customer.pk):
            raise AlreadyEnded(_("This access has already ended."))
        if not meter_share_end(share=share, by=customer):
            raise AlreadyEnded(_("This access has already ended."))
