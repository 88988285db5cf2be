"""The emailed Start the Pairing Process / Reject link (HAN-4; seed 001 P2.1, P2.2), without
signing in, by the AGR-8 rules (SEC-2).

A GET only shows the request and the question (mail scanners fetch links); the POST answers
through `han_answer_by_link`, which spends the link once. A used, expired or unknown link
shows only its message, nothing of the request. The outcome page is reached by a redirect
and reads what to say from the session (only the POST that answered writes it), with the
registration offer pre-filled as AGR-12 for a customer without an account.
"""

from django.shortcuts import redirect
from django.utils import formats, timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods

from agreements.emails import customer_language, masked_esiid
from agreements.services.answers import LINK_NOT_VALID
from agreements.services.core import STATUS_CHANGED
from agreements.views.customer import ANSWER_SESSION_TTL, registration_handoff, render_in
from smt.lib.errors import Refused

from ..forms import REJECT, START, PairingAnswerForm
from ..models import HanProvisionRequest
from ..services.answers import (
    PAIRING_EXPIRED,
    han_answer_by_link,
    pairing_link_for_token,
    pairing_link_refusal,
)
from ..services.core import PAIRING_START_DAYS

ANSWERED_SESSION_KEY = "han_pairing_answered"  # HAN-4: what the outcome page says
NOT_VALID, EXPIRED, CHANGED = "not_valid", "expired", "changed"
ANSWERED = "answered"  # UX-3: a used link says what was answered and when
# The agreements' link messages are plain strings; marked here so they get translated (the
# literals must stay equal to agreements.services: tests/han/test_link_pages.py checks).
LINK_MESSAGE_IDS = (
    gettext_noop(
        "This link is not valid. Please use the link in the most recent email you received "
        "from Smart Meter Texas."
    ),
    gettext_noop(
        "The invitation has expired due to a change in the agreement status. Please go to My "
        "Account / 3rd Party Agreements to review your agreements."
    ),
)


def _answered_text(link) -> str:
    """UX-3: what this link answered and on which day, in the page's language. The
    customer confirmed already (SEC-2); still nothing of the request is named."""
    day = formats.date_format(timezone.localtime(link.used_at), "SHORT_DATE_FORMAT")
    if link.answer == link.Answer.ACCEPT:
        return _("You started the pairing process on %(day)s.") % {"day": day}
    return _("You rejected this HAN device provision request on %(day)s.") % {"day": day}


def _problem_text(problem: str, link=None) -> str:
    """The message of a problem, in the language active now (the page's)."""
    if problem == ANSWERED and link is not None:
        return _answered_text(link)
    if problem == EXPIRED:
        return str(PAIRING_EXPIRED) % {"days": PAIRING_START_DAYS}
    return _(STATUS_CHANGED if problem == CHANGED else LINK_NOT_VALID)


def _problem(link, refusal: str = "") -> str:
    """Which message a link gets (`refusal`: the service's, after a refused POST), or ""
    when it may still be answered."""
    if link is None or refusal == LINK_NOT_VALID:
        return NOT_VALID
    if link.used_at and link.answer:
        return ANSWERED
    reason = pairing_link_refusal(link=link)
    if reason:
        return CHANGED if reason == STATUS_CHANGED else EXPIRED
    return CHANGED if refusal else ""


def _problem_page(request, problem: str, link=None):
    """Only the message: no company, no device, no meter (SEC-2). In the customer's language
    when the link is theirs."""
    language = customer_language(link.agreement) if link is not None else ""
    status = 404 if problem == NOT_VALID else 200
    # Looked up when the template shows it, so in the page's language.
    context = {"problem": problem, "text": lazy(_problem_text, str)(problem, link)}
    return render_in(request, language, "han/link/problem.html", context, status=status)


def _remember(request, han_request: HanProvisionRequest, *, start: bool) -> None:
    """Only for the POST that answered: the outcome page's text and, for a customer without
    an account, the registration hand-off (AGR-12), both for ANSWER_SESSION_TTL."""
    agreement = han_request.agreement
    registered = agreement.customer_id is not None or request.user.is_authenticated
    until = (timezone.now() + ANSWER_SESSION_TTL).timestamp()
    request.session[ANSWERED_SESSION_KEY] = {
        "agreement_number": agreement.agreement_number,
        "company_name": agreement.company.name,
        "company_phone": agreement.contact_phone or agreement.company.phone,
        "company_email": agreement.contact_email,
        "started": start,
        "registered": registered,
        "customer_kind": agreement.customer_kind,
        "language": customer_language(agreement),
        "until": until,
    }
    registration_handoff(request, agreement, registered=registered, until=until)


def _answered_here(request, han_request: HanProvisionRequest) -> bool:
    """A repeated POST of the same answer (double click) by the session that answered,
    within ANSWER_SESSION_TTL: it sees the outcome again; nothing is written again."""
    outcome = request.session.get(ANSWERED_SESSION_KEY) or {}
    return (
        outcome.get("agreement_number") == han_request.agreement.agreement_number
        and outcome.get("until", 0) > timezone.now().timestamp()
    )


@require_http_methods(["GET", "POST"])
def answer(request, token):
    """HAN-4, SEC-2: the request and the question; `?action=start|reject` from the email
    emphasises that answer. Only the POST answers."""
    link = pairing_link_for_token(token)
    if request.method == "POST" and link is not None:
        form = PairingAnswerForm(request.POST)
        if form.is_valid():
            user = request.user if request.user.is_authenticated else None
            try:
                result = han_answer_by_link(token=token, start=form.start, user=user)
            except Refused as refusal:
                link.refresh_from_db()
                return _problem_page(request, _problem(link, str(refusal)), link)
            if result.changed:
                _remember(request, result.request, start=form.start)
                return redirect("han:answered")
            if _answered_here(request, result.request):
                return redirect("han:answered")
            link.refresh_from_db()  # SEC-2: a used link, posted again, reveals nothing
            return _problem_page(request, _problem(link, STATUS_CHANGED), link)
    problem = _problem(link)
    if problem:
        return _problem_page(request, problem, link)
    han_request = link.agreement.han_request
    action = request.GET.get("action")
    context = {
        "han_request": han_request,
        "agreement": link.agreement,
        "company": link.agreement.company,
        "link": link,
        "esiid_masked": masked_esiid(link.agreement.premise.esiid),  # NTF-4, as the email
        "action": action if action in (START, REJECT) else START,
    }
    return render_in(request, customer_language(link.agreement), "han/link/answer.html", context)


@require_GET
def answered(request):
    """Seed 001 P2.2 (started) or the rejection page, with the registration offer (AGR-12)
    for a customer without an account who is not signed in."""
    outcome = request.session.get(ANSWERED_SESSION_KEY)
    if not outcome:
        return redirect("home")
    outcome = {**outcome, "is_business": outcome["customer_kind"] == "business"}
    return render_in(
        request, outcome.get("language", ""), "han/link/answered.html", {"outcome": outcome}
    )
