"""My Account / HAN Device Messages, the 3rd party's pages, through HTTP only (HAN-9, AGR-17,
ACC-19, ACC-20, SEC-1): compose (Choose devices, one device, several devices of a meter, every
device of several ESIIDs, and every refusal shown at once with nothing queued), the page of
what was just queued, the history with its query, sort and ACC-20 screens, a message's page
with its timeline, Cancel while Queued, and the CSV export with masked ESIIDs and MACs.

The customer's side of the same pages is in test_messages_views_customer.py."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from accounts.models import DunsGrant
from han.models import HanMessage
from han.services.messages import han_message_cancel, han_message_send
from han.services.tdsp import han_device_remove
from tests.agreements.helpers import third_party_admin
from tests.factories import MeterFactory, UserFactory

from .helpers import (
    compose,
    csv_rows,
    device_added,
    history,
    listed,
    message_status,
    messaging_ready,
    use_recording_adapter,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 09:00 in Texas: the agreements start 03/02/2026
LATER = NOW + timedelta(hours=3)  # a start time that keeps a message Queued
M = HanMessage.Status
LIST_URL = reverse("han:messages")
COMPOSE_URL = reverse("han:message_compose")
EXPORT_URL = reverse("han:message_export")
LOGIN_URL = reverse("accounts:login")
TEXT = "Peak pricing 2-6 PM today. Please save energy."
LIST_QUERIES = 5  # session, user, count, page count, one page of rows: the same for 1 or 30
EXPORT_QUERIES = 3  # session, user, the rows (one query, whatever their number)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def adapter(settings):
    """The TDSP only records what it is sent (no simulated answers)."""
    return use_recording_adapter(settings)


@pytest.fixture
def ready():
    """A 3rd-party admin with an Active HAN Services agreement and two paired devices on one
    meter: (user, meter, agreement, [devices])."""
    return messaging_ready(user=third_party_admin(username="greenhan-sender"), macs=2)


@pytest.fixture
def signed_in(client, ready):
    client.force_login(ready[0])
    return ready


def company_member(admin, **fields):
    """A plain user of the admin's company holding its DUNS (ACC-10), with `fields`."""
    user = UserFactory(kind=admin.kind, company=admin.company, with_active_duns=False, **fields)
    DunsGrant.objects.create(user=user, duns=admin.duns_grants.get())
    return user


def detail_url(message) -> str:
    return reverse("han:message", args=[message.pk])


def cancel_url(message) -> str:
    return reverse("han:message_cancel", args=[message.pk])


def batch_url(message) -> str:
    return reverse("han:message_batch", args=[message.batch])


def number(device) -> str:
    return device.agreement.agreement_number


def esiid(meter) -> str:
    return meter.premise.esiid


def send_data(esiids="", devices=None, **overrides) -> dict:
    """The compose page as sent with "Send Message"; `devices` are the boxes ticked on a page
    that showed the meter's devices (None: the page showed none)."""
    data = {
        "esiids": esiids,
        "text": TEXT,
        "start_at": "",
        "duration_minutes": "60",
        "priority": HanMessage.Priority.NORMAL,
        "send": "1",
    }
    if devices is not None:
        data["devices_shown"] = "1"
        data["devices"] = [number(d) for d in devices]
    data.update(overrides)
    return data


def device_boxes(html: str) -> dict[str, bool]:
    """The compose page's device checkboxes: {request number: ticked}."""
    boxes = re.findall(r'<input type="checkbox" name="devices" value="([^"]+)"([^>]*)>', html)
    return {value: " checked" in attributes for value, attributes in boxes}


def sent_to_tdsp(message) -> HanMessage:
    """The send task's work, done now: the message is handed to the TDSP (Sent to TDSP)."""
    return han_message_send(message_pk=message.pk)


# --- ACC-19, SEC-1: who gets the pages ---------------------------------------------------------


def test_compose_page_for_a_third_party_admin(client, signed_in):  # HAN-9, ACC-19
    response = client.get(COMPOSE_URL)
    assert response.status_code == 200
    assert "Send a HAN Device Message" in response.text
    assert 'name="choose_devices"' in response.text
    assert device_boxes(response.text) == {}  # no ESIID yet: no device to choose


def test_a_user_granted_in_home_devices_gets_the_pages(client, ready):  # HAN-9, ACC-19
    admin, meter, _agreement, devices = ready
    (message,) = compose(admin, devices=devices[:1])
    client.force_login(company_member(admin, can_in_home_devices=True))
    for url in (COMPOSE_URL, LIST_URL, detail_url(message), batch_url(message), EXPORT_URL):
        assert client.get(url).status_code == 200, url
    response = client.post(COMPOSE_URL, send_data(esiid(meter)))
    assert response.status_code == 302


@pytest.mark.parametrize(
    "who",
    [
        pytest.param(lambda admin: company_member(admin), id="third-party-user-without-han"),
        pytest.param(lambda admin: UserFactory(), id="customer"),
        pytest.param(lambda admin: UserFactory(tdsp_admin=True), id="tdsp-admin"),
    ],
)
def test_users_without_the_in_home_device_permission_get_404(client, ready, who):
    """HAN-9, ACC-19: composing, the queued page and Cancel need In-Home Device Services."""
    admin, meter, _agreement, devices = ready
    (message,) = compose(admin, devices=devices[:1], start_at=LATER)
    client.force_login(who(admin))
    assert client.get(COMPOSE_URL).status_code == 404
    assert client.post(COMPOSE_URL, send_data(esiid(meter))).status_code == 404
    assert client.get(batch_url(message)).status_code == 404
    assert client.post(cancel_url(message)).status_code == 404
    assert HanMessage.objects.count() == 1
    assert HanMessage.objects.get().status == M.QUEUED


@pytest.mark.parametrize(
    "who",
    [
        pytest.param(lambda admin: company_member(admin), id="third-party-user-without-han"),
        pytest.param(lambda admin: UserFactory(tdsp_admin=True), id="tdsp-admin"),
    ],
)
def test_the_history_is_404_for_parties_without_han(client, ready, who):  # HAN-9, ACC-19
    admin, _meter, _agreement, devices = ready
    (message,) = compose(admin, devices=devices[:1])
    client.force_login(who(admin))
    for url in (LIST_URL, EXPORT_URL, detail_url(message)):
        assert client.get(url).status_code == 404, url


def test_signed_out_visitors_go_to_the_login_page(client, ready):  # HAN-9, SEC-1
    admin, _meter, _agreement, devices = ready
    (message,) = compose(admin, devices=devices[:1], start_at=LATER)
    for url in (COMPOSE_URL, LIST_URL, EXPORT_URL, detail_url(message), batch_url(message)):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(LOGIN_URL), url
    response = client.post(cancel_url(message))
    assert response.status_code == 302 and response.url.startswith(LOGIN_URL)
    assert HanMessage.objects.get().status == M.QUEUED


# --- HAN-9: the compose page -------------------------------------------------------------------


def test_a_device_number_preselects_the_device_and_shows_its_meters_devices(client, signed_in):
    """HAN-9: "Send a message" from a device's page: ?device=<request number>."""
    _user, meter, _agreement, (first, second) = signed_in
    response = client.get(COMPOSE_URL, {"device": number(second)})
    assert response.status_code == 200
    assert device_boxes(response.text) == {number(first): False, number(second): True}
    assert response.context["form"]["esiids"].value() == esiid(meter)
    assert esiid(meter) in response.text
    response = client.get(COMPOSE_URL, {"esiid": esiid(meter)})  # a meter: nothing ticked
    assert device_boxes(response.text) == {number(first): False, number(second): False}


def test_another_companys_device_number_shows_no_device(client, signed_in):  # HAN-9, SEC-1
    _user, _meter, _agreement, theirs = messaging_ready()
    response = client.get(COMPOSE_URL, {"device": number(theirs[0])})
    assert response.status_code == 200
    assert device_boxes(response.text) == {}
    assert response.context["form"]["esiids"].value() in (None, "")
    assert esiid(theirs[0].agreement.premise.meters.get()) not in response.text
    assert theirs[0].masked_mac not in response.text


def test_choose_devices_redraws_with_the_meters_devices_keeping_the_text(client, signed_in):
    """HAN-9: "Choose devices" (no JavaScript) lists the meter's paired devices, all ticked."""
    _user, meter, _agreement, (first, second) = signed_in
    data = send_data(esiid(meter), text="Typed before choosing", duration_minutes="45")
    del data["send"]
    data.update(choose_devices="1", priority="critical", confirmation_required="on")
    response = client.post(COMPOSE_URL, data)
    assert response.status_code == 200
    assert device_boxes(response.text) == {number(first): True, number(second): True}
    assert first.masked_mac in response.text and second.masked_mac in response.text
    assert "Typed before choosing" in response.text
    form = response.context["form"]
    assert form["duration_minutes"].value() == "45"
    assert form["priority"].value() == "critical"
    assert form["confirmation_required"].value() is True
    assert 'name="devices_shown"' in response.text
    assert HanMessage.objects.count() == 0


def test_choose_devices_on_a_meter_without_devices_says_so(client, signed_in):  # HAN-9
    empty = MeterFactory()
    data = {**send_data(esiid(empty)), "choose_devices": "1"}
    response = client.post(COMPOSE_URL, data)
    assert response.status_code == 200
    assert f"You have no paired HAN device on ESIID {esiid(empty)}." in response.text
    assert device_boxes(response.text) == {}


def test_sending_to_one_chosen_device(client, signed_in):  # HAN-9
    user, meter, agreement, (first, second) = signed_in
    response = client.post(COMPOSE_URL, send_data(esiid(meter), devices=[second]))
    (message,) = HanMessage.objects.all()
    assert response.status_code == 302
    assert response.url == batch_url(message)
    assert (message.device, message.agreement, message.sent_by) == (second, agreement, user)
    assert (message.text, message.status) == (TEXT, M.QUEUED)
    page = client.get(response.url)
    assert page.status_code == 200
    assert listed(page.text) == [message.pk]
    assert "Your message was queued for 1 HAN device." in page.text
    assert second.masked_mac in page.text and first.masked_mac not in page.text


def test_sending_to_several_devices_of_one_meter(client, signed_in):  # HAN-9
    user, meter, _agreement, (first, second) = signed_in
    third = device_added(user=user, meter=meter)
    data = send_data(esiid(meter), devices=[first, third], priority="high", start_at="")
    data["confirmation_required"] = "on"
    response = client.post(COMPOSE_URL, data)
    assert response.status_code == 302
    messages = list(HanMessage.objects.order_by("pk"))
    assert [m.device for m in messages] == [first, third]
    assert {m.batch for m in messages} == {messages[0].batch}
    assert all(m.priority == "high" and m.confirmation_required for m in messages)
    page = client.get(response.url)
    assert listed(page.text) == [m.pk for m in messages]
    assert "Your message was queued for 2 HAN devices." in page.text


def test_sending_to_every_device_of_several_esiids(client, signed_in):  # HAN-9, ACC-20
    """Two meters, each with an Active HAN Services agreement: one message per device."""
    user, meter, _agreement, devices = signed_in
    _user, other_meter, _other_agreement, others = messaging_ready(user=user, macs=1)
    response = client.post(COMPOSE_URL, send_data(f"{esiid(meter)},\n{esiid(other_meter)}"))
    assert response.status_code == 302
    messages = list(HanMessage.objects.order_by("pk"))
    assert sorted(m.device_id for m in messages) == sorted(d.pk for d in devices + others)
    page = client.get(response.url)
    assert page.status_code == 200
    assert sorted(listed(page.text)) == [m.pk for m in messages]
    assert "Your message was queued for 3 HAN devices." in page.text


def test_a_later_start_time_waits_in_the_queue(client, signed_in):  # HAN-9
    _user, meter, _agreement, (first, _second) = signed_in
    start = "2026-03-02T12:30"  # Central time
    response = client.post(COMPOSE_URL, send_data(esiid(meter), devices=[first], start_at=start))
    assert response.status_code == 302
    message = HanMessage.objects.get()
    assert message.start_at == datetime(2026, 3, 2, 18, 30, tzinfo=UTC)
    page = client.get(response.url)
    assert "It waits until 03/02/2026 12:30 PM (Central time)" in page.text


# --- HAN-9: what the compose page refuses (the whole message; nothing queued) ------------------


def refused(client, data) -> str:
    """POST the compose page expecting the page again, with nothing queued; its HTML."""
    before = HanMessage.objects.count()
    response = client.post(COMPOSE_URL, data)
    assert response.status_code == 200
    assert HanMessage.objects.count() == before
    return response.text


def test_an_81_character_text_is_refused_and_kept(client, signed_in):  # HAN-9
    _user, meter, _agreement, _devices = signed_in
    text = "A" * 81
    page = refused(client, send_data(esiid(meter), text=text))
    assert "The message is 81 characters long; the limit is 80." in page
    assert f"\n{text}</textarea>" in page


def test_80_characters_are_accepted(client, signed_in):  # HAN-9
    _user, meter, _agreement, _devices = signed_in
    assert client.post(COMPOSE_URL, send_data(esiid(meter), text="B" * 80)).status_code == 302
    assert {m.text for m in HanMessage.objects.all()} == {"B" * 80}


def test_html_is_refused_and_kept(client, signed_in):  # HAN-9
    _user, meter, _agreement, _devices = signed_in
    page = refused(client, send_data(esiid(meter), text="<b>Save energy</b> now"))
    assert "HTML is not allowed" in page
    assert "\n&lt;b&gt;Save energy&lt;/b&gt; now</textarea>" in page
    assert "<b>Save energy</b>" not in page


def test_a_device_without_an_active_han_services_agreement_is_refused(client, signed_in):
    """HAN-9, AGR-17: the refusal names the ESIID."""
    user, _meter, _agreement, _devices = signed_in
    bare = device_added(user=user)  # paired, but no HAN Services agreement on its meter
    bare_esiid = bare.agreement.premise.esiid
    page = refused(client, send_data(bare_esiid, devices=[bare], text="Kept after refusal"))
    assert (
        f"ESIID {bare_esiid}: there is no Ongoing HAN Services agreement with the customer." in page
    )
    assert "Kept after refusal" in page
    assert device_boxes(page) == {number(bare): True}


def test_an_esiid_without_a_device_is_refused(client, signed_in):  # HAN-9
    empty = esiid(MeterFactory())
    page = refused(client, send_data(empty))
    assert f"ESIID {empty}: no paired HAN device you provisioned is on this meter." in page
    assert TEXT in page


def test_101_esiids_are_refused(client, signed_in):  # HAN-9, ACC-20
    _user, meter, _agreement, _devices = signed_in
    esiids = [esiid(meter)] + [f"10443729{n:09d}" for n in range(100)]
    page = refused(client, send_data(", ".join(esiids)))
    assert "Enter at most 100 ESIIDs (you entered 101)." in page
    assert TEXT in page


def test_the_fifth_message_to_a_device_in_an_hour_is_refused(client, signed_in):
    """HAN-9 decision: 4 messages per device per hour."""
    user, meter, _agreement, (first, _second) = signed_in
    for _ in range(4):
        compose(user, devices=[first])
    page = refused(client, send_data(esiid(meter), devices=[first], text="The fifth one"))
    assert "Rate limit:" in page
    assert f"(request {number(first)})" in page
    assert "already has 4 messages from you in the last hour" in page
    assert "The fifth one" in page


def test_devices_shown_with_none_chosen_is_refused(client, signed_in):  # HAN-9
    _user, meter, _agreement, (first, second) = signed_in
    page = refused(client, send_data(esiid(meter), devices=[], text="Nobody chosen"))
    assert "Choose at least one HAN device." in page
    assert device_boxes(page) == {number(first): False, number(second): False}
    assert "Nobody chosen" in page


def test_another_companys_esiid_or_device_cannot_be_messaged(client, signed_in):  # SEC-1
    """A forged page: their ESIID reads like an ESIID without devices; their device number
    is no choice of this page; their MAC address is never shown."""
    _user, their_meter, _agreement, (theirs,) = messaging_ready()
    page = refused(client, send_data(esiid(their_meter)))
    assert f"ESIID {esiid(their_meter)}: no paired HAN device you provisioned" in page
    page = refused(client, send_data(esiid(their_meter), devices=[theirs]))
    assert f"{number(theirs)} is not one of the available choices." in page
    assert device_boxes(page) == {}
    assert theirs.masked_mac not in page


def test_a_chosen_device_removed_before_send_is_named(client):  # HAN-9, HAN-8
    """The meter's only device was removed between "Choose devices" and "Send Message": the
    page says why, on the page (the device list is gone, its error is not)."""
    user, meter, _agreement, (only,) = messaging_ready(macs=1)
    client.force_login(user)
    han_device_remove(user=user, request=only)
    page = refused(client, send_data(esiid(meter), devices=[only]))
    assert f"You have no paired HAN device on ESIID {esiid(meter)}." in page
    assert f"{number(only)} is not one of the available choices." in page


def test_every_refusal_is_shown_at_once(client, signed_in):  # HAN-9
    user, _meter, _agreement, _devices = signed_in
    bare = device_added(user=user).agreement.premise.esiid
    empty = esiid(MeterFactory())
    text = "C" * 81
    page = refused(client, send_data(f"{bare}, {empty}", text=text, duration_minutes="0"))
    assert "The message is 81 characters long; the limit is 80." in page
    assert "The duration is 1 to 1440 minutes." in page
    assert f"ESIID {bare}: there is no Ongoing HAN Services agreement" in page
    assert f"ESIID {empty}: no paired HAN device you provisioned is on this meter." in page
    assert text in page


# --- HAN-9: the page of what was just queued ---------------------------------------------------


def test_the_batch_page_is_the_sending_companys(client, signed_in):  # HAN-9, SEC-1
    user, _meter, _agreement, devices = signed_in
    messages = compose(user, devices=devices)
    assert client.get(batch_url(messages[0])).status_code == 200
    client.force_login(third_party_admin())
    assert client.get(batch_url(messages[0])).status_code == 404


# --- HAN-9, ACC-20: the history ----------------------------------------------------------------


def test_the_company_sees_its_messages_only(client, signed_in):  # HAN-9, SEC-1
    user, meter, _agreement, devices = signed_in
    ours = compose(user, devices=devices)
    other_user, _other_meter, _agreement2, theirs = messaging_ready()
    (their_message,) = compose(other_user, devices=theirs)
    response = client.get(LIST_URL)
    assert response.status_code == 200
    assert sorted(listed(response.text)) == sorted(m.pk for m in ours)
    assert their_message.pk not in listed(response.text)
    assert devices[0].masked_mac in response.text
    assert esiid(meter) not in response.text  # masked for the 3rd party (AGR-2)
    assert devices[0].mac_address not in response.text


def test_the_company_list_is_empty_before_any_message(client, signed_in):  # HAN-9
    response = client.get(LIST_URL)
    assert response.status_code == 200
    assert "Your company has not sent any HAN device message yet." in response.text
    assert COMPOSE_URL in response.text


def test_the_list_queries_by_esiid(client, signed_in):  # HAN-9, ACC-20
    user, meter, _agreement, devices = signed_in
    wanted = compose(user, devices=devices)
    _user, _other_meter, _agreement2, others = messaging_ready(user=user)
    compose(user, devices=others)
    response = client.get(LIST_URL, {"search": "1", "esiid": esiid(meter)})
    assert response.status_code == 200
    assert sorted(listed(response.text)) == sorted(m.pk for m in wanted)
    assert "2 entries match your search." in response.text


@pytest.mark.parametrize(
    "typed",
    [lambda d: d.mac_address, lambda d: d.mac_display.lower(), lambda d: "*" + d.mac_address[-6:]],
)
def test_the_list_queries_by_mac_address(client, signed_in, typed):  # HAN-9, ACC-20
    user, _meter, _agreement, (first, second) = signed_in
    (wanted, _other) = compose(user, devices=[first, second])
    response = client.get(LIST_URL, {"search": "1", "mac_address": typed(first)})
    assert listed(response.text) == [wanted.pk]


def test_the_list_queries_by_status(client, signed_in):  # HAN-9, ACC-20
    user, _meter, _agreement, (first, second) = signed_in
    (cancelled,) = compose(user, devices=[first], start_at=LATER)
    han_message_cancel(user=user, message=cancelled)
    (queued,) = compose(user, devices=[second])
    response = client.get(LIST_URL, {"search": "1", "status": M.CANCELLED})
    assert listed(response.text) == [cancelled.pk]
    response = client.get(LIST_URL, {"search": "1", "status": M.QUEUED})
    assert listed(response.text) == [queued.pk]
    response = client.get(LIST_URL, {"search": "1", "status": M.DELIVERED})
    assert listed(response.text) == []
    assert "No message matches your query." in response.text


def test_the_list_queries_a_date_range_of_the_start_time(client, signed_in):  # HAN-9
    """From and To are Central-time days of the start time, both included."""
    user, _meter, _agreement, (first, _second) = signed_in
    (today,) = compose(user, devices=[first])
    # 03/05 at 10:30 PM Central is 03/06 in UTC: the day is Texas's.
    (late_evening,) = compose(
        user, devices=[first], start_at=datetime(2026, 3, 6, 4, 30, tzinfo=UTC)
    )
    (next_week,) = compose(user, devices=[first], start_at=NOW + timedelta(days=7))
    query = {"search": "1", "date_from": "2026-03-03", "date_to": "2026-03-05"}
    assert listed(client.get(LIST_URL, query).text) == [late_evening.pk]
    query = {"search": "1", "date_from": "2026-03-05"}
    assert sorted(listed(client.get(LIST_URL, query).text)) == [late_evening.pk, next_week.pk]
    query = {"search": "1", "date_to": "2026-03-02"}
    assert listed(client.get(LIST_URL, query).text) == [today.pk]


def test_a_date_range_that_ends_before_it_starts_is_an_error(client, signed_in):  # HAN-9
    user, _meter, _agreement, devices = signed_in
    compose(user, devices=devices)
    query = {"search": "1", "date_from": "2026-03-05", "date_to": "2026-03-01"}
    response = client.get(LIST_URL, query)
    assert response.status_code == 200
    assert "The end date is before the start date." in response.text
    assert listed(response.text) == []


def test_25_messages_are_listed_directly(client, signed_in, clock):  # ACC-20
    user, _meter, _agreement, devices = signed_in
    messages = history(user, devices, 25, clock)
    response = client.get(LIST_URL)
    assert sorted(listed(response.text)) == sorted(m.pk for m in messages)
    assert 'href="?show_all=1"' not in response.text


def test_26_messages_open_with_the_search_and_show_all(client, signed_in, clock):  # ACC-20
    user, _meter, _agreement, devices = signed_in
    messages = history(user, devices, 26, clock)
    response = client.get(LIST_URL)
    assert response.status_code == 200
    assert listed(response.text) == []
    assert "There are 26 entries. Search for the ones you need, or use Show All." in response.text
    assert 'href="?show_all=1"' in response.text
    newest_first = sorted((m.pk for m in messages), reverse=True)
    response = client.get(LIST_URL, {"show_all": "1"})
    assert listed(response.text) == newest_first[:25]  # 25 a page
    response = client.get(LIST_URL, {"show_all": "1", "page": "2"})
    assert listed(response.text) == newest_first[25:]


def test_the_list_sorts_by_status(client, signed_in):  # ACC-20, HAN-9
    user, _meter, _agreement, (first, second) = signed_in
    (queued,) = compose(user, devices=[first], start_at=LATER)
    (cancelled,) = compose(user, devices=[second], start_at=LATER)
    han_message_cancel(user=user, message=cancelled)
    (sent,) = compose(user, devices=[first])
    sent_to_tdsp(sent)
    response = client.get(LIST_URL, {"sort": "status"})
    assert listed(response.text) == [cancelled.pk, queued.pk, sent.pk]
    assert 'aria-sort="ascending"' in response.text
    response = client.get(LIST_URL, {"sort": "-status"})
    assert listed(response.text) == [sent.pk, queued.pk, cancelled.pk]


@pytest.mark.parametrize("sort", ["id", "-esiid", "mac", "priority", "-start", "company"])
def test_the_list_sorts_by_every_column(client, signed_in, sort):  # ACC-20
    user, _meter, _agreement, devices = signed_in
    messages = compose(user, devices=devices)
    response = client.get(LIST_URL, {"sort": sort})
    assert response.status_code == 200
    assert sorted(listed(response.text)) == sorted(m.pk for m in messages)


def test_the_list_query_count_does_not_grow_with_rows(
    client, signed_in, clock, django_assert_max_num_queries
):  # HAN-9, ACC-20
    user, _meter, _agreement, devices = signed_in
    compose(user, devices=devices[:1])
    with django_assert_max_num_queries(LIST_QUERIES):
        assert client.get(LIST_URL).status_code == 200
    history(user, devices, 29, clock)
    assert HanMessage.objects.count() == 30
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(LIST_URL, {"show_all": "1"})
    assert len(listed(response.text)) == 25
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(LIST_URL, {"search": "1", "status": M.QUEUED, "sort": "esiid"})
    assert len(listed(response.text)) == 25


# --- HAN-9: a message's page -------------------------------------------------------------------


def timeline(html: str) -> list[list[str]]:
    """The cells of the Timeline table's rows."""
    table = html.split("<h2>Timeline</h2>", 1)[1]
    rows = re.findall(r"<tr>\s*(<td>.*?)</tr>", table, re.S)
    return [[cell.strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)] for row in rows]


def test_the_message_page_shows_its_timeline(client, signed_in):  # HAN-9, SEC-7
    user, _meter, agreement, (first, _second) = signed_in
    (message,) = compose(user, devices=[first], text="Peak tonight")
    sent_to_tdsp(message)
    message_status(message, "DELIVERED")
    response = client.get(detail_url(message))
    assert response.status_code == 200
    assert "Peak tonight" in response.text
    assert first.masked_mac in response.text
    assert agreement.agreement_number in response.text
    rows = timeline(response.text)
    assert [(row[1], row[2]) for row in rows] == [
        ("—", "Queued"),
        ("Queued", "Sent to TDSP"),
        ("Sent to TDSP", "Delivered"),
    ]
    assert rows[0][3] == "greenhan-sender"  # the 3rd party sees its user's ID
    assert rows[0][4] == "Composed; starts now."
    assert rows[1][4] == "Handed to the TDSP."
    assert "Cancel Message" not in response.text  # no longer Queued


def test_the_cancel_button_is_there_while_queued(client, signed_in):  # HAN-9
    user, _meter, _agreement, (first, _second) = signed_in
    (message,) = compose(user, devices=[first], start_at=LATER)
    response = client.get(detail_url(message))
    assert "Cancel Message" in response.text
    assert f'action="{cancel_url(message)}"' in response.text


def test_another_companys_message_is_a_404(client, signed_in):  # SEC-1
    other_user, _meter, _agreement, theirs = messaging_ready()
    (theirs_message,) = compose(other_user, devices=theirs, start_at=LATER)
    assert client.get(detail_url(theirs_message)).status_code == 404
    assert client.get(reverse("han:message", args=[999999])).status_code == 404


# --- HAN-9: Cancel -----------------------------------------------------------------------------


def test_cancel_cancels_a_queued_message(client, signed_in):  # HAN-9
    user, _meter, _agreement, (first, _second) = signed_in
    (message,) = compose(user, devices=[first], start_at=LATER)
    response = client.post(cancel_url(message))
    assert response.status_code == 302 and response.url == detail_url(message)
    message.refresh_from_db()
    assert message.status == M.CANCELLED
    page = client.get(response.url)
    assert "The message was cancelled; it will not be sent." in page.text
    assert "Cancel Message" not in page.text
    assert timeline(page.text)[-1][1:3] == ["Queued", "Cancelled"]


def test_cancel_after_it_was_sent_changes_nothing(client, signed_in):  # HAN-9
    user, _meter, _agreement, (first, _second) = signed_in
    (message,) = compose(user, devices=[first])
    sent_to_tdsp(message)
    events = message.events.count()
    response = client.post(cancel_url(message), follow=True)
    assert response.status_code == 200
    assert "This message is Sent to TDSP: only a Queued message can be cancelled." in response.text
    message.refresh_from_db()
    assert message.status == M.SENT
    assert message.events.count() == events


def test_cancel_is_404_for_another_company(client, ready):  # HAN-9, SEC-1
    user, _meter, _agreement, (first, _second) = ready
    (message,) = compose(user, devices=[first], start_at=LATER)
    client.force_login(third_party_admin())
    assert client.post(cancel_url(message)).status_code == 404
    message.refresh_from_db()
    assert message.status == M.QUEUED


def test_cancel_takes_post_only(client, signed_in):  # HAN-9, SEC-3
    user, _meter, _agreement, (first, _second) = signed_in
    (message,) = compose(user, devices=[first], start_at=LATER)
    assert client.get(cancel_url(message)).status_code == 405
    message.refresh_from_db()
    assert message.status == M.QUEUED


# --- HAN-9: the CSV export ---------------------------------------------------------------------

HEADER = [
    "Message ID",
    "3rd Party",
    "ESIID",
    "HAN Device MAC Address",
    "Type of HAN Device",
    "Message",
    "Priority",
    "Confirmation Required",
    "Start Time (Central)",
    "Duration (minutes)",
    "Status",
    "Failure Reason",
    "Sent to TDSP",
    "Delivered",
    "Confirmed",
]


def test_the_export_is_the_companys_messages_masked(client, signed_in):  # HAN-9, AGR-2
    user, meter, _agreement, (first, second) = signed_in
    (formula,) = compose(user, devices=[first], text="=HYPERLINK(1) call us")
    (plain,) = compose(user, devices=[second], start_at=LATER, duration_minutes=90)
    other_user, _other_meter, _agreement2, theirs = messaging_ready()
    (their_message,) = compose(other_user, devices=theirs)
    response = client.get(EXPORT_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="han-device-messages-20260302.csv"'
    )
    header, *rows = csv_rows(response)
    assert header == HEADER
    assert [row[0] for row in rows] == [str(plain.pk), str(formula.pk)]
    assert str(their_message.pk) not in [row[0] for row in rows]
    by_id = {row[0]: row for row in rows}
    row = by_id[str(formula.pk)]
    assert row[1] == user.company.name
    assert row[2] == first.agreement.masked_esiid and row[2] != esiid(meter)
    assert row[3] == first.masked_mac
    assert row[5] == "'=HYPERLINK(1) call us"  # spreadsheet_safe (OWASP CSV injection)
    assert row[10] == "Queued"
    row = by_id[str(plain.pk)]
    assert row[5] == TEXT
    assert (row[8], row[9]) == ("03/02/2026 12:00 PM", "90")
    joined = b"".join(client.get(EXPORT_URL).streaming_content).decode()
    assert esiid(meter) not in joined and first.mac_address not in joined


def test_the_export_follows_the_query(client, signed_in):  # HAN-9, ACC-20
    user, _meter, _agreement, (first, second) = signed_in
    (cancelled,) = compose(user, devices=[first], start_at=LATER)
    han_message_cancel(user=user, message=cancelled)
    compose(user, devices=[second])
    response = client.get(EXPORT_URL, {"search": "1", "status": M.CANCELLED})
    header, *rows = csv_rows(response)
    assert header == HEADER
    assert [row[0] for row in rows] == [str(cancelled.pk)]
    assert rows[0][10] == "Cancelled"


def test_an_export_of_a_query_in_error_is_empty_like_the_list(client, signed_in):  # HAN-9
    user, _meter, _agreement, (first, _second) = signed_in
    compose(user, devices=[first])
    query = {"search": "1", "date_from": "03/05/2026", "date_to": "03/01/2026"}
    assert "The end date is before the start date." in client.get(LIST_URL, query).text
    header, *rows = csv_rows(client.get(EXPORT_URL, query))
    assert (header, rows) == (HEADER, [])


def test_the_export_query_count_does_not_grow_with_rows(
    client, signed_in, clock, django_assert_max_num_queries
):  # HAN-9
    user, _meter, _agreement, devices = signed_in
    history(user, devices, 30, clock)
    with django_assert_max_num_queries(EXPORT_QUERIES):
        rows = csv_rows(client.get(EXPORT_URL))
    assert len(rows) == 31


def test_the_list_links_the_export_with_its_query(client, signed_in):  # HAN-9
    user, _meter, _agreement, devices = signed_in
    compose(user, devices=devices)
    response = client.get(LIST_URL, {"search": "1", "status": M.QUEUED})
    assert f'href="{EXPORT_URL}?search=1&amp;status=queued"' in response.text
