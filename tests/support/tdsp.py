"""Talking to the TDSP API as a TDSP does (API-3)."""

import json

from django.urls import reverse


def send_tdsp_message(client, key: str, **body):
    """POST one JSON message with the TDSP's key."""
    return client.post(
        reverse("tdsp_api:tdsp_messages"),
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )
