"""docs/api.md's examples run against a real portal (a live server on 127.0.0.1), so the
getting-started guide never rots (API-2, BEY-2, BEY-3)."""

import base64
import json
import os
import re
import secrets
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings
from standardwebhooks import Webhook

from agreements.services.answers import agreement_answer_by_customer
from tests.agreements.helpers import details, ongoing, third_party_admin
from tests.factories import MeterFactory
from tests.han.helpers import registered_customer

from .helpers import bearer

pytestmark = pytest.mark.django_db(transaction=True)

GUIDE = Path(settings.BASE_DIR) / "docs" / "api.md"
BLOCK = re.compile(r"```(python|sh)\n(.*?)```", re.S)


def examples(language: str) -> list[str]:
    return [code for lang, code in BLOCK.findall(GUIDE.read_text()) if lang == language]


@pytest.fixture
def portal(live_server, monkeypatch):
    """A 3rd-party admin with three Active agreements, and the guide's two variables."""
    user = third_party_admin()
    for _ in range(3):  # the emails go at once here: the customer accepts signed in
        meter = MeterFactory()
        customer = registered_customer(meter)
        agreement = ongoing(
            user=user, meter=meter, customer=details(registered=True, email=customer.email)
        )
        agreement_answer_by_customer(agreement=agreement, user=customer, accept=True)
    token = bearer(user, name="docs")["HTTP_AUTHORIZATION"].removeprefix("Bearer ")
    monkeypatch.setenv("SMT_API_BASE", f"{live_server.url}/tp-api/v1")
    monkeypatch.setenv("SMT_API_TOKEN", token)
    return user


def run(code: str, capsys) -> str:
    exec(compile(code, str(GUIDE), "exec"), {"__name__": "docs_example"})  # noqa: S102
    return capsys.readouterr().out


def test_the_guide_has_its_examples():
    assert len(examples("python")) == 5
    assert any("curl" in code for code in examples("sh"))


def test_the_first_call_in_python(portal, capsys):
    assert run(examples("python")[0], capsys) == (
        f"{portal.username} ['energy_data', 'in_home_devices']\n"
    )


def test_the_first_call_with_curl(portal):
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    (command,) = [code for code in examples("sh") if "curl" in code]
    answer = subprocess.run(
        command, shell=True, capture_output=True, text=True, env=os.environ, check=True
    )
    assert json.loads(answer.stdout)["user_id"] == portal.username


def test_following_the_pages(portal, capsys):
    assert run(examples("python")[1], capsys) == "3 active agreements\n"


def test_a_refusal_names_the_field(portal, capsys):
    out = run(examples("python")[2], capsys)
    assert out == "400 REFUSED ['The message is 81 characters long; the limit is 80.']\n"


def test_verifying_a_webhook(monkeypatch, capsys):
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    body = json.dumps({"type": "webhook.test", "timestamp": "now", "data": {"ok": True}})
    message_id, at = "msg_docs", datetime.now(UTC)
    headers = {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, at, body),
    }
    monkeypatch.setenv("SMT_WEBHOOK_SECRET", secret)
    monkeypatch.setenv("SMT_WEBHOOK_BODY", body)
    monkeypatch.setenv("SMT_WEBHOOK_HEADERS", json.dumps(headers))
    assert run(examples("python")[3], capsys) == "webhook.test {'ok': True}\n"
    monkeypatch.setenv("SMT_WEBHOOK_BODY", body.replace("true", "false"))
    with pytest.raises(Exception, match="(?i)signature"):
        run(examples("python")[3], capsys)


def test_the_sandbox_walk_through(live_server, monkeypatch, settings, capsys):  # BEY-5
    settings.SANDBOX_DAYS = 40
    user = third_party_admin()
    token = bearer(user, name="sandbox", sandbox=True)["HTTP_AUTHORIZATION"]
    monkeypatch.setenv("SMT_API_BASE", f"{live_server.url}/tp-api/v1")
    monkeypatch.setenv("SMT_API_TEST_TOKEN", token.removeprefix("Bearer "))
    assert run(examples("python")[4], capsys) == "complete True\n"
