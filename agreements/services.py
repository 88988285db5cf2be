"""Every write of customer agreements (SPEC §5): creation, the emailed Accept/Reject links,
resend, extension, termination, the scheduled expiries and the Move-Out hook.

A status changes only in `_transition`: the caller has locked the row (`select_for_update`),
the move is checked against `workflow.TRANSITIONS`, the row is saved by a conditional UPDATE
on the status it was read in (so two racing callers cannot both win, even where the database
ignores row locks), a history row is written, and the emails are recorded in the same
transaction and sent by the worker after commit (NTF-3).
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Min, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import Company, User
from accounts.permissions import Capability, user_has_capability
from smt.lib.errors import Refused
from usage.models import CustomerPremise, Premise, ReportRequest
from usage.services import reports
from usage.services.intervals import MARKET_TZ
from usage.services.meters import premise_for_meter
from usage.services.report_requests import report_request_create
from usage.services.sharing import share_token_hash

from . import emails
from .models import (
    IN_FORCE_STATUSES,
    MAX_DURATION_MONTHS,
    MIN_DURATION_MONTHS,
    Agreement,
    AgreementDaySequence,
    AgreementHistory,
    AgreementInvitation,
)
from .selectors import customer_sees_agreement
from .workflow import Role, check_transition

SEQUENCE_MAX = 999_999  # AGR-1: six digits of sequence per day
INVITATION_DAYS = 30  # AGR-9: an unanswered invitation becomes Not Accepted
EXTENSION_DAYS = 30  # AGR-14: an unanswered extension request leaves the old end date
MAX_METERS = 3  # AGR-3: up to three ESIID / meter number pairs per request
ONE_TIME_LIMIT = 3  # AGR-5: One-Time agreements per company per ESIID per rolling year
ONE_TIME_LIMIT_WINDOW = relativedelta(years=1)  # AGR-5: the rolling year
ONE_TIME_COUNTED = (Agreement.Status.PENDING, Agreement.Status.COMPLETE)  # AGR-5
EXTENSION_MAX_MONTHS = 12  # AGR-14 decision: a new end date at most 12 months ahead
TOKEN_BYTES = 32  # SEC-2: 256 random bits

ONGOING_KINDS = (Agreement.Kind.ONGOING, Agreement.Kind.ONGOING_HAN)
OPEN_STATUSES = (
    Agreement.Status.PENDING,
    Agreement.Status.ACTIVE,
    Agreement.Status.EXTENSION_PENDING,
)

# AGR-18: who caused a change when it was no signed-in person.
CUSTOMER_LINK = "customer link"
SYSTEM_30_DAYS = "system: 30-day rule"
SYSTEM_END_DATE = "system: end date"
TDSP_MOVE_OUT = "TDSP: Move-Out"
MOVE_OUT_REASON = "Move-Out"  # MTR-2 Decision

REPORT_DURATIONS: dict[str, relativedelta] = {  # AGR-3 → how far back the report reaches
    Agreement.ReportDuration.ONE_DAY: relativedelta(days=1),
    Agreement.ReportDuration.ONE_MONTH: relativedelta(months=1),
    Agreement.ReportDuration.THREE_MONTHS: relativedelta(months=3),
    Agreement.ReportDuration.SIX_MONTHS: relativedelta(months=6),
    Agreement.ReportDuration.ONE_YEAR: relativedelta(years=1),
}
REPORT_TYPES: dict[str, tuple[str, str]] = {  # AGR-3 report type → (USG type, file format)
    Agreement.ReportType.INTERVAL_CSV: (
        ReportRequest.ReportType.INTERVAL,
        ReportRequest.FileFormat.CSV,
    ),
    Agreement.ReportType.INTERVAL_XML: (
        ReportRequest.ReportType.INTERVAL,
        ReportRequest.FileFormat.GREEN_BUTTON,
    ),
    Agreement.ReportType.DAILY_CSV: (ReportRequest.ReportType.DAILY, ReportRequest.FileFormat.CSV),
    Agreement.ReportType.MONTHLY_CSV: (
        ReportRequest.ReportType.MONTHLY,
        ReportRequest.FileFormat.CSV,
    ),
}

# AGR-6: the seed's texts (000, UI 1.3 "Validation").
METER_NOT_VALID = (
    "Your 3rd Party Agreement request cannot be completed at this time due to one of the "
    "following reasons:"
)
METER_NOT_VALID_REASONS = (
    "The ESIID specified is incorrect",
    "The Meter # specified is incorrect",
    "The ESIID/Meter # pair specified is not correct",
    "The customer may not have a Smart Meter yet. A meter with a digital display is not "
    "necessarily a Smart Meter. The customer should contact their REP to determine their "
    "meter type.",
    "If the customer has recently received their Smart Meter, the meter information may not "
    "be available for access through the Smart Meter Texas portal until up to 60 days after "
    "installation of the Smart Meter",
)
EMAIL_COMBINATION_NOT_VALID = "The ESIID/Meter #/Email combination specified is not valid"

# AGR-9 (seed 000 business rule 8, functional rule 14).
LINK_NOT_VALID = (
    "This link is not valid. Please use the link in the most recent email you received from "
    "Smart Meter Texas."
)
INVITATION_EXPIRED = (
    "The invitation has expired. The 30-day period to accept or reject this agreement has "
    "ended; please contact the 3rd party to request a new agreement invitation."
)
STATUS_CHANGED = (
    "The invitation has expired due to a change in the agreement status. Please go to My "
    "Account / 3rd Party Agreements to review your agreements."
)


class AgreementRefused(Refused):
    """A request the rules refuse; `errors` maps a field ("meter_1", "__all__") to messages,
    for the forms that show each next to its input. As a `Refused`, the message is all of
    them joined, and the field is the one field they are about (None for several, or none)."""

    def __init__(self, errors: dict[str, list[str]] | str):
        if isinstance(errors, str):
            errors = {"__all__": [errors]}
        self.errors = errors
        fields = [key for key in errors if key != "__all__"]
        super().__init__(
            " ".join(m for messages in errors.values() for m in messages),
            field=fields[0] if len(errors) == 1 and fields else None,
        )


class LinkRefused(Refused):
    """An emailed Accept/Reject link that cannot be used; the message is for the customer."""


class AgreementChanged(Refused):
    """The agreement's status changed under the caller (lost a race)."""


@dataclass(frozen=True)
class CustomerDetails:
    """AGR-3: who the invitation is for. A registered customer gives only the email."""

    registered: bool
    email: str
    kind: str = Agreement.CustomerKind.RESIDENTIAL
    first_name: str = ""
    middle_initial: str = ""
    last_name: str = ""
    title: str = ""
    language: str = "en"
    company_name: str = ""
    street: str = ""
    city: str = ""
    state: str = "TX"
    zip_code: str = ""
    phone: str = ""


@dataclass(frozen=True)
class MeterPair:
    esiid: str
    meter_number: str


@dataclass(frozen=True)
class Contact:
    """AGR-3 page 2: from My Profile, editable."""

    name: str
    email: str
    phone: str = ""


@dataclass(frozen=True)
class AnswerResult:
    agreement: Agreement
    changed: bool  # False for a repeated click on the same answer (nothing happened again)


@dataclass
class ExpirySummary:
    not_accepted: int = 0
    extensions_lapsed: int = 0

    def __str__(self) -> str:
        return (
            f"Expired {self.not_accepted} invitation(s) to Not Accepted, "
            f"{self.extensions_lapsed} extension request(s) back to Active."
        )


# --- numbers, tokens, history ---------------------------------------------------------------


def chicago_date(moment: datetime | None = None) -> date:
    """AGR-1, AGR-14: the agreement number's day and end dates are Central time."""
    return timezone.localtime(moment or timezone.now(), MARKET_TZ).date()


def agreement_number_next(*, on: date) -> str:
    """AGR-1: MMDDYY of the Central-time day + its 6-digit sequence. The day's counter row
    stays locked until the caller's transaction ends, so numbers are never shared."""
    with transaction.atomic():
        AgreementDaySequence.objects.get_or_create(day=on)
        counter = AgreementDaySequence.objects.select_for_update().get(day=on)
        if counter.last >= SEQUENCE_MAX:
            raise AgreementRefused(_("No more agreements can be created today."))
        counter.last += 1
        counter.save(update_fields=["last"])
    return f"{on:%m%d%y}{counter.last:06d}"


def _invitation_issue(
    agreement: Agreement, *, purpose: str, expires_at: datetime
) -> tuple[AgreementInvitation, str]:
    """SEC-2: a fresh 256-bit token; only its hash is stored. Bound to the agreement and to
    the status it is issued in, so any status change voids it."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    invitation = AgreementInvitation.objects.create(
        agreement=agreement,
        token_hash=share_token_hash(token),
        purpose=purpose,
        issued_for_status=agreement.status,
        created_at=timezone.now(),
        expires_at=expires_at,
    )
    return invitation, token


def _history(
    agreement: Agreement,
    *,
    from_status: str,
    to_status: str,
    actor: User | None,
    actor_label: str,
    reason: str,
) -> AgreementHistory:
    """AGR-18, SEC-7."""
    return AgreementHistory.objects.create(
        agreement=agreement,
        created_at=timezone.now(),
        actor=actor,
        actor_label=actor_label or (actor.username if actor else ""),
        from_status=from_status,
        to_status=to_status,
        reason=reason,
    )


def _lock(pk: int) -> Agreement:
    # Only the agreement's row: the premise and company are read, never changed, here.
    return (
        Agreement.objects.select_for_update(of=("self",))
        .select_related("premise", "company")
        .get(pk=pk)
    )


def _transition(
    locked: Agreement,
    *,
    to_status: str,
    role: Role,
    actor: User | None = None,
    actor_label: str = "",
    reason: str = "",
    **changes: Any,
) -> Agreement:
    """The one place an agreement's status changes (CONVENTIONS). `locked` was read with
    select_for_update in the caller's transaction."""
    check_transition(locked.kind, locked.status, to_status, role)
    now = timezone.now()
    values = {"status": to_status, "status_changed_at": now, **changes}
    # Conditional on the status read: of two racing callers exactly one updates a row.
    if not Agreement.objects.filter(pk=locked.pk, status=locked.status).update(**values):
        raise AgreementChanged(STATUS_CHANGED)
    _history(
        locked,
        from_status=locked.status,
        to_status=to_status,
        actor=actor,
        actor_label=actor_label,
        reason=reason,
    )
    for name, value in values.items():
        setattr(locked, name, value)
    return locked


# --- AGR-3..AGR-7, AGR-14: initiate ------------------------------------------------------------


def _capability(kind: str) -> Capability:
    if kind == Agreement.Kind.ONGOING_HAN:
        return Capability.THIRD_PARTY_HAN
    return Capability.THIRD_PARTY_ENERGY_DATA


def _require_initiator(user: User, kind: str) -> Company:
    """AGR-3: a REP or 3rd-party user with the permission for this kind (ACC-19)."""
    company = user.company
    if (
        not user_has_capability(user, _capability(kind))
        or company is None
        or company.status != Company.Status.ACTIVE
    ):
        raise AgreementRefused(_("You do not have permission to create this agreement."))
    return company


def _customer_fields(details: CustomerDetails) -> dict[str, str]:
    language = "en"
    if details.kind == Agreement.CustomerKind.RESIDENTIAL:
        language = details.language or "en"  # seed 000 functional rule 1
    return {
        "customer_kind": details.kind,
        "customer_first_name": details.first_name.strip(),
        "customer_middle_initial": details.middle_initial.strip()[:1],
        "customer_last_name": details.last_name.strip(),
        "customer_title": details.title.strip(),
        "customer_language": language,
        "customer_company_name": details.company_name.strip(),
        "customer_street": details.street.strip(),
        "customer_city": details.city.strip(),
        "customer_state": details.state.strip().upper() or "TX",
        "customer_zip_code": details.zip_code.strip(),
        "customer_phone": details.phone.strip(),
        "customer_email": details.email.strip(),
    }


def _registered_fields(customer: User, premise: Premise) -> dict[str, Any]:
    """Seed 000 functional rule 2: a registered customer's details come from the account;
    the address is the meter's service address."""
    return {
        "customer": customer,
        "customer_kind": (
            Agreement.CustomerKind.BUSINESS
            if customer.kind == User.Kind.BUSINESS
            else Agreement.CustomerKind.RESIDENTIAL
        ),
        "customer_first_name": customer.first_name,
        "customer_middle_initial": customer.middle_initial,
        "customer_last_name": customer.last_name,
        "customer_title": customer.title,
        "customer_language": customer.language,
        "customer_company_name": customer.business_name,
        "customer_street": premise.street_address,
        "customer_city": premise.city,
        "customer_state": premise.state,
        "customer_zip_code": premise.zip_code,
        "customer_phone": customer.phone,
        "customer_email": customer.email,
    }


def _current_customer(premise: Premise) -> User | None:
    link = (
        CustomerPremise.objects.filter(premise=premise, detached_at__isnull=True)
        .select_related("customer")
        .first()
    )
    return link.customer if link else None


def _validate_meters(
    *, details: CustomerDetails, meters: list[MeterPair]
) -> list[tuple[MeterPair, Premise, User | None]]:
    """AGR-6 (seed 000 functional rule 3). Every pair is checked; all errors are raised
    together, keyed meter_1..meter_3."""
    errors: dict[str, list[str]] = {}
    found = []
    if not meters:
        raise AgreementRefused({"meter_1": [_("Enter an ESIID and its meter number.")]})
    if len(meters) > MAX_METERS:
        raise AgreementRefused(_("Enter at most %(n)d meters.") % {"n": MAX_METERS})
    seen: set[str] = set()
    for index, pair in enumerate(meters, start=1):
        key = f"meter_{index}"
        premise = premise_for_meter(esiid=pair.esiid, meter_number=pair.meter_number)
        owner = _current_customer(premise) if premise else None
        if details.registered:
            if (
                premise is None
                or owner is None
                or owner.email.casefold() != details.email.strip().casefold()
            ):
                errors[key] = [EMAIL_COMBINATION_NOT_VALID]
                continue
        elif premise is None or owner is not None:
            # Decision: a meter attached to another account gets the same answer as an
            # unknown one, so the form never reveals who is registered.
            errors[key] = [METER_NOT_VALID, *METER_NOT_VALID_REASONS]
            continue
        if premise.esiid in seen:
            errors[key] = [_("This ESIID is entered more than once.")]
            continue
        seen.add(premise.esiid)
        found.append((pair, premise, owner))
    if errors:
        raise AgreementRefused(errors)
    return found


def _check_one_time_limit(*, company: Company, premise: Premise, now: datetime) -> None:
    """AGR-5: at most 3 One-Time agreements (Pending or Complete) per company and ESIID in
    the rolling year before now. The caller holds the premise's row lock."""
    counted = Agreement.objects.filter(
        kind=Agreement.Kind.ONE_TIME,
        company=company,
        premise=premise,
        status__in=ONE_TIME_COUNTED,
        created_at__gt=now - ONE_TIME_LIMIT_WINDOW,
    )
    if counted.count() >= ONE_TIME_LIMIT:
        oldest = counted.aggregate(oldest=Min("created_at"))["oldest"]
        raise AgreementRefused(
            _(
                "Your company already has %(limit)d One-Time Energy Data agreements for ESIID "
                "%(esiid)s in the last 12 months. A new one can be requested from %(day)s."
            )
            % {
                "limit": ONE_TIME_LIMIT,
                "esiid": premise.esiid,
                "day": formats.date_format(chicago_date(oldest + ONE_TIME_LIMIT_WINDOW), "m/d/Y"),
            }
        )


def _check_no_open_ongoing(*, company: Company, premise: Premise, kind: str) -> None:
    current = Agreement.objects.filter(
        company=company, premise=premise, kind=kind, status__in=OPEN_STATUSES
    ).first()
    if current:
        raise AgreementRefused(
            _("Your company already has agreement %(number)s for ESIID %(esiid)s.")
            % {"number": current.agreement_number, "esiid": premise.esiid}
        )


def _check_limit(*, company: Company, premise: Premise, kind: str, now: datetime) -> None:
    """AGR-5 for One-Time agreements, one open agreement of a kind for ongoing ones."""
    if kind == Agreement.Kind.ONE_TIME:
        _check_one_time_limit(company=company, premise=premise, now=now)
    else:
        _check_no_open_ongoing(company=company, premise=premise, kind=kind)


@transaction.atomic
def _agreements_create(
    *,
    user: User,
    kind: str,
    customer: CustomerDetails,
    meters: list[MeterPair],
    contact: Contact,
    comments: str,
    terms: dict,
) -> list[Agreement]:
    company = _require_initiator(user, kind)
    found = _validate_meters(details=customer, meters=meters)
    # Serialise requests for the same meters: the limits below are then counted exactly.
    list(
        Premise.objects.select_for_update().filter(
            pk__in=[premise.pk for _pair, premise, _owner in found]
        )
    )
    now = timezone.now()
    for _pair, premise, _owner in found:
        _check_limit(company=company, premise=premise, kind=kind, now=now)
    created = []
    for pair, premise, owner in found:
        # A registered customer's meter has its account as owner; any other has none.
        customer_fields = (
            _registered_fields(owner, premise) if owner is not None else _customer_fields(customer)
        )
        agreement = Agreement.objects.create(
            agreement_number=agreement_number_next(on=chicago_date(now)),
            kind=kind,
            company=company,
            initiated_by=user,
            premise=premise,
            meter_number=pair.meter_number.strip(),
            contact_name=contact.name.strip(),
            contact_phone=contact.phone.strip(),
            contact_email=contact.email.strip(),
            comments=comments.strip(),
            created_at=now,
            invited_at=now,
            expires_at=now + timedelta(days=INVITATION_DAYS),
            status_changed_at=now,
            **customer_fields,
            **terms,
        )
        _history(
            agreement,
            from_status="",
            to_status=agreement.status,
            actor=user,
            actor_label="",
            reason=_("Invitation sent."),
        )
        _invitation, token = _invitation_issue(
            agreement,
            purpose=AgreementInvitation.Purpose.INVITATION,
            expires_at=agreement.expires_at,
        )
        emails.invitation(agreement=agreement, token=token)  # EM201
        emails.invitation_sent(agreement=agreement)  # AGR-7
        created.append(agreement)
    return created


def agreement_create_one_time(
    *,
    user: User,
    customer: CustomerDetails,
    meters: list[MeterPair],
    report_type: str,
    report_duration: str,
    contact: Contact,
    comments: str = "",
) -> list[Agreement]:
    """AGR-3..AGR-7: one Pending One-Time Energy Data agreement (and invitation) per meter.
    Refused, as a whole, by AGR-5 and AGR-6."""
    _check_one_time_terms(report_type=report_type, report_duration=report_duration)
    return _agreements_create(
        user=user,
        kind=Agreement.Kind.ONE_TIME,
        customer=customer,
        meters=meters,
        contact=contact,
        comments=comments,
        terms={"report_type": report_type, "report_duration": report_duration},
    )


def agreement_create_ongoing(
    *,
    user: User,
    customer: CustomerDetails,
    meters: list[MeterPair],
    duration_months: int,
    contact: Contact,
    comments: str = "",
    kind: str = Agreement.Kind.ONGOING,
) -> list[Agreement]:
    """AGR-14, AGR-17: one Pending ongoing agreement per meter, for 1 to 12 months from
    acceptance; one open agreement of a kind per company and ESIID."""
    _check_ongoing_terms(kind=kind, duration_months=duration_months)
    return _agreements_create(
        user=user,
        kind=kind,
        customer=customer,
        meters=meters,
        contact=contact,
        comments=comments,
        terms={"duration_months": int(duration_months)},
    )


def _check_one_time_terms(*, report_type: str, report_duration: str) -> None:
    """AGR-3: a report type and duration; a Monthly report needs at least 1 month."""
    if report_type not in Agreement.ReportType.values:
        raise AgreementRefused({"report_type": [_("Choose a report type.")]})
    if report_duration not in Agreement.ReportDuration.values:
        raise AgreementRefused({"report_duration": [_("Choose a report duration.")]})
    if (
        report_type == Agreement.ReportType.MONTHLY_CSV
        and report_duration == Agreement.ReportDuration.ONE_DAY
    ):
        raise AgreementRefused(
            {"report_duration": [_("A Monthly report needs a duration of at least 1 month.")]}
        )


def _check_ongoing_terms(*, kind: str, duration_months: int) -> None:
    """AGR-14, AGR-17: 1 to 12 months."""
    if kind not in ONGOING_KINDS:
        raise AgreementRefused(_("Unknown agreement type."))
    if not MIN_DURATION_MONTHS <= int(duration_months) <= MAX_DURATION_MONTHS:
        raise AgreementRefused({"duration_months": [_("Choose 1 to 12 months.")]})


def agreement_request_check(
    *,
    user: User,
    kind: str,
    customer: CustomerDetails,
    meters: list[MeterPair],
    report_type: str = "",
    report_duration: str = "",
    duration_months: int | None = None,
) -> None:
    """AGR-3, AGR-5, AGR-6, AGR-14: the checks of a request, without writing anything, so
    page 1 of the form can answer before page 2. The create services check again under the
    row locks. A limit refusal is keyed to its meter (meter_1..meter_3)."""
    if kind == Agreement.Kind.ONE_TIME:
        _check_one_time_terms(report_type=report_type, report_duration=report_duration)
    else:
        _check_ongoing_terms(kind=kind, duration_months=duration_months or 0)
    company = _require_initiator(user, kind)
    found = _validate_meters(details=customer, meters=meters)
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    for index, (_pair, premise, _owner) in enumerate(found, start=1):
        try:
            _check_limit(company=company, premise=premise, kind=kind, now=now)
        except AgreementRefused as refused:
            errors[f"meter_{index}"] = [m for ms in refused.errors.values() for m in ms]
    if errors:
        raise AgreementRefused(errors)


# --- AGR-8..AGR-11, AGR-14: the customer answers ---------------------------------------------


def invitation_for_token(token: str) -> AgreementInvitation | None:
    """For the confirmation page (a GET changes nothing): the invitation, or None."""
    return (
        AgreementInvitation.objects.select_related("agreement__premise", "agreement__company")
        .filter(token_hash=share_token_hash(token))
        .first()
    )


def invitation_refusal(*, invitation: AgreementInvitation, now: datetime | None = None) -> str:
    """Why this link cannot be used now, or "" (AGR-9)."""
    now = now or timezone.now()
    if invitation.expires_at <= now:
        return INVITATION_EXPIRED
    if invitation.used_at or invitation.agreement.status != invitation.issued_for_status:
        return STATUS_CHANGED
    return ""


@transaction.atomic
def agreement_answer(*, token: str, accept: bool, user: User | None = None) -> AnswerResult:
    """AGR-8..AGR-11, AGR-14: the customer's Accept or Reject through the emailed link.

    Single use: the link is spent by a conditional UPDATE under the agreement's row lock; a
    second click on the same answer returns the agreement unchanged (one status change, one
    email), any other use gets the AGR-9 message.
    """
    found = AgreementInvitation.objects.filter(token_hash=share_token_hash(token)).first()
    if found is None:
        raise LinkRefused(LINK_NOT_VALID)
    locked = _lock(found.agreement_id)
    invitation = AgreementInvitation.objects.get(pk=found.pk)  # re-read under the lock
    invitation.agreement = locked
    answer = AgreementInvitation.Answer.ACCEPT if accept else AgreementInvitation.Answer.REJECT
    if invitation.used_at and invitation.answer == answer:
        return AnswerResult(agreement=locked, changed=False)
    now = timezone.now()
    refusal = invitation_refusal(invitation=invitation, now=now)
    if refusal:
        raise LinkRefused(refusal)
    spent = AgreementInvitation.objects.filter(pk=invitation.pk, used_at__isnull=True).update(
        used_at=now, answer=answer
    )
    if not spent:
        raise LinkRefused(STATUS_CHANGED)
    actor = user if user is not None and user.is_customer else None
    if invitation.purpose == AgreementInvitation.Purpose.EXTENSION:
        _extension_answer(locked, accept=accept, actor=actor)
    elif accept:
        _accept(locked, actor=actor, now=now)
    else:
        _reject(locked, actor=actor, now=now)
    return AnswerResult(agreement=locked, changed=True)


def agreement_accept(*, token: str, user: User | None = None) -> AnswerResult:
    return agreement_answer(token=token, accept=True, user=user)


def agreement_reject(*, token: str, user: User | None = None) -> AnswerResult:
    return agreement_answer(token=token, accept=False, user=user)


def _reject(
    locked: Agreement, *, actor: User | None, now: datetime, actor_label: str = CUSTOMER_LINK
) -> None:
    _transition(
        locked,
        to_status=Agreement.Status.REJECTED,
        role=Role.CUSTOMER,
        actor=actor,
        actor_label=actor_label,
        reason=_("Rejected by the customer."),
        responded_at=now,
    )
    emails.rejected(agreement=locked)  # EM205


def _accept(
    locked: Agreement, *, actor: User | None, now: datetime, actor_label: str = CUSTOMER_LINK
) -> None:
    today = chicago_date(now)
    one_time = locked.kind == Agreement.Kind.ONE_TIME
    _transition(
        locked,
        to_status=Agreement.Status.COMPLETE if one_time else Agreement.Status.ACTIVE,
        role=Role.CUSTOMER,
        actor=actor,
        actor_label=actor_label,
        reason=_("Accepted by the customer."),
        responded_at=now,
        start_date=today,
        **({} if one_time else {"end_date": _ongoing_end_date(locked, start=today)}),
    )
    if one_time:
        # AGR-10: the report request is written in this transaction; usage queues its build
        # on commit, and the 3rd party finds it in Report Request Status (USG-9).
        locked.report_request = _report_request_create(locked, today=today)
        locked.save(update_fields=["report_request"])
    emails.accepted(agreement=locked)  # EM203
    emails.accepted_notice(agreement=locked)  # AGR-10 notice to the 3rd party


def _ongoing_end_date(agreement: Agreement, *, start: date) -> date:
    """AGR-14: an ongoing agreement runs its months from the day it is accepted."""
    if agreement.duration_months is None:  # the agreement_ongoing_duration_1_12 constraint
        raise ValueError(f"Ongoing agreement {agreement} has no duration.")
    return start + relativedelta(months=agreement.duration_months)


def report_period(agreement: Agreement, *, today: date) -> tuple[date, date]:
    """AGR-10: the agreed duration, ending with the latest available day (USG-6)."""
    end = reports.latest_available_day(today)
    start = end - REPORT_DURATIONS[agreement.report_duration] + timedelta(days=1)
    return start, end


def _report_request_create(agreement: Agreement, *, today: date) -> ReportRequest:
    report_type, file_format = REPORT_TYPES[agreement.report_type]
    start, end = report_period(agreement, today=today)
    # The request belongs to the user who initiated the agreement and their company.
    # ReportRequest.Party has no 3rd-party value yet; usage derives it from the user.
    return report_request_create(
        user=agreement.initiated_by,
        premises=[agreement.premise],
        report_type=report_type,
        start=start,
        end=end,
        file_format=file_format,
    )


def agreement_reports_notify_ready(*, now: datetime | None = None) -> int:
    """AGR-10 EM204: tell the 3rd party a One-Time report has finished. Beat-driven, so usage
    needs no hook; the conditional UPDATE sends each notice once. Returns how many."""
    now = now or timezone.now()
    ready = Agreement.objects.filter(
        kind=Agreement.Kind.ONE_TIME,
        report_notified_at__isnull=True,
        report_request__status__in=[
            ReportRequest.Status.COMPLETE,
            ReportRequest.Status.UNSUCCESSFUL,
        ],
    ).values_list("pk", flat=True)
    sent = 0
    for pk in list(ready):
        with transaction.atomic():
            if Agreement.objects.filter(pk=pk, report_notified_at__isnull=True).update(
                report_notified_at=now
            ):
                agreement = Agreement.objects.select_related(
                    "company", "premise", "report_request", "initiated_by"
                ).get(pk=pk)
                emails.report_ready(agreement=agreement)
                sent += 1
    return sent


# --- AGR-13, AGR-14, AGR-15: the 3rd party acts ------------------------------------------------


def _role_of(agreement: Agreement, user: User) -> Role:
    """Which side of the agreement this user is on; anyone else is refused."""
    if user.is_customer and customer_sees_agreement(customer=user, agreement=agreement):
        return Role.CUSTOMER
    if (
        user.company_id
        and user.company_id == agreement.company_id
        and user_has_capability(user, _capability(agreement.kind))
    ):
        return Role.THIRD_PARTY
    raise AgreementRefused(_("You cannot change this agreement."))


@transaction.atomic
def agreement_resend(*, agreement: Agreement, user: User) -> AgreementInvitation:
    """AGR-13 (EM202): only while Pending and before the invitation expires. The 30 days
    still count from the first invitation (decision: a resend does not extend them)."""
    locked = _lock(agreement.pk)
    if _role_of(locked, user) != Role.THIRD_PARTY:
        raise AgreementRefused(_("You cannot change this agreement."))
    if not locked.is_pending:
        raise AgreementRefused(_("Only a Pending agreement's invitation can be sent again."))
    if not locked.invitation_is_open():
        raise AgreementRefused(_("The invitation has expired."))
    invitation, token = _invitation_issue(
        locked, purpose=AgreementInvitation.Purpose.INVITATION, expires_at=locked.expires_at
    )
    emails.invitation(agreement=locked, token=token, resent=True)
    return invitation


@transaction.atomic
def agreement_request_extension(
    *, agreement: Agreement, user: User, new_end_date: date
) -> Agreement:
    """AGR-14: the 3rd party asks for a later end date; the customer gets a new invitation
    (30 days). Meanwhile the agreement stays in force with its current end date."""
    locked = _lock(agreement.pk)
    role = _role_of(locked, user)
    # The status and the role first: the date rules only matter for an allowed request.
    check_transition(locked.kind, locked.status, Agreement.Status.EXTENSION_PENDING, role)
    today = chicago_date()
    if locked.end_date and new_end_date <= locked.end_date:
        raise AgreementRefused(
            {"new_end_date": [_("The new end date must be after the current end date.")]}
        )
    if new_end_date > today + relativedelta(months=EXTENSION_MAX_MONTHS):
        raise AgreementRefused(
            {"new_end_date": [_("The new end date can be at most 12 months from today.")]}
        )
    expires_at = timezone.now() + timedelta(days=EXTENSION_DAYS)
    _transition(
        locked,
        to_status=Agreement.Status.EXTENSION_PENDING,
        role=role,
        actor=user,
        reason=_("Extension to %(day)s requested.")
        % {"day": formats.date_format(new_end_date, "m/d/Y")},
        requested_end_date=new_end_date,
        extension_expires_at=expires_at,
    )
    _invitation, token = _invitation_issue(
        locked, purpose=AgreementInvitation.Purpose.EXTENSION, expires_at=expires_at
    )
    emails.invitation(agreement=locked, token=token, extension=True)
    return locked


def _extension_answer(
    locked: Agreement, *, accept: bool, actor: User | None, actor_label: str = CUSTOMER_LINK
) -> None:
    changes: dict[str, date | None] = {"requested_end_date": None, "extension_expires_at": None}
    if accept:
        changes["end_date"] = locked.requested_end_date
    _transition(
        locked,
        to_status=Agreement.Status.ACTIVE,
        role=Role.CUSTOMER,
        actor=actor,
        actor_label=actor_label,
        reason=_("Extension accepted by the customer.")
        if accept
        else _("Extension rejected by the customer; the end date is unchanged."),
        **changes,
    )
    emails.extension_answered(agreement=locked, accepted=accept)


@transaction.atomic
def agreement_answer_by_customer(*, agreement: Agreement, user: User, accept: bool) -> Agreement:
    """AGR-15, AGR-16: the signed-in customer accepts or rejects a Pending agreement, or a
    pending extension (AGR-14), from My Account / 3rd Party Agreements. Same transitions and
    emails as the emailed link; the history names the customer. The agreement's open links
    are voided, so a later click gets the AGR-9 "status changed" message (and an old
    extension link can never answer a later extension request)."""
    locked = _lock(agreement.pk)
    if _role_of(locked, user) != Role.CUSTOMER:
        raise AgreementRefused(_("You cannot change this agreement."))
    now = timezone.now()
    label = user.username
    if locked.is_pending:
        if not locked.invitation_is_open(now):
            raise AgreementRefused(INVITATION_EXPIRED)
        if accept:
            _accept(locked, actor=user, now=now, actor_label=label)
        else:
            _reject(locked, actor=user, now=now, actor_label=label)
    elif locked.status == Agreement.Status.EXTENSION_PENDING:
        if not locked.extension_request_is_open(now):
            raise AgreementRefused(INVITATION_EXPIRED)
        _extension_answer(locked, accept=accept, actor=user, actor_label=label)
    else:
        raise AgreementRefused(_("This agreement is not waiting for your answer."))
    AgreementInvitation.objects.filter(agreement=locked, used_at__isnull=True).update(used_at=now)
    return locked


@transaction.atomic
def agreement_terminate(*, agreement: Agreement, user: User, reason: str) -> Agreement:
    """AGR-14, AGR-15, AGR-16: the customer or the 3rd party ends an agreement in force,
    with a reason; the other side is told."""
    if not reason.strip():
        raise AgreementRefused({"reason": [_("Please give a reason for the termination.")]})
    locked = _lock(agreement.pk)
    role = _role_of(locked, user)
    _transition(
        locked,
        to_status=Agreement.Status.TERMINATED,
        role=role,
        actor=user,
        reason=reason.strip(),
        termination_reason=reason.strip(),
        requested_end_date=None,
        extension_expires_at=None,
    )
    emails.terminated(agreement=locked, by_customer=role == Role.CUSTOMER)
    return locked


# --- MTR-2: Move-Out ----------------------------------------------------------------------------


@transaction.atomic
def agreements_end_for_move_out(*, premise: Premise, effective: date | None = None) -> int:
    """MTR-2 Decision: a Move-Out ends the leaving customer's ongoing agreements of the
    premise (Terminated, reason Move-Out), Pending invitations included. Called inside the
    TDSP transaction that detaches the customer. Returns how many ended."""
    reason = MOVE_OUT_REASON
    if effective:
        reason = f"{MOVE_OUT_REASON} ({formats.date_format(effective, 'm/d/Y')})"
    ended = 0
    candidates = Agreement.objects.filter(
        premise=premise, kind__in=ONGOING_KINDS, status__in=OPEN_STATUSES
    ).values_list("pk", flat=True)
    for pk in list(candidates):
        locked = _lock(pk)
        if locked.status not in OPEN_STATUSES:
            continue
        _transition(
            locked,
            to_status=Agreement.Status.TERMINATED,
            role=Role.TDSP,
            actor_label=TDSP_MOVE_OUT,
            reason=reason,
            termination_reason=MOVE_OUT_REASON,
            requested_end_date=None,
            extension_expires_at=None,
        )
        emails.terminated(agreement=locked, by_customer=False, move_out=True)
        ended += 1
    return ended


# --- AGR-9, AGR-14: scheduled expiries (OPS-2) -------------------------------------------------


def _pending_expired(now: datetime) -> QuerySet[Agreement]:
    """AGR-9: the invitations no longer open (`Agreement.invitation_is_open`), for the sweep."""
    return Agreement.objects.filter(status=Agreement.Status.PENDING, expires_at__lte=now)


def _extensions_expired(now: datetime) -> QuerySet[Agreement]:
    return Agreement.objects.filter(
        status=Agreement.Status.EXTENSION_PENDING, extension_expires_at__lte=now
    )


def _expire_each(
    candidates: QuerySet[Agreement],
    *,
    notify: Callable[[Agreement], None] | None = None,
    **transition: Any,
) -> int:
    """Move each of `candidates` as the system (AGR-9, AGR-14), each agreement in its own
    short transaction and re-checked under its lock (skipped when another run holds it), so
    running twice, or at once, is harmless. `notify(locked)` sends the event's emails.
    Returns how many moved."""
    moved = 0
    for pk in list(candidates.values_list("pk", flat=True)):
        with transaction.atomic():
            locked = candidates.select_for_update(skip_locked=True).filter(pk=pk).first()
            if locked is None:  # answered meanwhile, or another run holds it
                continue
            _transition(locked, role=Role.SYSTEM, **transition)
            if notify:
                notify(locked)
            moved += 1
    return moved


def agreement_expire_pending(
    *, now: datetime | None = None, dry_run: bool = False
) -> ExpirySummary:
    """AGR-9: invitations unanswered for 30 days → Not Accepted; AGR-14: extension requests
    unanswered for 30 days → Active with the old end date."""
    now = now or timezone.now()
    if dry_run:
        return ExpirySummary(
            not_accepted=_pending_expired(now).count(),
            extensions_lapsed=_extensions_expired(now).count(),
        )
    return ExpirySummary(
        not_accepted=_expire_each(
            _pending_expired(now),
            to_status=Agreement.Status.NOT_ACCEPTED,
            actor_label=SYSTEM_30_DAYS,
            reason=_("No answer within 30 days."),
            notify=lambda locked: emails.not_accepted(agreement=locked),  # AGR-9
        ),
        extensions_lapsed=_expire_each(
            _extensions_expired(now),
            to_status=Agreement.Status.ACTIVE,
            actor_label=SYSTEM_30_DAYS,
            reason=_(
                "No answer to the extension request within 30 days; the end date is unchanged."
            ),
            requested_end_date=None,
            extension_expires_at=None,
            notify=lambda locked: emails.extension_answered(agreement=locked, accepted=False),
        ),
    )


def _ended(today: date) -> QuerySet[Agreement]:
    return Agreement.objects.filter(status__in=IN_FORCE_STATUSES, end_date__lt=today)


def agreement_expire_ended(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """AGR-14: an ongoing agreement is in force through its end date (Central time) and
    Expired the day after. Safe to run twice. Returns how many expired."""
    today = chicago_date(now)
    if dry_run:
        return _ended(today).count()
    return _expire_each(
        _ended(today),
        to_status=Agreement.Status.EXPIRED,
        actor_label=SYSTEM_END_DATE,
        reason=_("The end date passed."),
        requested_end_date=None,
        extension_expires_at=None,
    )
