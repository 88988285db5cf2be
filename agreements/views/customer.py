"""The customer's side of customer agreements: the emailed Accept / Reject link with its
confirmation and outcome pages (AGR-8..AGR-12, SEC-2), and My Account / 3rd Party
Agreements with View & Edit, Accept / Reject, extension answers and Terminate (AGR-14..AGR-16,
AGR-18).

The link pages work without signing in. A GET never changes anything (mail scanners fetch
links); only the POST answers, through `answers.agreement_answer`, which spends the link
once. The outcome page is reached by a redirect and reads what to say from the session, so
a reload answers nothing again. Only the POST that answered writes that session, and the
registration hand-off (AGR-12) in it lasts ANSWER_SESSION_TTL: a used or expired link shows
its problem page to anyone who posts it again, and reveals nothing (SEC-2).
"""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import formats, timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import Capability, capability_required
from agreements import selectors
from agreements.services import actions, answers, core
from smt.lib.errors import Refused
from smt.lib.listing import listing_build
from usage.views.meters import REGISTRATION_INITIAL_SESSION_KEY

from ..emails import customer_language, masked_esiid
from ..forms.customer import ACCEPT, REJECT, AnswerForm, MyAgreementSearchForm, TerminateForm
from ..models import Agreement, AgreementInvitation
from .company import SORT_COLUMNS, han_page_shown, history_rows

ANSWERED_SESSION_KEY = "agreement_answered"  # AGR-10, AGR-11: what the outcome page says
# AGR-12, SEC-2: how long the answering session keeps the registration hand-off (time to
# fill in the registration form) and counts a repeated POST of its link as a double click.
ANSWER_SESSION_TTL = timedelta(minutes=30)
LINK_NOT_VALID, LINK_EXPIRED, LINK_CHANGED = "not_valid", "expired", "changed"
LINK_ANSWERED = "answered"  # UX-3: a used link says what was answered and when
LINK_MESSAGES = {
    LINK_NOT_VALID: answers.LINK_NOT_VALID,
    LINK_EXPIRED: answers.INVITATION_EXPIRED,  # AGR-9, seed 000 business rule 8
    LINK_CHANGED: core.STATUS_CHANGED,  # AGR-9, seed 000 functional rule 14
}
# AGR-16: the columns of the 3rd party's list (AGR-2) that the customer's shows, the 3rd
# party's name, and the hidden default: newest first.
MY_SORT_COLUMNS = {
    **{key: SORT_COLUMNS[key] for key in ("kind", "number", "start", "end", "esiid", "status")},
    "company": "company__name",
    "created": "created_at",
}


# --- AGR-8..AGR-12: the emailed link ----------------------------------------------------------


def render_in(request, language: str, template: str, context: dict, status: int = 200):
    """NTF-1, UX-3: an emailed-link page speaks the customer's language preference of the
    agreement, for this response only, unless the visitor chose one: signed in (their
    profile's, set by accounts' middleware) or with the site's language switch (its cookie)."""
    chosen = request.user.is_authenticated or settings.LANGUAGE_COOKIE_NAME in request.COOKIES
    if chosen or not language:
        return render(request, template, context, status=status)
    with translation.override(language):
        response = render(request, template, context, status=status)
    response.headers["Content-Language"] = language
    return response


def _answered_text(invitation: AgreementInvitation) -> str:
    """UX-3: what this link answered and on which day, in the page's language (looked up
    when the template shows it). The customer confirmed already, so SEC-2 allows it; the
    page still names no company, agreement or meter."""
    day = formats.date_format(timezone.localtime(invitation.used_at), "SHORT_DATE_FORMAT")
    accepted = invitation.answer == AgreementInvitation.Answer.ACCEPT
    if invitation.purpose == AgreementInvitation.Purpose.EXTENSION:
        if accepted:
            return _("You accepted this extension request on %(day)s.") % {"day": day}
        return _("You rejected this extension request on %(day)s.") % {"day": day}
    if accepted:
        return _("You accepted this agreement on %(day)s.") % {"day": day}
    return _("You rejected this agreement on %(day)s.") % {"day": day}


def _expired_text(invitation: AgreementInvitation) -> str:
    day = formats.date_format(timezone.localtime(invitation.expires_at), "SHORT_DATE_FORMAT")
    return _("This invitation expired on %(day)s.") % {"day": day}


def _link_page(request, problem: str, invitation: AgreementInvitation | None = None):
    """One page per problem. An unknown or tampered link gets one page, which names no
    agreement (SEC-2) and so speaks the visitor's language; a used link says what was
    answered and when, an expired one since when, and nothing more."""
    status = 404 if problem == LINK_NOT_VALID else 200
    context: dict = {"problem": problem}
    if problem == LINK_ANSWERED and invitation is not None:
        context["text"] = lazy(_answered_text, str)(invitation)
    else:
        context["text"] = gettext_lazy(LINK_MESSAGES[problem])
    if problem == LINK_EXPIRED and invitation is not None:
        context["expired_on"] = lazy(_expired_text, str)(invitation)
    language = "" if problem == LINK_NOT_VALID else customer_language(invitation.agreement)
    return render_in(
        request, language, "agreements/customer/link_problem.html", context, status=status
    )


def _link_problem(invitation: AgreementInvitation | None, refusal: str = "") -> str:
    if invitation is None or refusal == answers.LINK_NOT_VALID:
        return LINK_NOT_VALID
    if invitation.answer and invitation.used_at:
        return LINK_ANSWERED
    refusal = refusal or answers.invitation_refusal(invitation=invitation)
    if refusal == answers.INVITATION_EXPIRED:
        return LINK_EXPIRED
    return LINK_CHANGED if refusal else ""


def _registration_initial(agreement: Agreement) -> dict:
    """AGR-12, seed 000 functional rule 15: the request's details for the registration form
    of `usage` (a plain dict under its documented session key, never in the URL)."""
    initial = {
        "first_name": agreement.customer_first_name,
        "middle_initial": agreement.customer_middle_initial,
        "last_name": agreement.customer_last_name,
        "phone": agreement.customer_phone,
        "email": agreement.customer_email,
        "email2": agreement.customer_email,
        "esiid": agreement.premise.esiid,
        "meter_number": agreement.meter_number,
    }
    if agreement.customer_kind == Agreement.CustomerKind.BUSINESS:
        initial |= {
            "business_name": agreement.customer_company_name,
            "title": agreement.customer_title,
        }
    else:
        initial["language"] = agreement.customer_language
    return {
        "agreement_number": agreement.agreement_number,
        "kind": agreement.customer_kind,
        "initial": initial,
    }


def _answered_remember(request, agreement: Agreement, *, accepted: bool, extension: bool):
    """Only for the POST that changed the agreement: the outcome page's text and, for a
    customer without an account, the registration hand-off, both until ANSWER_SESSION_TTL
    from now (a timestamp: the session stores JSON)."""
    registered = agreement.customer_id is not None or request.user.is_authenticated
    until = (timezone.now() + ANSWER_SESSION_TTL).timestamp()
    request.session[ANSWERED_SESSION_KEY] = {
        "agreement_number": agreement.agreement_number,
        "company_name": agreement.company.name,
        "kind": agreement.kind,
        "is_han_services": agreement.is_han_services,
        "accepted": accepted,
        "extension": extension,
        "registered": registered,
        "customer_kind": agreement.customer_kind,
        "language": customer_language(agreement),
        "until": until,
    }
    registration_handoff(request, agreement, registered=registered, until=until)


def registration_handoff(request, agreement: Agreement, *, registered: bool, until: float):
    """AGR-12 (and HAN-4's P2.2 page): the registration form of `usage` starts from the
    request's details until `until`, for a customer without an account; none otherwise."""
    if registered:
        request.session.pop(REGISTRATION_INITIAL_SESSION_KEY, None)
    else:
        request.session[REGISTRATION_INITIAL_SESSION_KEY] = {
            **_registration_initial(agreement),
            "expires_at": until,
        }


def _answered_here(request, agreement: Agreement) -> bool:
    """A repeated POST of the same answer (double click) by the session that answered,
    within ANSWER_SESSION_TTL: it sees the outcome again; nothing is written again."""
    outcome = request.session.get(ANSWERED_SESSION_KEY) or {}
    return (
        outcome.get("agreement_number") == agreement.agreement_number
        and outcome.get("until", 0) > timezone.now().timestamp()
    )


@require_http_methods(["GET", "POST"])
def answer(request, token):
    """AGR-8, SEC-2: the agreement and the question; `?action=accept|reject` from the email
    picks the confirmation shown. Only the POST answers (AGR-10, AGR-11, AGR-14)."""
    invitation = answers.invitation_for_token(token)
    if request.method == "POST" and invitation is not None:
        form = AnswerForm(request.POST)
        if form.is_valid():
            user = request.user if request.user.is_authenticated else None
            try:
                result = answers.agreement_answer(token=token, accept=form.accept, user=user)
            except Refused as refusal:
                invitation.refresh_from_db()
                problem = _link_problem(invitation, str(refusal))
                return _link_page(request, problem, invitation)
            if result.changed:
                extension = invitation.purpose == AgreementInvitation.Purpose.EXTENSION
                _answered_remember(
                    request, result.agreement, accepted=form.accept, extension=extension
                )
                return redirect("agreements:answered")
            if _answered_here(request, result.agreement):
                return redirect("agreements:answered")
            # SEC-2: a used link, posted again by anyone else or later, reveals nothing.
            invitation.refresh_from_db()
            return _link_page(request, _link_problem(invitation), invitation)
    problem = _link_problem(invitation)
    if problem:
        return _link_page(request, problem, invitation)
    action = request.GET.get("action")
    agreement = invitation.agreement
    context = {
        "agreement": agreement,
        "company": agreement.company,
        "invitation": invitation,
        "extension": invitation.purpose == AgreementInvitation.Purpose.EXTENSION,
        "action": action if action in (ACCEPT, REJECT) else "",
        "esiid_masked": masked_esiid(agreement.premise.esiid),
    }
    return render_in(
        request, customer_language(agreement), "agreements/customer/answer.html", context
    )


@require_GET
def answered(request):
    """AGR-10, AGR-11, AGR-12: the seed's confirmation page, with log in (registered) or
    registration (not registered) offered."""
    outcome = request.session.get(ANSWERED_SESSION_KEY)
    if not outcome:
        return redirect("home")
    outcome = {
        **outcome,
        "kind_label": Agreement.Kind(outcome["kind"]).label,
        "is_business": outcome["customer_kind"] == Agreement.CustomerKind.BUSINESS,
    }
    language = outcome.get("language", "")
    return render_in(request, language, "agreements/customer/answered.html", {"outcome": outcome})


# --- AGR-15, AGR-16, AGR-18: My Account / 3rd Party Agreements --------------------------------


@capability_required(Capability.CUSTOMER_METERS)
@require_GET
def my_agreement_list(request):
    """AGR-16 with the ACC-20 list/search pattern of the 3rd party's list (AGR-2): sortable
    columns, 25 rows a page, newest first."""
    listing = listing_build(
        request,
        selectors.agreement_list_for_customer(customer=request.user),
        form_class=MyAgreementSearchForm,
        sort_columns=MY_SORT_COLUMNS,
        default_sort="-created",
    )
    return render(request, "agreements/customer/list.html", {"listing": listing})


@capability_required(Capability.CUSTOMER_METERS)
@require_GET
def my_agreement_detail(request, agreement_number):
    """AGR-15 (customer side), AGR-18: every field, the history, the valid actions."""
    agreement = selectors.agreement_get_for_customer(
        customer=request.user, agreement_number=agreement_number
    )
    if han_page_shown(agreement):
        return redirect("han:customer_device", agreement_number=agreement_number)
    context = {
        "agreement": agreement,
        "company": agreement.company,
        "history": history_rows(agreement),
        "actions": selectors.agreement_customer_actions(agreement=agreement),
    }
    return render(request, "agreements/customer/detail.html", context)


@capability_required(Capability.CUSTOMER_METERS)
@require_POST
def my_agreement_answer(request, agreement_number):
    """AGR-16: Accept / Reject a Pending agreement or a pending extension (AGR-14)."""
    agreement = selectors.agreement_get_for_customer(
        customer=request.user, agreement_number=agreement_number
    )
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose Accept or Reject."))
        return redirect("agreements:my_agreement_detail", agreement_number)
    extension = agreement.status == Agreement.Status.EXTENSION_PENDING
    try:
        answers.agreement_answer_by_customer(
            agreement=agreement, user=request.user, accept=form.accept
        )
    except Refused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _answer_message(agreement, form.accept, extension))
    return redirect("agreements:my_agreement_detail", agreement_number)


def _answer_message(agreement: Agreement, accepted: bool, extension: bool) -> str:
    number = {"number": agreement.agreement_number}
    if extension:
        if accepted:
            return _("You accepted the new end date of agreement %(number)s.") % number
        return _("You rejected the new end date of agreement %(number)s.") % number
    if accepted:
        return _("You accepted agreement %(number)s.") % number
    return _("You rejected agreement %(number)s.") % number


@capability_required(Capability.CUSTOMER_METERS)
@require_http_methods(["GET", "POST"])
def my_agreement_terminate(request, agreement_number):
    """AGR-14, AGR-16: Terminate an agreement in force, with a reason; GET confirms."""
    agreement = selectors.agreement_get_for_customer(
        customer=request.user, agreement_number=agreement_number
    )
    if selectors.TERMINATE not in selectors.agreement_customer_actions(agreement=agreement):
        messages.error(request, _("This agreement cannot be terminated."))
        return redirect("agreements:my_agreement_detail", agreement_number)
    form = TerminateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.agreement_terminate(
                agreement=agreement, user=request.user, reason=form.cleaned_data["reason"]
            )
        except Refused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request,
                _("Agreement %(number)s has been terminated.") % {"number": agreement_number},
            )
        return redirect("agreements:my_agreement_detail", agreement_number)
    return render(
        request, "agreements/customer/terminate.html", {"agreement": agreement, "form": form}
    )
