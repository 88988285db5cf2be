"""Scoped reads of meters and usage (USG-12: anything else is a 404)."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import (
    Aggregate,
    Count,
    Exists,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Concat
from django.shortcuts import get_object_or_404
from django.utils.module_loading import import_string

from accounts.models import Duns, User
from accounts.permissions import Capability, user_has_capability
from smt.lib.sandbox import in_sandbox, sandbox_esiids
from usage.models import CustomerPremise, Meter, MeterShare, Premise


def customer_premise_links(*, customer: User) -> QuerySet[CustomerPremise]:
    """My Smart Meters (ACC-23): the meters attached to this customer now."""
    return (
        CustomerPremise.objects.filter(customer=customer, detached_at__isnull=True)
        .select_related("premise")
        .prefetch_related("premise__meters")
        .order_by("premise__esiid")
    )


def customer_premise_link_get(*, customer: User, pk: int) -> CustomerPremise | None:
    return customer_premise_links(customer=customer).filter(pk=pk).first()


def meter_shares_given(*, owner: User) -> QuerySet[MeterShare]:
    """My open shares (ACC-22), for My Smart Meters."""
    return (
        MeterShare.objects.filter(
            owner=owner, status__in=[MeterShare.Status.INVITED, MeterShare.Status.ACTIVE]
        )
        .select_related("premise")
        .order_by("premise__esiid", "friend_email")
    )


def meter_shares_received(*, friend: User) -> QuerySet[MeterShare]:
    """My Friend's Meters (ACC-22)."""
    return (
        MeterShare.objects.filter(friend=friend, status=MeterShare.Status.ACTIVE)
        .select_related("premise", "owner")
        .order_by("premise__esiid")
    )


def meter_share_for_party(*, user: User, pk: int) -> MeterShare | None:
    """A share the user gave or received; anything else is None (404)."""
    return (
        MeterShare.objects.filter(pk=pk)
        .filter(Q(owner=user) | Q(friend=user))
        .select_related("premise")
        .first()
    )


# --- USG-12 / ACC-10: which premises a company user may see --------------------------------


def _current_meter_number() -> Subquery:
    return Subquery(
        Meter.objects.filter(premise=OuterRef("pk"), removed_on__isnull=True).values(
            "meter_number"
        )[:1]
    )


def _current_customer(field: str) -> Subquery:
    return Subquery(
        CustomerPremise.objects.filter(premise=OuterRef("pk"), detached_at__isnull=True).values(
            f"customer__{field}"
        )[:1]
    )


def ror_premises_for_user(*, user: User) -> QuerySet[Premise]:
    """MTR-4, ACC-10, seed 003 §3.2: a REP user sees the meters whose *current* REP of
    Record is one of the Active DUNS granted to them, and no history once it changes.
    Annotated with the meter in service and the attached customer's name and email."""
    return (
        _ror_premises(user)
        .annotate(
            meter_number=_current_meter_number(),
            customer_first_name=_current_customer("first_name"),
            customer_last_name=_current_customer("last_name"),
            customer_email=_current_customer("email"),
        )
        .order_by("esiid")
    )


def tdsp_premises_for_user(*, user: User) -> QuerySet[Premise]:
    """USG-12: TDSP staff see their utility's meters (the TDSP Meters list), the same ones
    premises_visible_to opens to them, annotated with the meter in service and a one-line
    street address for the ACC-20 search."""
    if user.kind != User.Kind.TDSP or not user.company_id:
        return Premise.objects.none()
    return (
        premises_visible_to(user=user)
        .filter(tdsp__company=user.company_id)
        .annotate(
            meter_number=_current_meter_number(),
            street_line=Concat("house_number", Value(" "), "street_name"),
        )
        .order_by("esiid")
    )


def _ror_premises(user: User) -> QuerySet[Premise]:
    """The rule of ror_premises_for_user without its list columns, for reads of one meter."""
    if user.kind != User.Kind.REP:
        return Premise.objects.none()
    granted = user.duns_grants.filter(status=Duns.Status.ACTIVE).values("number")
    return Premise.objects.filter(
        ror_periods__ended_on__isnull=True, ror_periods__ror_duns__in=granted
    )


def premises_visible_to(*, user: User) -> QuerySet[Premise]:
    """USG-12 in one place: the premises whose data this user may see now. Customers: the
    meters attached to them and those shared with them (ACC-22); REPs: the meters they serve
    now (ACC-10); TDSP staff: their utility's meters; SMT staff: all; 3rd parties (with the
    Energy Data permission) the ESIIDs of their company's Active ongoing energy-data
    agreements, during the agreement's period (AGR-14)."""
    if user.is_staff:
        return Premise.objects.all()
    # MTR-3: a smart meter replaced by a conventional one ends data availability. NOT EXISTS,
    # not NOT IN: PostgreSQL answers NOT IN by reading every meter on every page view.
    # BEY-5: test meters for a test token, live meters for everyone else.
    return (
        _premises_for_party(user)
        .filter(is_sandbox=in_sandbox())
        .exclude(
            Exists(
                Meter.objects.filter(
                    premise=OuterRef("pk"), removed_on__isnull=True, is_smart=False
                )
            )
        )
    )


def _premises_for_party(user: User) -> QuerySet[Premise]:
    if user.is_customer:
        return Premise.objects.filter(
            Q(customer_links__customer=user, customer_links__detached_at__isnull=True)
            | Q(shares__friend=user, shares__status=MeterShare.Status.ACTIVE)
        ).distinct()
    if user.kind == User.Kind.REP:
        # REPs are 3rd parties too (seed 002): the meters they serve, and their agreements'.
        if not user_has_capability(user, Capability.THIRD_PARTY_ENERGY_DATA):
            return _ror_premises(user)
        return Premise.objects.filter(
            Q(pk__in=_ror_premises(user).values("pk")) | Q(pk__in=_agreement_premise_ids(user))
        )
    if user.kind == User.Kind.TDSP and user.company_id:
        return Premise.objects.filter(tdsp__company=user.company_id)
    if user.kind == User.Kind.THIRD_PARTY and user.company_id:
        if not user_has_capability(user, Capability.THIRD_PARTY_ENERGY_DATA):
            return Premise.objects.none()
        return Premise.objects.filter(pk__in=_agreement_premise_ids(user))
    return Premise.objects.none()


# --- USG-12, AGR-14: the meters a 3rd party's agreements open ----------------------------------


@dataclass(frozen=True)
class AgreementAccess:
    """What the agreements app answers for one user (USG-12, AGR-14), on premises: `premises`
    keeps those with an agreement of the user's company open today; `first_day` and
    `last_day` aggregate the first and last day of those agreements. Usage knows no agreement
    field, kind or status: the rule is the agreements app's, reached through the hook below."""

    premises: Q
    first_day: Aggregate
    last_day: Aggregate


def agreement_access_hook() -> Callable[..., AgreementAccess] | None:
    """The function named by `settings.USAGE_AGREEMENT_ACCESS` (agreements registers
    `agreements.selectors.agreement_usage_access`; usage never imports agreements), called
    with `user=`. None when the setting is empty: no agreement opens any meter."""
    path = getattr(settings, "USAGE_AGREEMENT_ACCESS", "")
    return import_string(path) if path else None


def _agreement_access(user: User) -> AgreementAccess | None:
    hook = agreement_access_hook()
    return hook(user=user) if hook else None


def _agreement_premise_ids(user: User) -> QuerySet[Premise, Any]:
    """The premises of the company's agreements open today (USG-12, AGR-14), as a subquery."""
    access = _agreement_access(user)
    if access is None:
        return Premise.objects.none().values("pk")
    return Premise.objects.filter(access.premises).values("pk")


def premise_get_for_user(
    *, user: User, esiid: str, with_tdsp: bool = False, with_freshness: bool = False
) -> Premise:
    """One premise the user may see, or 404 (SEC-1: another party's ESIID is unknown).
    `with_tdsp` joins its TDSP for the pages that show it; the join costs the usage pages,
    which do not, about a fifth of their most expensive query. `with_freshness` joins its
    BEY-4 freshness row (one row by primary key) instead of a query of its own."""
    premises = premises_visible_to(user=user)
    if with_tdsp:
        premises = premises.select_related("tdsp")
    if with_freshness:
        premises = premises.select_related("freshness")
    return get_object_or_404(premises, esiid=esiid)


# --- USG-12, AGR-14: which days of a visible meter a user may see ------------------------------


@dataclass(frozen=True)
class DataWindow:
    """The days of a meter's data a user may see; None on a side is no limit on that side."""

    start: date | None = None
    end: date | None = None

    @property
    def is_limited(self) -> bool:
        return self.start is not None or self.end is not None

    def clamp(self, start: date, end: date) -> tuple[date, date] | None:
        """The part of start..end inside the window, or None when no day of it is."""
        start = max(start, self.start) if self.start else start
        end = min(end, self.end) if self.end else end
        return (start, end) if start <= end else None


UNLIMITED = DataWindow()
CLOSED = DataWindow(start=date.max, end=date.min)  # no day at all: fail closed


def data_window_spanning(windows: Iterable[DataWindow]) -> DataWindow:
    """The smallest window holding all of them (an export of many meters, each clamped to its
    own window when built): unlimited on a side when any of them is."""
    windows = list(windows)
    if not windows:
        return CLOSED
    starts = [w.start for w in windows if w.start is not None]
    ends = [w.end for w in windows if w.end is not None]
    return DataWindow(
        start=min(starts) if len(starts) == len(windows) else None,
        end=max(ends) if len(ends) == len(windows) else None,
    )


def premise_data_windows(
    *, user: User, premises: Iterable[Premise] | QuerySet
) -> dict[int, DataWindow]:
    """USG-12, AGR-14 in one place: for each premise (pk), the days of its data the user may
    see. Customers, TDSP staff, SMT staff and a REP serving the meter as REP of Record: no
    limit. A 3rd party, and a REP that sees the meter only through an agreement: from the
    earliest start to the latest end date of the company's ongoing energy-data agreements in
    force for it (AGR-14: "for the agreement's period only"). Anyone else: no day (CLOSED).
    At most one query, none for the unlimited parties."""
    if isinstance(premises, QuerySet):
        ids = list(premises.values_list("pk", flat=True))
    else:
        ids = [premise.pk for premise in premises]
    if _sees_whole_history(user):
        return dict.fromkeys(ids, UNLIMITED)
    if not user_has_capability(user, Capability.THIRD_PARTY_ENERGY_DATA) or not ids:
        return dict.fromkeys(ids, CLOSED)
    columns: dict[str, Aggregate] = {}
    access = _agreement_access(user)
    if access is not None:
        columns |= {"first_day": access.first_day, "last_day": access.last_day}
    if user.kind == User.Kind.REP:  # its REP of Record meters are its own customers' (MTR-4)
        columns["served"] = Count("pk", filter=Q(pk__in=_ror_premises(user).values("pk")))
    if not columns:
        return dict.fromkeys(ids, CLOSED)
    rows = Premise.objects.filter(pk__in=ids).values("pk").annotate(**columns)
    windows = dict.fromkeys(ids, CLOSED)
    for row in rows:
        if row.get("served"):
            windows[row["pk"]] = UNLIMITED
        elif row.get("first_day") and row.get("last_day"):
            windows[row["pk"]] = DataWindow(start=row["first_day"], end=row["last_day"])
    return windows


def premise_data_window(*, user: User, premise: Premise) -> DataWindow:
    """The days of one premise's data the user may see (see premise_data_windows)."""
    return premise_data_windows(user=user, premises=[premise])[premise.pk]


def _sees_whole_history(user: User) -> bool:
    """Parties whose visible meters are theirs whole: customers, TDSP and SMT staff, and a
    REP without the Energy Data permission (it sees only the meters it serves)."""
    if user.is_staff or user.is_customer or user.kind == User.Kind.TDSP:
        return True
    return user.kind == User.Kind.REP and not user_has_capability(
        user, Capability.THIRD_PARTY_ENERGY_DATA
    )


# --- BEY-5: a company's sandbox ------------------------------------------------------------


@dataclass(frozen=True)
class SandboxMeter:
    """One test meter of a company's sandbox, with the days its data covers."""

    premise: Premise
    meter_number: str
    first_day: date | None
    last_day: date | None


def sandbox_meters(*, company_id: int) -> list[SandboxMeter]:
    """The company's test meters (smt.lib.sandbox), in ESIID order; empty until prepared."""
    premises = (
        Premise.objects.filter(esiid__in=sandbox_esiids(company_id), is_sandbox=True)
        .annotate(
            meter_number=_current_meter_number(),
            first_day=Min("interval_days__day"),
            last_day=Max("interval_days__day"),
        )
        .order_by("esiid")
    )
    return [
        SandboxMeter(premise, premise.meter_number, premise.first_day, premise.last_day)
        for premise in premises
    ]
