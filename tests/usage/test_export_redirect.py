"""An export with no meter chosen goes back to a fixed page, never to the Referer header,
which a link on another site sets (USG-8, MTR-7; no open redirect)."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tests.factories import CustomerPremiseFactory, MeterFactory, UserFactory
from usage.models import ReportRequest

pytestmark = pytest.mark.django_db

EVIL = "https://evil.example/phish"
EXPORTS = ["usage:export_reports", "usage:export_information"]
NO_METER = "Select at least one meter to export."


def export_without_a_meter(client, user, name, method, **params):
    client.force_login(user)
    send = client.post if method == "post" else client.get
    return send(reverse(name), params, HTTP_REFERER=EVIL)


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", EXPORTS)
def test_a_rep_goes_back_to_the_meter_list(client, name, method):  # MTR-4, USG-8
    response = export_without_a_meter(client, UserFactory(rep=True), name, method)
    assert response.status_code == 302
    assert response.url == reverse("usage:ror_meters_usage")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [NO_METER]
    assert not ReportRequest.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", EXPORTS)
@pytest.mark.parametrize(
    "role",
    [{}, {"business": True}, {"third_party_admin": True}, {"tdsp_admin": True}],
    ids=["residential", "business", "third_party", "tdsp"],
)
def test_everyone_else_goes_home(client, name, method, role):
    response = export_without_a_meter(client, UserFactory(**role), name, method)
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert not ReportRequest.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", EXPORTS)
def test_someone_elses_meter_counts_as_none_chosen(client, name, method):  # SEC-1, USG-12
    stranger = CustomerPremiseFactory(premise=MeterFactory().premise).premise
    response = export_without_a_meter(
        client, UserFactory(rep=True), name, method, esiid=stranger.esiid
    )
    assert response.url == reverse("usage:ror_meters_usage")
    assert not ReportRequest.objects.exists()


@pytest.mark.parametrize("name", EXPORTS)
def test_the_referer_is_never_followed(client, name):
    for user in (UserFactory(rep=True), UserFactory()):
        for method in ("get", "post"):
            response = export_without_a_meter(client, user, name, method)
            assert EVIL not in response.get("Location", "")
            assert not response.url.startswith(("http:", "https:", "//"))
