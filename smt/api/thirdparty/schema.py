"""drf-spectacular hooks: the 3rd-party API's document describes the 3rd-party API only."""

from typing import Any

PREFIX = "/tp-api/v1/"
SERVED = ("openapi.json", "openapi.yaml", "docs/")


def only_this_api(endpoints: list[tuple], **kwargs: Any) -> list[tuple]:
    """Keep the endpoints under /tp-api/v1/, without the document and docs themselves."""
    return [
        endpoint
        for endpoint in endpoints
        if endpoint[0].startswith(PREFIX) and not endpoint[0].endswith(SERVED)
    ]
