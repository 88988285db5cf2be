"""BEY-2: where a webhook may go (SSRF), and the one POST of a delivery.

A URL must be https and its host must resolve only to public addresses: no private,
loopback, link-local, multicast, reserved or unspecified address (IPv4-mapped IPv6 included).
It is checked when an endpoint is saved and again at every attempt, and the connection goes
to the address that was checked (no second lookup a DNS rebinding could change). With
`settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS` (development and tests) any address and http are
allowed. Redirects are never followed (http.client does not follow them): a 3xx is a failure.
"""

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from smt.lib.errors import Refused

TIMEOUT_SECONDS = 10  # BEY-2 decision: per attempt, connecting and answering
RESPONSE_READ_BYTES = 4096  # what is read of the answer; only its status code matters
USER_AGENT = "SMT-Webhooks/1"


class WebhookUrlRefused(Refused):
    """An address the portal will not send to; the message names the field `url`."""


def allow_private_targets() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_PRIVATE_TARGETS", False))


def _refused(message: str) -> WebhookUrlRefused:
    return WebhookUrlRefused(message, "url")


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # with its query
    addresses: tuple[str, ...]  # resolved; empty when not looked up yet


def webhook_url_parse(url: str) -> Target:
    """The URL's parts, or a refusal naming `url` (the scheme, no host, credentials)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise _refused(_("Enter a valid URL.")) from None
    allowed = ("https", "http") if allow_private_targets() else ("https",)
    if parts.scheme not in allowed:
        raise _refused(_("The URL must start with https://."))
    if not parts.hostname:
        raise _refused(_("The URL has no host name."))
    if parts.username or parts.password:
        raise _refused(_("The URL must not contain a user name or password."))
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    default_port = 443 if parts.scheme == "https" else 80
    return Target(parts.scheme, parts.hostname, port or default_port, path, ())


def webhook_url_resolve(target: Target) -> Target:
    """The addresses of the target's host, each public unless private targets are allowed."""
    try:
        found = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise _refused(
            _("The host name %(host)s could not be resolved.") % {"host": target.host}
        ) from None
    addresses = tuple(dict.fromkeys(str(info[4][0]) for info in found))
    if not addresses:
        raise _refused(_("The host name %(host)s has no address.") % {"host": target.host})
    if not allow_private_targets():
        for address in addresses:
            if not _is_public(address):
                raise _refused(
                    _(
                        "The URL points to a private, loopback, link-local, multicast or "
                        "reserved address (%(address)s); webhooks go only to public addresses."
                    )
                    % {"address": address}
                )
    return Target(target.scheme, target.host, target.port, target.path, addresses)


def webhook_url_check(url: str) -> str:
    """Saving an endpoint: the URL, stripped, or a refusal naming `url`. With private
    targets allowed the host is not looked up (a local receiver may not run yet)."""
    target = webhook_url_parse(url)
    if not allow_private_targets():
        webhook_url_resolve(target)
    return url.strip()


@dataclass(frozen=True)
class PostResult:
    response_code: int | None
    duration_ms: int
    error: str

    @property
    def succeeded(self) -> bool:
        return self.response_code is not None and 200 <= self.response_code < 300


def _connection(target: Target) -> http.client.HTTPConnection:
    connection: http.client.HTTPConnection
    if target.scheme == "https":
        context = ssl.create_default_context()
        connection = http.client.HTTPSConnection(
            target.host, target.port, timeout=TIMEOUT_SECONDS, context=context
        )
    else:
        connection = http.client.HTTPConnection(target.host, target.port, timeout=TIMEOUT_SECONDS)

    # Connect only to the addresses that were checked (each in turn); TLS still verifies
    # the host name.
    def create_connection(
        address: tuple[str, int], timeout: Any = TIMEOUT_SECONDS, source: Any = None
    ) -> socket.socket:
        last: OSError | None = None
        for vetted in target.addresses:
            try:
                return socket.create_connection((vetted, address[1]), timeout, source)
            except OSError as failure:
                last = failure
        raise last or OSError("no address")

    connection._create_connection = create_connection  # type: ignore[attr-defined]
    return connection


def webhook_post(*, url: str, body: bytes, headers: dict[str, str]) -> PostResult:
    """POST `body` to `url` once, checking the address again first. Never raises for the
    receiver's faults: they are the result's error."""
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        target = webhook_url_resolve(webhook_url_parse(url))
    except Refused as refused:
        return PostResult(None, elapsed(), str(refused)[:300])
    connection = _connection(target)
    try:
        connection.request(
            "POST",
            target.path,
            body=body,
            headers={
                **headers,
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "Content-Length": str(len(body)),
            },
        )
        response = connection.getresponse()
        response.read(RESPONSE_READ_BYTES)
        code = response.status
    except (OSError, http.client.HTTPException) as failure:
        return PostResult(None, elapsed(), f"{type(failure).__name__}: {failure}"[:300])
    finally:
        connection.close()
    error = "" if 200 <= code < 300 else _("The receiver answered %(code)d.") % {"code": code}
    return PostResult(code, elapsed(), error)
