"""Which email goes out for which meter event (NTF-2)."""

from datetime import datetime

from django.urls import reverse
from django.utils import formats, timezone, translation

from accounts.selectors import language_for_email
from notifications.services import send_email


def meter_share_invitation(*, share, token: str) -> None:
    """ACC-22: a customer invites a friend to see one meter's usage, in the friend's language
    (NTF-1): their account's when the address has one, else the inviting customer's."""
    owner = share.owner
    send_email(
        to=share.friend_email,
        template="usage/meter_share_invitation",
        language=language_for_email(email=share.friend_email, default=owner.language),
        related=share,
        context={
            "owner_name": owner.get_full_name() or owner.username,
            "esiid_tail": share.premise.esiid[-7:],  # NTF-4: last seven digits only
            "city": share.premise.city.title(),
            "accept_path": reverse("usage:share_answer", args=[token]),
        },
        secret_keys=("accept_path",),
    )


def _day(moment: datetime | None, language: str) -> str:
    """UX-3: the day in the recipient's language's short format."""
    if moment is None:
        return ""
    with translation.override(language):
        return formats.date_format(timezone.localtime(moment).date(), "SHORT_DATE_FORMAT")


def _share_receipts(share, *, template: str, event: str, friend_too: bool, **extra) -> None:
    """BEY-1, ACC-22: one receipt to the owner and (`friend_too`) one to the friend, each in
    their own language (NTF-1), related to the share, once per event
    (`meter-share-<pk>-<event>-owner` / `-friend`)."""
    owner = share.owner
    recipients = [(owner.email, owner.language, True)]
    if friend_too:
        friend_language = (
            share.friend.language
            if share.friend
            else language_for_email(email=share.friend_email, default=owner.language)
        )
        recipients.append((share.friend_email, friend_language, False))
    for address, language, to_owner in recipients:
        send_email(
            to=address,
            template=f"usage/{template}",
            language=language,
            related=share,
            event_key=f"meter-share-{share.pk}-{event}-{'owner' if to_owner else 'friend'}",
            context={
                "owner_name": owner.get_full_name() or owner.username,
                "friend_email": share.friend_email,
                "esiid_tail": share.premise.esiid[-7:],  # NTF-4: last seven digits only
                "city": share.premise.city.title(),
                "to_owner": to_owner,
                "started_on": _day(share.responded_at, language),
                "ended_on": _day(share.ended_at, language),
                **extra,
            },
        )


def meter_share_started(*, share) -> None:
    """BEY-1, ACC-22: the friend accepted; receipts to the owner and the friend."""
    _share_receipts(share, template="meter_share_started", event="started", friend_too=True)


def meter_share_ended(*, share, cause: str, was_active: bool) -> None:
    """BEY-1, ACC-22: a share ended: the owner withdrew it (`cause="owner"`), the friend
    gave it up (`"friend"`), or the meter left the owner's account (`"meter_left"`: removed
    from the account, Move-Out). Receipts to both for a share that was in use; an invitation
    withdrawn before its answer gets the owner's receipt only (the friend never had
    access, and their link then says it was withdrawn)."""
    _share_receipts(
        share, template="meter_share_ended", event="ended", friend_too=was_active, cause=cause
    )
