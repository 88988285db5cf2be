"""A closed 3rd party keeps no access (ACC-21 purge, ACC-8 revoke; BEY-1 receipts): its
ongoing agreements end as Terminated with the reason in the history, its pending invitations
die (their emailed link then says the invitation expired), its waiting HAN requests and
Queued HAN messages stop, and each customer gets one receipt. accounts reaches agreements
and han only through `settings.COMPANY_CLOSED_HOOKS`."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string

from accounts.models import Company
from accounts.services.companies import company_revoke, company_suspend
from accounts.services.jobs import third_parties_purge_inactive
from agreements.models import Agreement, AgreementHistory
from agreements.services.actions import agreement_request_extension
from agreements.services.answers import agreement_accept
from agreements.services.jobs import (
    COMPANY_CLOSED_REASON,
    SYSTEM_COMPANY_CLOSED,
    agreements_end_for_closed_company,
)
from han.models import HanMessage
from notifications.services import email_render
from tests.agreements.helpers import (
    CUSTOMER_EMAIL,
    active_ongoing,
    details,
    emails,
    one_time,
    ongoing,
    third_party_admin,
    token_of,
)
from tests.factories import MeterFactory, UserFactory
from tests.han.helpers import compose, messaging_ready, one_request

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
S = Agreement.Status
K = Agreement.Kind
CREATED = datetime(2025, 1, 15, 12, 0, tzinfo=CHICAGO)
THIRTEEN_MONTHS_LATER = datetime(2026, 2, 15, 12, 0, tzinfo=CHICAGO)


@pytest.fixture
def book():
    """One 3rd party with an Active, an Extension Pending and a Pending ongoing agreement,
    an Active HAN Services one, a Pending One-Time invitation and a Complete One-Time one,
    each on its own meter; and another company's Active agreement."""
    with time_machine.travel(CREATED, tick=False):
        user = third_party_admin(last_login=CREATED)
        active = active_ongoing(user=user)
        extending = active_ongoing(user=user)
        agreement_request_extension(
            agreement=extending,
            user=user,
            new_end_date=extending.end_date + timedelta(days=30),
        )
        han = active_ongoing(user=user, kind=K.ONGOING_HAN, customer=details(language="es"))
        complete = one_time(user=user)
        agreement_accept_token(complete)
        # Another 3rd party, used recently: never purged.
        other = active_ongoing(user=third_party_admin(last_login=THIRTEEN_MONTHS_LATER))
    with time_machine.travel(THIRTEEN_MONTHS_LATER - timedelta(days=1), tick=False):
        pending = ongoing(user=user)
        invitation = one_time(user=user)
    return {
        "user": user,
        "active": active,
        "extending": extending,
        "han": han,
        "pending": pending,
        "invitation": invitation,
        "complete": complete,
        "other": other,
    }


def agreement_accept_token(agreement):
    return agreement_accept(token=token_of(agreement))


def status(agreement) -> str:
    return Agreement.objects.values_list("status", flat=True).get(pk=agreement.pk)


def purge() -> int:
    with time_machine.travel(THIRTEEN_MONTHS_LATER, tick=False):
        return third_parties_purge_inactive()


def staff():
    return UserFactory(smt_staff=True)


def close(how: str, company: Company) -> None:
    if how == "purge":
        assert purge() == 1
    else:
        with time_machine.travel(THIRTEEN_MONTHS_LATER, tick=False):
            company_revoke(actor=staff(), company=company, comment="Closed")


@pytest.mark.parametrize("how", ["purge", "revoke"])
def test_closing_a_third_party_ends_its_open_agreements(book, how):  # ACC-21, ACC-8, BEY-1
    close(how, book["user"].company)
    assert status(book["active"]) == S.TERMINATED
    assert status(book["extending"]) == S.TERMINATED
    assert status(book["han"]) == S.TERMINATED
    assert status(book["pending"]) == S.TERMINATED
    assert status(book["invitation"]) == S.NOT_ACCEPTED  # One-Time has no Terminated
    assert status(book["complete"]) == S.COMPLETE  # a delivered report is not undone
    assert status(book["other"]) == S.ACTIVE  # another company's is untouched
    ended = Agreement.objects.get(pk=book["active"].pk)
    assert ended.termination_reason == COMPANY_CLOSED_REASON
    assert ended.requested_end_date is None
    last = AgreementHistory.objects.filter(agreement=ended).order_by("pk").last()
    assert (last.from_status, last.to_status) == (S.ACTIVE, S.TERMINATED)
    assert (last.actor, last.actor_label, last.reason) == (
        None,
        SYSTEM_COMPANY_CLOSED,
        COMPANY_CLOSED_REASON,
    )


@pytest.mark.parametrize("how", ["purge", "revoke"])
def test_each_customer_gets_one_receipt(book, how):  # BEY-1, ACC-21, ACC-8
    close(how, book["user"].company)
    receipts = {int(email.related_id): email for email in emails("company_closed")}
    ended = ["active", "extending", "han", "pending", "invitation"]
    assert set(receipts) == {book[name].pk for name in ended}
    assert all(email.recipient == CUSTOMER_EMAIL for email in receipts.values())
    active = email_render(receipts[book["active"].pk])
    assert "account was closed" in active.body and "was terminated" in active.body
    assert "privacy policy" in active.body
    invitation = email_render(receipts[book["invitation"].pk])
    assert "was withdrawn" in invitation.body
    han = receipts[book["han"].pk]
    assert han.language == "es"
    assert "Se cerró la cuenta" in email_render(han).body
    # No 3rd-party emails about its own closure, and no second receipt on a second run.
    assert emails("not_accepted") == [] and emails("terminated") == []
    agreements_end_for_closed_company(company_id=book["user"].company_id)
    assert len(emails("company_closed")) == len(ended)


def test_a_dead_invitations_link_says_it_expired(client, book):  # ACC-21, AGR-9
    token = token_of(book["invitation"])
    close("purge", book["user"].company)
    url = reverse("agreements:answer", args=[token])
    page = client.get(f"{url}?action=accept").content.decode()
    assert "The invitation has expired" in page
    response = client.post(url, {"answer": "accept"})
    assert "The invitation has expired" in response.content.decode()
    assert status(book["invitation"]) == S.NOT_ACCEPTED


def test_suspension_leaves_the_agreements_alone(book):  # ACC-8: a suspension is not a close
    company_suspend(actor=staff(), company=book["user"].company, comment="Unpaid")
    assert status(book["active"]) == S.ACTIVE
    assert emails("company_closed") == []


def test_a_purge_that_finds_a_recent_sign_in_ends_nothing(book):  # ACC-21
    type(book["user"]).objects.filter(pk=book["user"].pk).update(
        last_login=THIRTEEN_MONTHS_LATER - timedelta(days=2)
    )
    assert purge() == 0
    assert status(book["active"]) == S.ACTIVE


def test_a_closed_third_partys_han_requests_and_queued_messages_stop():  # ACC-8, HAN-5, HAN-9
    user, meter, _agreement, _devices = messaging_ready()
    (message,) = compose(user, meter, start_at=datetime.now(tz=CHICAGO) + timedelta(hours=3))
    waiting = one_request(user=user, meter=MeterFactory())
    assert waiting.agreement.status == S.REQUEST_EMAIL_SENT
    company_revoke(actor=staff(), company=user.company, comment="Closed")
    assert status(waiting.agreement) == S.PAIRING_NOT_INITIATED
    message = HanMessage.objects.get(pk=message.pk)
    assert message.status == HanMessage.Status.FAILED
    assert message.failure_reason == "The 3rd party's account was closed."


def test_the_hooks_are_named_in_settings():  # CONVENTIONS: accounts imports no agreements
    assert settings.COMPANY_CLOSED_HOOKS == [
        "agreements.services.jobs.agreements_end_for_closed_company",
        "han.services.jobs.han_end_for_closed_company",
    ]
    for path in settings.COMPANY_CLOSED_HOOKS:
        assert callable(import_string(path))
