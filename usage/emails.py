"""Which email goes out for which meter event (NTF-2)."""

from django.urls import reverse

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
