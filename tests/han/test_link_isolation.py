"""A pairing link is answered only by the HAN page, and an agreement invitation only by the
agreements' page (HAN-4, AGR-8, SEC-2): a token of one kind is "not valid" on the other."""

import pytest

from agreements.models import AgreementInvitation
from agreements.services.answers import LINK_NOT_VALID, agreement_accept
from agreements.services.core import LinkRefused
from tests.agreements.helpers import ongoing
from tests.agreements.helpers import token_of as invitation_token
from tests.han.helpers import S, one_request, status_of, token_of

pytestmark = pytest.mark.django_db


def test_a_pairing_token_is_not_valid_on_the_agreements_answer_page(client):
    request = one_request()
    token = token_of(request)
    page = client.get(f"/agreements/answer/{token}/?action=accept")
    assert LINK_NOT_VALID in page.content.decode()
    with pytest.raises(LinkRefused):
        agreement_accept(token=token)
    assert status_of(request) == S.REQUEST_EMAIL_SENT
    assert not AgreementInvitation.objects.filter(used_at__isnull=False).exists()


def test_an_agreement_invitation_is_not_valid_on_the_pairing_page(client):
    agreement = ongoing()
    page = client.post(f"/han/pairing/{invitation_token(agreement)}/", {"action": "start"})
    assert page.status_code in (200, 404)
    agreement.refresh_from_db()
    assert agreement.status == agreement.Status.PENDING
    assert not AgreementInvitation.objects.filter(used_at__isnull=False).exists()
