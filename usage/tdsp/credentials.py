"""TDSP API keys (API-3): one per TDSP, shown once, stored hashed."""

import hashlib
import secrets

from django.db import transaction

from accounts.models import Tdsp
from usage.models import TdspCredential


def credential_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def tdsp_credential_issue(*, tdsp: Tdsp) -> str:
    """A new API key for a TDSP, replacing the old one; shown once, stored hashed."""
    key = secrets.token_urlsafe(32)
    TdspCredential.objects.update_or_create(tdsp=tdsp, defaults={"key_hash": credential_hash(key)})
    return key


def tdsp_for_key(key: str) -> Tdsp | None:
    """The TDSP whose current key this is, or None."""
    if not key:
        return None
    credential = (
        TdspCredential.objects.select_related("tdsp").filter(key_hash=credential_hash(key)).first()
    )
    return credential.tdsp if credential else None
