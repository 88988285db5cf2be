"""BEY-1 receipts for friends-and-family shares (ACC-22): on accept, receipts to the owner
and the friend; on end (withdrawn by the owner, given up by the friend, the meter leaving the
owner's account), receipts to both; each in its recipient's language (NTF-1), related to the
share, once (NTF-3), the ESIID masked (NTF-4)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from notifications.models import OutboundEmail
from notifications.services import email_render
from tests.factories import (
    CustomerPremiseFactory,
    MeterFactory,
    RorPeriodFactory,
    UserFactory,
)
from usage.models import MeterShare
from usage.services.meters import customer_premise_detach
from usage.services.ror import ror_move_out
from usage.services.sharing import meter_share_answer, meter_share_end, meter_share_invite

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
ACCEPTED = datetime(2026, 3, 10, 9, 0, tzinfo=CHICAGO)
ENDED = datetime(2026, 4, 2, 9, 0, tzinfo=CHICAGO)


@pytest.fixture
def owner_link():
    owner = UserFactory(first_name="Maria", last_name="Garcia", email="maria@example.com")
    return CustomerPremiseFactory(customer=owner, premise=MeterFactory().premise)


@pytest.fixture
def friend():
    return UserFactory(email="friend@example.com", language="es")


def receipts(template: str) -> dict[str, OutboundEmail]:
    found = OutboundEmail.objects.filter(template=f"usage/{template}").order_by("pk")
    return {email.recipient: email for email in found}


def shared(owner_link, friend) -> MeterShare:
    share = meter_share_invite(link=owner_link, friend_email=friend.email)
    with time_machine.travel(ACCEPTED, tick=False):
        return meter_share_answer(share=share, user=friend, accept=True)


def test_accepting_sends_receipts_to_the_owner_and_the_friend(owner_link, friend):
    # BEY-1, ACC-22
    share = shared(owner_link, friend)
    sent = receipts("meter_share_started")
    assert sent.keys() == {"maria@example.com", "friend@example.com"}
    for email in sent.values():
        assert email.related_id == str(share.pk)
        assert email.related_type.model == "metershare"
    owner = email_render(sent["maria@example.com"])
    assert "friend@example.com can now see your smart meter" in owner.subject
    assert "03/10/2026" in owner.body
    assert owner_link.premise.esiid[-7:] in owner.body
    assert owner_link.premise.esiid not in owner.body  # NTF-4
    assert sent["friend@example.com"].language == "es"
    friend_copy = email_render(sent["friend@example.com"])
    assert "Ya puede ver el medidor inteligente de Maria Garcia" in friend_copy.subject
    assert "10/03/2026" in friend_copy.body


def test_declining_sends_no_receipt(owner_link, friend):  # BEY-1: nothing was granted
    share = meter_share_invite(link=owner_link, friend_email=friend.email)
    meter_share_answer(share=share, user=friend, accept=False)
    assert receipts("meter_share_started") == {}


def test_the_owner_withdrawing_sends_both_receipts_once(owner_link, friend):  # BEY-1, ACC-22
    share = shared(owner_link, friend)
    with time_machine.travel(ENDED, tick=False):
        assert meter_share_end(share=share) is True  # the existing call: the owner's
        assert meter_share_end(share=share, by=owner_link.customer) is False
    sent = receipts("meter_share_ended")
    assert sent.keys() == {"maria@example.com", "friend@example.com"}
    assert OutboundEmail.objects.filter(template="usage/meter_share_ended").count() == 2
    owner = email_render(sent["maria@example.com"]).body
    assert "You stopped sharing your smart meter" in owner and "04/02/2026" in owner
    friend_copy = email_render(sent["friend@example.com"]).body
    assert "Maria Garcia dejó de compartir" in friend_copy and "02/04/2026" in friend_copy


def test_the_friend_giving_it_up_is_worded_so(owner_link, friend):  # BEY-1, ACC-22
    share = shared(owner_link, friend)
    meter_share_end(share=share, by=friend)
    sent = receipts("meter_share_ended")
    assert "friend@example.com gave up access" in email_render(sent["maria@example.com"]).body
    assert "Usted renunció al acceso" in email_render(sent["friend@example.com"]).body


def test_withdrawing_an_unanswered_invitation_tells_only_the_owner(owner_link, friend):
    # BEY-1: the friend never had access
    share = meter_share_invite(link=owner_link, friend_email=friend.email)
    meter_share_end(share=share, by=owner_link.customer)
    assert receipts("meter_share_ended").keys() == {"maria@example.com"}


def test_removing_the_meter_ends_its_shares_with_receipts(owner_link, friend):
    # BEY-1, ACC-22, ACC-23
    shared(owner_link, friend)
    customer_premise_detach(link=owner_link)
    assert MeterShare.objects.get().status == MeterShare.Status.REVOKED
    sent = receipts("meter_share_ended")
    assert sent.keys() == {"maria@example.com", "friend@example.com"}
    assert "no longer on your account" in email_render(sent["maria@example.com"]).body


def test_a_move_out_ends_the_shares_with_receipts(owner_link, friend, settings):
    # BEY-1, ACC-22, MTR-2
    settings.ROR_MOVE_OUT_HOOKS = []  # only the share's part of a Move-Out here
    RorPeriodFactory(premise=owner_link.premise, started_on=date(2025, 1, 1))
    shared(owner_link, friend)
    ror_move_out(esiid=owner_link.premise.esiid, effective=date(2026, 4, 1))
    assert MeterShare.objects.get().status == MeterShare.Status.REVOKED
    assert receipts("meter_share_ended").keys() == {"maria@example.com", "friend@example.com"}


@pytest.mark.django_db(transaction=True)
def test_the_end_button_sends_the_receipts_through_the_worker(client, owner_link, friend):
    # BEY-1, NTF-3: recorded in the request, sent after commit
    share = shared(owner_link, friend)
    mail.outbox.clear()
    client.force_login(friend)
    client.post(reverse("usage:share_end", args=[share.pk]))
    assert sorted(message.to[0] for message in mail.outbox) == [
        "friend@example.com",
        "maria@example.com",
    ]
    assert any("gave up access" in message.body for message in mail.outbox)
