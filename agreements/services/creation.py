"""A 3rd party (or REP) asks for agreements (AGR-3..AGR-7, AGR-14, AGR-17): the checks of
the request pages and the creation of one agreement per meter, each with its invitation."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Min
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from accounts.models import Company, User
from accounts.permissions import user_has_capability
from agreements import emails
from agreements.models import (
    MAX_DURATION_MONTHS,
    MIN_DURATION_MONTHS,
    Agreement,
    AgreementInvitation,
)
from agreements.services.core import (
    ONGOING_KINDS,
    OPEN_STATUSES,
    AgreementRefused,
    agreement_number_next,
    chicago_date,
    history_record,
    invitation_issue,
    kind_capability,
)
from agreements.services.sandbox import invitation_send
from usage.models import CustomerPremise, Premise
from usage.services.meters import premise_for_meter

INVITATION_DAYS = 30  # AGR-9: an unanswered invitation becomes Not Accepted


MAX_METERS = 3  # AGR-3: up to three ESIID / meter number pairs per request


ONE_TIME_LIMIT = 3  # AGR-5: One-Time agreements per company per ESIID per rolling year


ONE_TIME_LIMIT_WINDOW = relativedelta(years=1)  # AGR-5: the rolling year


ONE_TIME_COUNTED = (Agreement.Status.PENDING, Agreement.Status.COMPLETE)  # AGR-5


# AGR-6: the seed's texts (000, UI 1.3 "Validation").
METER_NOT_VALID = gettext_lazy(
    "Your 3rd Party Agreement request cannot be completed at this time due to one of the "
    "following reasons:"
)


METER_NOT_VALID_REASONS = (
    gettext_lazy("The ESIID specified is incorrect"),
    gettext_lazy("The Meter # specified is incorrect"),
    gettext_lazy("The ESIID/Meter # pair specified is not correct"),
    gettext_lazy(
        "The customer may not have a Smart Meter yet. A meter with a digital display is not "
        "necessarily a Smart Meter. The customer should contact their REP to determine their "
        "meter type."
    ),
    gettext_lazy(
        "If the customer has recently received their Smart Meter, the meter information may "
        "not be available for access through the Smart Meter Texas portal until up to 60 days "
        "after installation of the Smart Meter"
    ),
)


def meter_not_valid_messages() -> list[str]:
    """AGR-6's message and its reasons, in the reader's language."""
    return [str(METER_NOT_VALID), *(str(reason) for reason in METER_NOT_VALID_REASONS)]


EMAIL_COMBINATION_NOT_VALID = "The ESIID/Meter #/Email combination specified is not valid"


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


def require_initiator(user: User, kind: str) -> Company:
    """AGR-3: a REP or 3rd-party user with the permission for this kind (ACC-19)."""
    company = user.company
    if (
        not user_has_capability(user, kind_capability(kind))
        or company is None
        or company.status != Company.Status.ACTIVE
    ):
        raise AgreementRefused(_("You do not have permission to create this agreement."))
    return company


def customer_fields(details: CustomerDetails) -> dict[str, str]:
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


def registered_fields(customer: User, premise: Premise) -> dict[str, Any]:
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


def current_customer(premise: Premise) -> User | None:
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
        owner = current_customer(premise) if premise else None
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
            errors[key] = meter_not_valid_messages()
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
                "day": formats.date_format(
                    chicago_date(oldest + ONE_TIME_LIMIT_WINDOW), "SHORT_DATE_FORMAT"
                ),
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
    company = require_initiator(user, kind)
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
        person = (
            registered_fields(owner, premise) if owner is not None else customer_fields(customer)
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
            **person,
            **terms,
        )
        history_record(
            agreement,
            from_status="",
            to_status=agreement.status,
            actor=user,
            actor_label="",
            reason=gettext_noop("Invitation sent."),
        )
        _invitation, token = invitation_issue(
            agreement,
            purpose=AgreementInvitation.Purpose.INVITATION,
            expires_at=agreement.expires_at,
        )
        invitation_send(agreement, token=token)  # EM201
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
    company = require_initiator(user, kind)
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
