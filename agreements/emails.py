"""Which email goes out for which agreement event (NTF-1, NTF-2; seed 000 EM201–EM205).

EM201 invitation, EM202 invitation resent, EM203 accepted (customer), EM204 report ready
(3rd party), EM205 rejected (3rd party); plus the AGR-7 confirmation, the AGR-10 notice to the
3rd party, the AGR-9 Not Accepted notice, extension and termination notices; BEY-1 receipts
(withdrawal, new end date, expiry, a closed 3rd party) and end-date reminders. Customer emails
show the ESIID masked to its last seven digits (NTF-4). Every context is JSON (it is stored
with the email record).
"""

from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from accounts.selectors import language_for_email
from notifications.models import OutboundEmail
from notifications.services import ATTACHMENTS_KEY, send_email
from smt.lib.pdf import pdf_media_src

from . import documents
from .models import Agreement

CUSTOMER_LANGUAGE_FALLBACK = "en"
# English needs "an" before the labels said with a vowel sound ("an Ongoing Energy Data
# Agreement", seed 000); "a One-Time …", "a HAN Provision …".
KIND_ARTICLES: dict[str, str] = {Agreement.Kind.ONGOING: "an", Agreement.Kind.ONGOING_HAN: "an"}


def answer_url(token: str, *, accept: bool) -> str:
    """AGR-8: the emailed Accept / Reject link: the confirmation page `agreements:answer`
    (a GET changes nothing), with the answer to preselect."""
    action = "accept" if accept else "reject"
    path = reverse("agreements:answer", args=[token])
    return f"{settings.SITE_URL}{path}?{urlencode({'action': action})}"


def masked_esiid(esiid: str) -> str:
    """NTF-4: only the last seven digits of an ESIID appear in an email."""
    return "*" * max(len(esiid) - 7, 0) + esiid[-7:]


def email_day(value: date | datetime | None, language: str | None = None) -> str:
    """A day in the one short format of `language` (UX-3; the active language if None)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    if language is None:
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    with translation.override(language):
        return formats.date_format(value, "SHORT_DATE_FORMAT")


def email_context(agreement: Agreement, *, language: str) -> dict:
    """The agreement as the seed's emails show it, labels in the recipient's language."""
    company = agreement.company
    with translation.override(language):
        kind_label = str(Agreement.Kind(agreement.kind).label)
        report_type = (
            str(Agreement.ReportType(agreement.report_type).label) if agreement.report_type else ""
        )
        report_duration = (
            str(Agreement.ReportDuration(agreement.report_duration).label)
            if agreement.report_duration
            else ""
        )
        reason = gettext(agreement.termination_reason) if agreement.termination_reason else ""
    return {
        "agreement_number": agreement.agreement_number,
        "kind": agreement.kind,
        "kind_label": kind_label,
        "kind_article": KIND_ARTICLES.get(agreement.kind, "a"),
        "is_one_time": agreement.kind == Agreement.Kind.ONE_TIME,
        "is_han_services": agreement.is_han_services,  # AGR-17: its own wording
        "report_type": report_type,
        "report_duration": report_duration,
        "duration_months": agreement.duration_months,
        "start_date": email_day(agreement.start_date, language),
        "end_date": email_day(agreement.end_date, language),
        "requested_end_date": email_day(agreement.requested_end_date, language),
        "expires_on": email_day(agreement.expires_at, language),
        "company_name": company.name,
        "company_email": agreement.contact_email or company.email,
        "company_phone": agreement.contact_phone or company.phone,
        "contact_name": agreement.contact_name,
        "comments": agreement.comments,
        # NTF-1: the 3rd party's logo (served by accounts:company_logo), privacy seal and
        # privacy-policy link.
        "logo_url": f"{settings.SITE_URL}{company.logo_url}" if company.logo else "",
        # The PDF renderer reads the logo from the storage (smt.lib.pdf), never over HTTP;
        # this is the storage address it resolves, not one any URL serves.
        "logo_path": pdf_media_src(company.logo.name) if company.logo else "",
        "has_privacy_seal": company.has_privacy_seal,
        "privacy_policy_url": company.privacy_policy_url,
        "customer_first_name": agreement.customer_first_name,
        "customer_middle_initial": agreement.customer_middle_initial,
        "customer_last_name": agreement.customer_last_name,
        "customer_name": agreement.customer_name,
        "customer_address": (
            f"{agreement.customer_street}, {agreement.customer_city}, "
            f"{agreement.customer_state} {agreement.customer_zip_code}"
        ),
        "customer_email": agreement.customer_email,
        "customer_phone": agreement.customer_phone,
        "esiid_masked": masked_esiid(agreement.premise.esiid),
        "meter_number": agreement.meter_number,
        # A reason the portal wrote (gettext_noop) reads in the recipient's language.
        "termination_reason": reason,
        "consent_url": f"{settings.SITE_URL}{reverse('consent_overview')}",  # BEY-1
    }


def customer_language(agreement: Agreement) -> str:
    """NTF-1: the customer's language preference: their account's once registered, else the
    account's using the invited address, else the one the 3rd party gave on the request
    (AGR-3)."""
    if agreement.customer is not None:
        return agreement.customer.language
    fallback = agreement.customer_language or CUSTOMER_LANGUAGE_FALLBACK
    if not agreement.customer_email:
        return fallback
    return language_for_email(email=agreement.customer_email, default=fallback)


def third_party_language(agreement: Agreement) -> str:
    """NTF-1: a 3rd-party email goes to the agreement's contact address, in the language of
    the account using it, else of the user who initiated the agreement."""
    default = agreement.initiated_by.language
    if not agreement.contact_email:
        return default
    return language_for_email(email=agreement.contact_email, default=default)


def _to_customer(
    agreement: Agreement,
    *,
    template: str,
    event: str,
    attachments: tuple[Any, ...] = (),
    **extra: Any,
) -> OutboundEmail:
    language = customer_language(agreement)
    return send_email(
        attachments=attachments,
        to=agreement.customer_email,
        template=f"agreements/{template}",
        language=language,
        related=agreement,
        event_key=f"agreement-{agreement.pk}-{event}",
        # NTF-1: `to_customer` adds the 3rd party's privacy-policy disclaimer (emails/base).
        context={**email_context(agreement, language=language), "to_customer": True, **extra},
        secret_keys=tuple(key for key in ("accept_url", "reject_url") if key in extra),
        sandbox=agreement.premise.is_sandbox,
    )


def _to_third_party(
    agreement: Agreement, *, template: str, event: str, **extra: Any
) -> OutboundEmail:
    language = third_party_language(agreement)
    return send_email(
        to=agreement.contact_email,
        template=f"agreements/{template}",
        language=language,
        related=agreement,
        event_key=f"agreement-{agreement.pk}-{event}",
        context={**email_context(agreement, language=language), **extra},
    )


def invitation(
    *, agreement: Agreement, token: str, resent: bool = False, extension: bool = False
) -> None:
    """EM201 (EM202 when resent; the extension request of AGR-14 uses the same layout)."""
    invitation_number = agreement.invitations.count()
    _to_customer(
        agreement,
        template="invitation",
        event=f"invitation-{invitation_number}",
        resent=resent,
        extension=extension,
        accept_url=answer_url(token, accept=True),
        reject_url=answer_url(token, accept=False),
        expires_on=email_day(
            agreement.extension_expires_at if extension else agreement.expires_at,
            customer_language(agreement),
        ),
    )


def invitation_sent(*, agreement: Agreement) -> None:
    """AGR-7: the 3rd party's confirmation that the invitation went out."""
    _to_third_party(agreement, template="invitation_sent", event="invitation-sent")


ACCEPTED_EVENT = "accepted-customer"  # EM203's event: one email per agreement


def accepted(*, agreement: Agreement) -> bool:
    """EM203: the customer's confirmation of the accepted agreement, with a copy of the
    agreement as a PDF (AGR-10), in the customer's language. Run by the worker
    (`agreements.tasks.agreement_copy_send_task`), never in the accepting request: the PDF
    is rendered first and the email recorded once it exists. Once per agreement (the event
    key): a run that finds it recorded renders nothing, and the copy of a twin run that
    raced it is removed. Returns whether this run recorded the email."""
    if accepted_recorded(agreement_ids=[agreement.pk]):
        return False
    language = customer_language(agreement)
    copy = documents.agreement_copy_save(
        agreement=agreement, context=email_context(agreement, language=language), language=language
    )
    email = _to_customer(agreement, template="accepted", event=ACCEPTED_EVENT, attachments=(copy,))
    if copy.path not in [item["path"] for item in email.context.get(ATTACHMENTS_KEY, [])]:
        documents.agreement_copy_delete(copy=copy)
        return False
    return True


def accepted_recorded(*, agreement_ids: list[int]) -> set[int]:
    """Which of these agreements have their EM203 recorded (the sweep of AGR-10 copies)."""
    keys = {f"agreement-{pk}-{ACCEPTED_EVENT}": pk for pk in agreement_ids}
    found = OutboundEmail.objects.filter(event_key__in=list(keys)).values_list(
        "event_key", flat=True
    )
    return {keys[key] for key in found if key}


def accepted_notice(*, agreement: Agreement) -> None:
    """AGR-10: the 3rd party learns the customer accepted."""
    _to_third_party(agreement, template="accepted_notice", event="accepted-third-party")


def rejected(*, agreement: Agreement) -> None:
    """EM205: the 3rd party learns the customer rejected."""
    _to_third_party(agreement, template="rejected", event="rejected")


def report_ready(*, agreement: Agreement) -> None:
    """EM204: the One-Time report is in the 3rd party's Report Request Status (USG-9)."""
    request = agreement.report_request
    _to_third_party(
        agreement,
        template="report_ready",
        event="report-ready",
        order_number=request.order_number if request else "",
        report_complete=bool(request and request.status == request.Status.COMPLETE),
    )


def not_accepted(*, agreement: Agreement) -> None:
    """AGR-9: the 3rd party learns the invitation went unanswered for 30 days and the
    agreement is Not Accepted (once: the event key)."""
    _to_third_party(agreement, template="not_accepted", event="not-accepted")


def extension_answered(*, agreement: Agreement, accepted: bool) -> None:
    """AGR-14: the 3rd party learns whether the new end date was accepted; BEY-1: on
    acceptance the customer gets a receipt of the new end date (once per end date: an
    extension always moves it later)."""
    count = agreement.history.count()
    _to_third_party(
        agreement,
        template="extension_answered",
        event=f"extension-answered-{count}",
        accepted=accepted,
    )
    if accepted and agreement.end_date:
        _to_customer(
            agreement,
            template="extension_accepted",
            event=f"extension-accepted-customer-{agreement.end_date.isoformat()}",
        )


def terminated(*, agreement: Agreement, by_customer: bool, move_out: bool = False) -> None:
    """AGR-14, MTR-2: the other side learns the agreement ended, and why. BEY-1: a customer
    who ends it gets their own withdrawal receipt (`withdrawn`); either customer email has
    the event `terminated-customer`, so one per agreement."""
    if by_customer or move_out:
        _to_third_party(
            agreement,
            template="terminated",
            event="terminated-third-party",
            by_customer=by_customer,
            move_out=move_out,
        )
    if by_customer:
        _to_customer(
            agreement,
            template="withdrawn",
            event="terminated-customer",
            ended_on=email_day(agreement.status_changed_at, customer_language(agreement)),
        )
    else:
        _to_customer(
            agreement,
            template="terminated",
            event="terminated-customer",
            by_customer=by_customer,
            move_out=move_out,
        )


def expired(*, agreement: Agreement) -> None:
    """BEY-1, AGR-14: the end date passed (Expired): a receipt to the customer and a notice
    to the 3rd party, once each."""
    _to_customer(agreement, template="expired", event="expired-customer")
    _to_third_party(agreement, template="expired", event="expired-third-party")


def extension_proposal(agreement: Agreement, *, today: date) -> date | None:
    """BEY-1: the new end date the 3rd party's reminder proposes: the agreement's duration
    again after its end date, at most 12 months from `today` (AGR-14 decision)."""
    if agreement.end_date is None:
        return None
    months = agreement.duration_months or 12
    return min(agreement.end_date + relativedelta(months=months), today + relativedelta(months=12))


def _reminder_event(agreement: Agreement, days: int) -> str:
    end = agreement.end_date.isoformat() if agreement.end_date else ""
    return f"reminder-{days}-{end}"


def expiry_reminder_recorded(*, agreement: Agreement, days: int) -> bool:
    """Whether this reminder of the current end date went to the customer already."""
    key = f"agreement-{agreement.pk}-{_reminder_event(agreement, days)}-customer"
    return OutboundEmail.objects.filter(event_key=key).exists()


def expiry_reminder(*, agreement: Agreement, days: int, today: date) -> None:
    """BEY-1: the `days`-day reminder of the end date, to the customer and the 3rd party.
    The 3rd party's carries a link to its Request Extension page with a proposed end date
    filled in (a GET: it opens the form, the POST there asks the customer). Once per
    reminder and end date (an accepted extension starts a new cycle)."""
    end = agreement.end_date
    if end is None:
        return
    event = _reminder_event(agreement, days)
    days_left = (end - today).days
    _to_customer(
        agreement,
        template="expiry_reminder",
        event=f"{event}-customer",
        days=days,
        days_left=days_left,
    )
    extension_url = ""
    proposed = extension_proposal(agreement, today=today)
    pending = agreement.status == Agreement.Status.EXTENSION_PENDING
    if proposed and not pending:
        path = reverse("agreements:company_extension", args=[agreement.agreement_number])
        query = urlencode({"new_end_date": proposed.isoformat()})
        extension_url = f"{settings.SITE_URL}{path}?{query}"
    _to_third_party(
        agreement,
        template="expiry_reminder",
        event=f"{event}-third-party",
        days=days,
        days_left=days_left,
        extension_pending=pending,
        extension_url=extension_url,
        proposed_end_date=email_day(proposed, third_party_language(agreement)),
    )


def company_closed(*, agreement: Agreement, was_pending: bool) -> None:
    """BEY-1, ACC-21, ACC-8: the customer's receipt that a closed (purged or revoked) 3rd
    party's agreement ended, or its invitation was withdrawn; once per agreement."""
    _to_customer(
        agreement,
        template="company_closed",
        event="company-closed-customer",
        was_pending=was_pending,
        ended_on=email_day(agreement.status_changed_at, customer_language(agreement)),
    )
