"""My Account / Webhooks (BEY-2): the company's users with either 3rd-party function list,
add (the secret shown once), edit, delete, rotate, send a test event, read the delivery log
and retry a delivery; everyone else gets a 404 (ACC-19, SEC-1)."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from smt.api.thirdparty.models import WebhookDelivery, WebhookEndpoint
from smt.api.thirdparty.webhooks.services import webhook_endpoint_create
from tests.agreements.helpers import third_party_admin
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def an_endpoint(user, url="http://127.0.0.1:9/hook"):
    endpoint, _secret = webhook_endpoint_create(
        user=user, url=url, events=["agreement.status_changed"], description="billing"
    )
    return endpoint


def test_the_menu_lists_webhooks_for_a_third_party_user(client):
    client.force_login(UserFactory(third_party=True, can_in_home_devices=True))
    response = client.get(reverse("tp_api_web:webhooks"))
    assert response.status_code == 200
    assert reverse("tp_api_web:webhooks") in response.content.decode()
    assert "Your company has no webhook endpoint yet." in response.content.decode()


@pytest.mark.parametrize(
    "who",
    [
        lambda: UserFactory(),  # a customer
        lambda: UserFactory(third_party=True),  # no 3rd-party function
        lambda: UserFactory(tdsp_admin=True),
    ],
)
def test_it_is_404_for_anyone_else(client, who):  # ACC-19
    client.force_login(who())
    assert client.get(reverse("tp_api_web:webhooks")).status_code == 404
    assert client.get(reverse("tp_api_web:webhook_create")).status_code == 404


def test_adding_an_endpoint_shows_its_secret_once(client):
    user = third_party_admin()
    client.force_login(user)
    response = client.post(
        reverse("tp_api_web:webhook_create"),
        {
            "url": "http://127.0.0.1:9/hook",
            "events": ["agreement.status_changed", "token.revoked"],
            "description": "Billing system",
        },
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["agreement.status_changed", "token.revoked"]
    assert endpoint.created_by == user
    page = response.content.decode()
    assert endpoint.secret in page
    assert response["Cache-Control"] == "no-store"
    detail = client.get(reverse("tp_api_web:webhook", args=[endpoint.pk])).content.decode()
    assert endpoint.secret not in detail
    assert "Billing system" in detail


def test_adding_refuses_a_private_url_in_production_on_the_url_field(client, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    client.force_login(third_party_admin())
    response = client.post(
        reverse("tp_api_web:webhook_create"),
        {"url": "https://10.0.0.8/hook", "events": ["agreement.status_changed"]},
    )
    assert response.status_code == 200
    assert "private" in str(response.context["form"].errors["url"])
    assert not WebhookEndpoint.objects.exists()


def test_editing_and_pausing(client):
    user = third_party_admin()
    endpoint = an_endpoint(user)
    client.force_login(user)
    response = client.post(
        reverse("tp_api_web:webhook_edit", args=[endpoint.pk]),
        {"url": "http://127.0.0.1:9/other", "events": ["report.ready"], "description": ""},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events, endpoint.is_active) == (
        "http://127.0.0.1:9/other",
        ["report.ready"],
        False,  # the Active box was not ticked
    )


def test_rotating_shows_the_new_secret_once(client):
    user = third_party_admin()
    endpoint = an_endpoint(user)
    old = endpoint.secret
    client.force_login(user)
    url = reverse("tp_api_web:webhook_rotate", args=[endpoint.pk])
    assert "Make a new signing secret" in client.get(url).content.decode()
    response = client.post(url)
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert endpoint.secret in response.content.decode()


def test_deleting_asks_first(client):
    user = third_party_admin()
    endpoint = an_endpoint(user)
    client.force_login(user)
    url = reverse("tp_api_web:webhook_delete", args=[endpoint.pk])
    assert client.get(url).status_code == 200
    assert WebhookEndpoint.objects.exists()
    response = client.post(url)
    assert response.url == reverse("tp_api_web:webhooks")
    assert not WebhookEndpoint.objects.exists()


def test_send_test_event_and_the_delivery_log_with_retry(
    client, httpserver, django_capture_on_commit_callbacks
):
    user = third_party_admin()
    endpoint = an_endpoint(user, url=httpserver.url_for("/hook"))
    client.force_login(user)
    httpserver.expect_oneshot_request("/hook").respond_with_data("no", status=500)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("tp_api_web:webhook_test", args=[endpoint.pk]))
    assert response.url == reverse("tp_api_web:webhook", args=[endpoint.pk])
    delivery = WebhookDelivery.objects.get()
    assert (delivery.event_type, delivery.status) == ("webhook.test", "failed")
    page = client.get(response.url).content.decode()
    assert "webhook.test" in page
    assert "500" in page
    assert "Failed, will retry" in page
    assert reverse("tp_api_web:webhook_delivery_retry", args=[delivery.pk]) in page

    httpserver.expect_oneshot_request("/hook").respond_with_data("ok")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("tp_api_web:webhook_delivery_retry", args=[delivery.pk]))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count) == ("succeeded", 2)
    page = client.get(response.url).content.decode()
    assert "Succeeded" in page


def test_the_delivery_log_query_count_does_not_grow(
    client, django_assert_max_num_queries, httpserver
):
    user = third_party_admin()
    endpoint = an_endpoint(user, url=httpserver.url_for("/hook"))
    for n in range(10):
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            event_type="webhook.test",
            message_id=f"msg_{n}",
            payload={},
            created_at=NOW,
        )
    client.force_login(user)
    with django_assert_max_num_queries(15):
        assert client.get(reverse("tp_api_web:webhook", args=[endpoint.pk])).status_code == 200


def test_another_companys_endpoint_is_404(client):  # SEC-1
    endpoint = an_endpoint(third_party_admin())
    client.force_login(third_party_admin())
    for name in ("webhook", "webhook_edit", "webhook_delete", "webhook_rotate"):
        assert client.get(reverse(f"tp_api_web:{name}", args=[endpoint.pk])).status_code == 404
    for name in ("webhook_test", "webhook_delete", "webhook_rotate"):
        assert client.post(reverse(f"tp_api_web:{name}", args=[endpoint.pk])).status_code == 404
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
