"""API-2: the list endpoints' search parameters take the ACC-20 input (up to 100
comma-separated values, or one value with a single `*` and two other characters)."""

from django.core.exceptions import ValidationError
from rest_framework.exceptions import ValidationError as Invalid
from rest_framework.request import Request

from smt.lib.listing import SearchTerms, search_terms_parse

SEARCH_HELP = "ACC-20: up to 100 values separated by commas, or one value with a * wildcard"


def search_param(request: Request, name: str) -> SearchTerms:
    """The terms of one query parameter; a bad one is a 400 naming the parameter."""
    try:
        return search_terms_parse(request.query_params.get(name, ""))
    except ValidationError as error:
        raise Invalid({name: error.messages}) from None
