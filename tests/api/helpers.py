"""What the 3rd-party API tests share (API-2): a personal token's header, a JSON POST, and
the moment their clock stands still at."""

import json
from datetime import UTC, datetime

from accounts.services.api_tokens import personal_token_create

API = "/tp-api/v1"
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 09:00 in Texas


def bearer(user, name: str = "tests", **kwargs) -> dict[str, str]:
    """The Authorization header of a new personal token of `user` (My Profile / API Tokens)."""
    _token, raw = personal_token_create(user=user, name=name, **kwargs)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def post(client, path: str, body, headers):
    """POST `body` as JSON to `API + path`."""
    return client.post(
        f"{API}{path}", data=json.dumps(body), content_type="application/json", **headers
    )
