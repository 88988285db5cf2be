"""The ESIID as a 3rd party sees it on its lists (AGR-2; USG-9 for its report requests)."""

from django import template

from smt.lib.esiid import esiid_mask

register = template.Library()


@register.filter
def esiid_masked(esiid: str) -> str:
    return esiid_mask(esiid)
