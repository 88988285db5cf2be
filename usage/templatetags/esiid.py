"""How an ESIID is shown to a 3rd party on its lists (AGR-2): the first seven digits and an
ellipsis, as `agreements.models.Agreement.masked_esiid` shows it (usage cannot import
agreements, so the rule is repeated here, in one filter)."""

from django import template

register = template.Library()

MASK_SHOWN_DIGITS = 7  # AGR-2, seed lists: 1044372...


@register.filter
def esiid_masked(esiid: str) -> str:
    """`1044372...` for `10443720000000001` (AGR-2, USG-9 for a 3rd party's requests)."""
    return f"{esiid[:MASK_SHOWN_DIGITS]}..." if esiid else ""
