"""Friends and family sharing of a meter (ACC-22)."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from notifications.models import OutboundEmail
from tests.factories import CustomerPremiseFactory, MeterFactory, UserFactory
from usage.models import MeterShare
from usage.services.sharing import SHARE_INVITATION_DAYS

pytestmark = pytest.mark.django_db(transaction=True)  # the invitation goes out on commit


@pytest.fixture
def owner_link():
    owner = UserFactory(first_name="Maria", last_name="Garcia", email="maria@example.com")
    return CustomerPremiseFactory(customer=owner, premise=MeterFactory().premise)


@pytest.fixture
def friend():
    return UserFactory(email="Friend@Example.com")


def invite(client, link, email="friend@example.com"):
    client.force_login(link.customer)
    return client.post(reverse("usage:my_meter_share", args=[link.pk]), {"friend_email": email})


def invitation_path() -> str:
    return re.search(r"(/shared-meter/[^/\s]+/)", mail.outbox[-1].body).group(1)


def test_owner_invites_and_the_friend_accepts(client, owner_link, friend):  # ACC-22
    response = invite(client, owner_link)
    assert response.url == reverse("usage:my_meters")
    message = mail.outbox[-1]
    assert message.to == ["friend@example.com"]
    assert owner_link.premise.esiid[-7:] in message.body
    assert owner_link.premise.esiid not in message.body  # NTF-4: masked
    path = invitation_path()

    client.force_login(friend)
    page = client.get(path).content.decode()
    assert "would like to share" in page
    assert MeterShare.objects.get().status == "invited"  # a GET changes nothing
    response = client.post(path, {"answer": "accept"})
    assert response.url == reverse("usage:friends_meters")
    listed = client.get(reverse("usage:friends_meters")).content.decode()
    assert owner_link.premise.esiid in listed
    assert "Maria Garcia" in listed


def test_the_link_is_single_use(client, owner_link, friend):  # ACC-22, SEC-2
    invite(client, owner_link)
    path = invitation_path()
    client.force_login(friend)
    client.post(path, {"answer": "accept"})
    response = client.post(path, {"answer": "decline"})
    assert "already been answered" in response.content.decode()
    assert MeterShare.objects.get().status == "active"


def test_the_link_token_is_not_kept_in_the_email_log(client, owner_link):  # SEC-2
    invite(client, owner_link)
    token = invitation_path().split("/")[2]
    email = OutboundEmail.objects.get(template="usage/meter_share_invitation")
    assert token not in str(email.context)
    assert token not in MeterShare.objects.get().token_hash


def test_only_the_invited_email_can_accept(client, owner_link):  # ACC-22
    invite(client, owner_link)
    path = invitation_path()
    client.force_login(UserFactory(email="someone.else@example.com"))
    response = client.post(path, {"answer": "accept"})
    assert "sent to another email address" in response.content.decode()
    assert MeterShare.objects.get().status == "invited"


@pytest.mark.parametrize(
    "days, usable", [(SHARE_INVITATION_DAYS - 1, True), (SHARE_INVITATION_DAYS, False)]
)
def test_invitation_expires_after_30_days(client, owner_link, friend, days, usable):  # ACC-22
    invite(client, owner_link)
    path = invitation_path()
    with time_machine.travel(timezone.now() + timedelta(days=days)):
        client.force_login(friend)  # a session from today would have expired
        client.post(path, {"answer": "accept"})
    assert (MeterShare.objects.get().status == "active") is usable


def test_unknown_token_is_404(client, friend):  # SEC-2
    client.force_login(friend)
    assert client.get(reverse("usage:share_answer", args=["x" * 43])).status_code == 404


def test_owner_stops_sharing_and_the_friend_loses_it(client, owner_link, friend):  # ACC-22
    invite(client, owner_link)
    path = invitation_path()
    client.force_login(friend)
    client.post(path, {"answer": "accept"})
    share = MeterShare.objects.get()
    client.force_login(owner_link.customer)
    client.post(reverse("usage:share_end", args=[share.pk]))
    client.force_login(friend)
    listed = client.get(reverse("usage:friends_meters")).content.decode()
    assert owner_link.premise.esiid not in listed


def test_removing_the_meter_ends_its_shares(client, owner_link, friend):  # ACC-22, ACC-23
    invite(client, owner_link)
    client.post(reverse("usage:my_meter_remove", args=[owner_link.pk]))
    assert MeterShare.objects.get().status == "revoked"


def test_sharing_twice_with_the_same_address_is_refused(client, owner_link):  # ACC-22
    invite(client, owner_link)
    response = invite(client, owner_link, "FRIEND@example.com")
    assert "already shared with that email address" in response.content.decode()
    assert len(mail.outbox) == 1


def test_a_stranger_cannot_end_a_share(client, owner_link):  # SEC-1
    invite(client, owner_link)
    client.force_login(UserFactory())
    response = client.post(reverse("usage:share_end", args=[MeterShare.objects.get().pk]))
    assert response.status_code == 404
