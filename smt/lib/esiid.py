"""How an ESIID is shown to a 3rd party on its lists (AGR-2): the one rule, used by the
agreements' `masked_esiid` and by the usage pages' `esiid_masked` filter."""

MASK_SHOWN_DIGITS = 7  # AGR-2, seed lists: 1044372...


def esiid_mask(esiid: str) -> str:
    """`1044372...` for `10443720000000001`."""
    return f"{esiid[:MASK_SHOWN_DIGITS]}..." if esiid else ""
