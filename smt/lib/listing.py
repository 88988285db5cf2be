"""ACC-20: the list/search pattern every list of the portal uses (users, companies, meters,
agreements).

- 25 rows or fewer: the list is shown directly.
- More than 25: a search screen, plus "Show All" while there are 500 rows or fewer.
- A search field takes up to 100 comma-separated values, or one value with a single `*`
  and at least two other characters (`123*`, `1*23`, `*123`); a wildcard is never mixed
  with other values.
- Columns sort ▲▼ and long results are paginated.

A page describes its search with a `ListSearchForm` subclass and calls `listing_build`.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from string import ascii_uppercase
from typing import Any

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

LIST_DIRECTLY_MAX = 25  # ACC-20: up to 25 rows the list is shown without a search
SHOW_ALL_MAX = 500  # ACC-20: above 500 rows there is no "Show All"
SEARCH_VALUES_MAX = 100  # ACC-20: up to 100 comma-separated values
WILDCARD_MIN_CHARACTERS = 2  # ACC-20: a wildcard needs at least 2 other characters
PAGE_SIZE = 25  # ACC-20: rows per page of a long list
LETTERS = tuple(ascii_uppercase)


@dataclass(frozen=True)
class SearchTerms:
    """What was typed in one search field: exact values, or one wildcard pattern."""

    values: tuple[str, ...] = ()
    wildcard: str = ""

    def __bool__(self) -> bool:
        return bool(self.values or self.wildcard)

    def q(self, lookup: str, *, case_sensitive: bool = False) -> Q:
        """The filter for `lookup` (a model field path): exact values or the pattern."""
        prefix = "" if case_sensitive else "i"
        if self.wildcard:
            start, end = self.wildcard.split("*")
            query = Q()
            if start:
                query &= Q(**{f"{lookup}__{prefix}startswith": start})
            if end:
                query &= Q(**{f"{lookup}__{prefix}endswith": end})
            return query
        if case_sensitive:
            return Q(**{f"{lookup}__in": self.values})
        query = Q()
        for value in self.values:
            query |= Q(**{f"{lookup}__iexact": value})
        return query


def search_terms_parse(text: str, *, many: bool = True) -> SearchTerms:
    """Read one search field by the rules of ACC-20; raises ValidationError with the rule.

    `many=False` is for fields where a comma belongs to the value (company names).
    """
    text = (text or "").strip()
    if not text:
        return SearchTerms()
    values = [v.strip() for v in text.split(",")] if many else [text]
    values = [v for v in values if v]
    if "*" in text:
        if len(values) > 1:
            raise forms.ValidationError(
                _("A wildcard (*) search cannot be combined with other values."),
                code="wildcard_mixed",
            )
        pattern = values[0]
        if pattern.count("*") > 1:
            raise forms.ValidationError(
                _("You can only use one wildcard (*) in a search."), code="wildcard_many"
            )
        if len(pattern) - 1 < WILDCARD_MIN_CHARACTERS:
            raise forms.ValidationError(
                _("A wildcard (*) search needs at least %(count)d other characters.")
                % {"count": WILDCARD_MIN_CHARACTERS},
                code="wildcard_short",
            )
        return SearchTerms(wildcard=pattern)
    if len(values) > SEARCH_VALUES_MAX:
        raise forms.ValidationError(
            _("You can search for at most %(max)d values at a time; you entered %(count)d.")
            % {"max": SEARCH_VALUES_MAX, "count": len(values)},
            code="too_many_values",
        )
    return SearchTerms(values=tuple(dict.fromkeys(values)))


class SearchField(forms.CharField):
    """A text box that cleans to `SearchTerms` (ACC-20)."""

    def __init__(self, *, many: bool = True, **kwargs: Any) -> None:
        self.many = many
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 4000)
        if many:
            kwargs.setdefault(
                "help_text",
                gettext_lazy(
                    "Up to 100 values separated by commas, or one value with a * wildcard "
                    "(abc*, a*bc, *abc)."
                ),
            )
        else:
            kwargs.setdefault(
                "help_text", gettext_lazy("One value, or a * wildcard (abc*, a*bc, *abc).")
            )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> SearchTerms:
        return search_terms_parse(super().clean(value), many=self.many)


class ListSearchForm(forms.Form):
    """A page's search criteria. Subclasses declare fields and `search_q()`; the letter index
    filters `letter_lookup` when the page sets it."""

    letter_lookup: str = ""

    letter = forms.ChoiceField(
        required=False, choices=[("", "")] + [(c, c) for c in LETTERS], widget=forms.HiddenInput
    )

    def search_q(self) -> Q:
        raise NotImplementedError

    def has_criteria(self) -> bool:
        return any(
            bool(value) for name, value in self.cleaned_data.items() if name != "letter"
        ) or bool(self.cleaned_data.get("letter"))

    def filter(self, queryset: QuerySet) -> QuerySet:
        letter = self.cleaned_data.get("letter")
        if letter and self.letter_lookup:
            queryset = queryset.filter(**{f"{self.letter_lookup}__istartswith": letter})
        return queryset.filter(self.search_q())


class OneCriterionSearchForm(ListSearchForm):
    """ACC-20 search by one criterion: the page's `search_by` choice (a field subclasses
    declare, with their choices) and the values typed for it."""

    values = SearchField(label=gettext_lazy("Type one or more search items"))

    def has_criteria(self) -> bool:
        return bool(self.cleaned_data.get("values"))


LIST, SEARCH = "list", "search"  # Listing.mode


@dataclass
class Listing:
    """What a list page shows: the list, or the search screen, and how it got there.
    Templates ask its properties (`opens_with_search`, `shows_rows`, `page_size`…), so the
    ACC-20 numbers live here only."""

    mode: str  # LIST: rows are shown; SEARCH: only the search screen
    total: int  # rows the user may see before any search
    form: ListSearchForm
    sort: str
    page: Page | None = None
    searched: bool = False
    show_all_available: bool = False
    letters: tuple[str, ...] = field(default=LETTERS)

    @property
    def rows(self) -> Iterable[Any]:
        return self.page.object_list if self.page else []

    @property
    def page_size(self) -> int:
        return PAGE_SIZE

    @property
    def list_directly_max(self) -> int:
        return LIST_DIRECTLY_MAX

    @property
    def show_all_max(self) -> int:
        return SHOW_ALL_MAX

    @property
    def opens_with_search(self) -> bool:
        """ACC-20: more rows than a list shows directly, so the page offers its search."""
        return self.total > LIST_DIRECTLY_MAX

    @property
    def shows_rows(self) -> bool:
        return self.mode == LIST

    @property
    def shows_search_only(self) -> bool:
        return self.mode == SEARCH


def _sorted(
    queryset: QuerySet, sort: str, columns: dict[str, str], default: str
) -> tuple[QuerySet, str]:
    key = sort.lstrip("-")
    if key not in columns:
        sort, key = default, default.lstrip("-")
    direction = "-" if sort.startswith("-") else ""
    lookup = columns[key]
    return queryset.order_by(f"{direction}{lookup}", "pk"), sort


def listing_build(
    request: HttpRequest,
    queryset: QuerySet,
    *,
    form_class: type[ListSearchForm],
    sort_columns: dict[str, str],
    default_sort: str,
    form_kwargs: dict[str, Any] | None = None,
    searched: bool = False,
) -> Listing:
    """ACC-20 for one page: decide between list and search screen, apply the search, sort
    and paginate. The search travels in the query string, so results can be bookmarked and
    paginated. `searched` says the queryset is already a search result (an imported file)."""
    form_kwargs = form_kwargs or {}
    searching = "search" in request.GET or bool(request.GET.get("letter"))
    form = form_class(request.GET if searching else None, **form_kwargs)
    total = queryset.count()
    sort = request.GET.get("sort", default_sort)
    listing = Listing(
        mode=SEARCH,
        total=total,
        form=form,
        sort=sort,
        show_all_available=LIST_DIRECTLY_MAX < total <= SHOW_ALL_MAX,
        searched=searched,
    )
    if searching and not searched:
        if not form.is_valid():
            return listing
        if form.has_criteria():
            queryset = form.filter(queryset)
            listing.searched = True
    show_all = request.GET.get("show_all") == "1" and total <= SHOW_ALL_MAX
    if not listing.searched and total > LIST_DIRECTLY_MAX and not show_all:
        return listing
    queryset, listing.sort = _sorted(queryset, sort, sort_columns, default_sort)
    listing.mode = LIST
    listing.page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return listing
