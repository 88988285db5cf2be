"""Scoped reads of customer agreements (SEC-1: anything else is a 404), the actions each side
may use now (AGR-15), and the one definition of an agreement that opens a meter's usage
(AGR-14, USG-12), which `usage` reaches through `settings.USAGE_AGREEMENT_ACCESS`."""

from datetime import date, datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, Max, Min, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from accounts.permissions import Capability, user_has_capability
from smt.lib.sandbox import in_sandbox
from usage.models import CustomerPremise, MeterFreshness
from usage.selectors import AgreementAccess, DataWindow
from usage.services.freshness import freshness_within, premise_freshness

from .models import IN_FORCE_STATUSES, USAGE_KIND, Agreement, AgreementHistory
from .workflow import Role, allowed_targets

# Premise → its agreements: the related name of `Agreement.premise`.
PREMISE_AGREEMENTS = "agreements"

# AGR-15: the actions of the detail pages, as `agreement_customer_actions` and
# `agreement_company_actions` name them.
ANSWER, ANSWER_EXTENSION, TERMINATE = "answer", "answer_extension", "terminate"
RESEND, EXTEND, VIEW_USAGE = "resend", "extend", "view_usage"


def agreement_list_for_user(*, user: User | AnonymousUser) -> QuerySet[Agreement]:
    """AGR-2, AGR-16: a 3rd party (or REP) sees its company's agreements of the kinds its
    permissions cover (ACC-19); a customer the agreements made with their account."""
    # BEY-5: a test token's requests see the company's sandbox agreements, nothing else does.
    base = Agreement.objects.select_related("company", "premise").filter(
        premise__is_sandbox=in_sandbox()
    )
    if not isinstance(user, User):
        return base.none()
    if user.is_customer:
        return agreement_list_for_customer(customer=user)
    if user.kind in {User.Kind.THIRD_PARTY, User.Kind.REP} and user.company_id:
        kinds = []
        if user_has_capability(user, Capability.THIRD_PARTY_ENERGY_DATA):
            kinds += [Agreement.Kind.ONE_TIME, Agreement.Kind.ONGOING]
        if user_has_capability(user, Capability.THIRD_PARTY_HAN):
            kinds += [Agreement.Kind.ONGOING_HAN, Agreement.Kind.HAN_DEVICE]
        return base.filter(company=user.company_id, kind__in=kinds)
    return base.none()


def _customer_q(customer: User) -> Q:
    """AGR-16: a customer's agreements are those made with their account, and those made
    before they registered (no account) for a meter now attached to them and sent to their
    email — the email keeps a previous occupant's invitations out of sight."""
    attached = CustomerPremise.objects.filter(
        premise=OuterRef("premise"), customer=customer, detached_at__isnull=True
    )
    return Q(customer=customer) | Q(
        Exists(attached), customer__isnull=True, customer_email__iexact=customer.email
    )


def agreement_list_for_customer(*, customer: User | AnonymousUser) -> QuerySet[Agreement]:
    """AGR-16: My Account / 3rd Party Agreements, newest first."""
    if not isinstance(customer, User) or not customer.is_customer:
        return Agreement.objects.none()
    return Agreement.objects.select_related("company", "premise").filter(_customer_q(customer))


def customer_sees_agreement(*, customer: User, agreement: Agreement) -> bool:
    """The services' check that this customer is the agreement's customer (AGR-16)."""
    return agreement_list_for_customer(customer=customer).filter(pk=agreement.pk).exists()


def agreement_get_for_customer(*, customer: User, agreement_number: str) -> Agreement:
    """One of the customer's agreements, or 404 (SEC-1)."""
    return get_object_or_404(
        agreement_list_for_customer(customer=customer), agreement_number=agreement_number
    )


def agreement_customer_actions(*, agreement: Agreement, now: datetime | None = None) -> set[str]:
    """AGR-15: the actions the customer side may use now: "answer" (Pending, invitation not
    expired), "answer_extension" (Extension Pending, request not expired), "terminate"."""
    now = now or timezone.now()
    actions = set()
    targets = allowed_targets(agreement.kind, agreement.status, Role.CUSTOMER)
    if agreement.invitation_is_open(now):
        actions.add(ANSWER)
    if agreement.extension_request_is_open(now):
        actions.add(ANSWER_EXTENSION)
    if Agreement.Status.TERMINATED in targets:
        actions.add(TERMINATE)
    return actions


def agreement_company_actions(*, agreement: Agreement, now: datetime | None = None) -> set[str]:
    """AGR-15, seed 000 functional rules 10 and 16: the actions the 3rd party may use now:
    "resend" (Pending, invitation not expired; AGR-13), "terminate", "extend" (AGR-14) and
    "view_usage" (the agreement opens the meter's usage today; USG-12)."""
    now = now or timezone.now()
    actions = set()
    targets = allowed_targets(agreement.kind, agreement.status, Role.THIRD_PARTY)
    if agreement.invitation_is_open(now):
        actions.add(RESEND)
    if Agreement.Status.TERMINATED in targets:
        actions.add(TERMINATE)
    if Agreement.Status.EXTENSION_PENDING in targets:
        actions.add(EXTEND)
    if agreement.opens_usage_on(timezone.localdate(now)):
        actions.add(VIEW_USAGE)
    return actions


def agreement_get_for_user(*, user: User, agreement_number: str) -> Agreement:
    """One agreement the user may see, or 404 (SEC-1)."""
    return get_object_or_404(agreement_list_for_user(user=user), agreement_number=agreement_number)


def agreement_history(*, agreement: Agreement) -> QuerySet[AgreementHistory]:
    """AGR-18: the history shown on the agreement page, oldest first."""
    return agreement.history.select_related("actor").order_by("created_at", "pk")


# --- AGR-14, USG-12: the agreements that open a meter's usage ---------------------------------


def agreement_opens_usage_q(*, on: date, prefix: str = "") -> Q:
    """`Agreement.opens_usage_on(on)` as a condition: an ongoing energy-data agreement, in
    force (Active, or Extension Pending with its current end date), with `on` inside its
    start..end dates. `prefix` is the path to the agreement from the model queried
    ("agreements__" from a premise)."""
    return Q(
        **{
            f"{prefix}kind": USAGE_KIND,
            f"{prefix}status__in": IN_FORCE_STATUSES,
            f"{prefix}start_date__lte": on,
            f"{prefix}end_date__gte": on,
        }
    )


def agreement_meters_for_user(*, user: User) -> QuerySet[Agreement]:
    """Customer Meters (3rd Party): the user's agreements that open their meter's usage today
    (AGR-14, USG-12)."""
    return agreement_list_for_user(user=user).filter(
        agreement_opens_usage_q(on=timezone.localdate())
    )


def agreement_usage_access(*, user: User) -> AgreementAccess:
    """USG-12, AGR-14 for `usage` (the hook `settings.USAGE_AGREEMENT_ACCESS`): which premises
    the user's company has an agreement open today for, and the first and last day of those
    agreements, as a condition and two aggregates on premises. Usage asks whether the user
    may see agreements' meters at all (the Energy Data permission) before it calls this."""
    in_force = agreement_opens_usage_q(
        on=timezone.localdate(), prefix=f"{PREMISE_AGREEMENTS}__"
    ) & Q(**{f"{PREMISE_AGREEMENTS}__company": user.company_id})
    return AgreementAccess(
        premises=in_force,
        first_day=Min(f"{PREMISE_AGREEMENTS}__start_date", filter=in_force),
        last_day=Max(f"{PREMISE_AGREEMENTS}__end_date", filter=in_force),
    )


# --- UX-6: the home page's counts ---------------------------------------------------------------


def agreement_pending_acceptance_count(*, user: User) -> int:
    """UX-6 (seed 002 "Pending Acceptance"): the user's agreements still waiting for the
    customer's answer (Pending, invitation not expired, AGR-9); a 3rd party counts its
    company's (of the kinds its permissions cover), a customer those sent to them."""
    return (
        agreement_list_for_user(user=user)
        .filter(status=Agreement.Status.PENDING, expires_at__gt=timezone.now())
        .count()
    )


def agreement_meter_freshness(*, agreement: Agreement) -> MeterFreshness | None:
    """BEY-4, USG-12: the meter's data freshness as the agreement's 3rd party may learn it,
    within the agreement's days only."""
    return freshness_within(
        premise_freshness(agreement.premise),
        DataWindow(start=agreement.start_date, end=agreement.end_date),
    )
