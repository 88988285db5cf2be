"""Company registration (ACC-1), TDSP approvals (ACC-1, ACC-9) and Company Profile editing
(ACC-15)."""

import base64

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from smt.lib.errors import Refused
from smt.lib.listing import PAGE_SIZE

from ..forms.companies import (
    CompanyAdminForm,
    CompanyProfileForm,
    CompanyRegistrationForm,
    DeclineForm,
    DunsAddForm,
)
from ..models import Company, User
from ..permissions import Capability, capability_required
from ..selectors import companies_waiting_for_tdsp, duns_waiting_for_tdsp
from ..services import companies as services
from ..services.companies import Logo

REGISTRATION_KINDS = {"rep": Company.Kind.REP, "third-party": Company.Kind.THIRD_PARTY}
SESSION_KEY = "company_registration"
DONE_SESSION_KEY = "company_registration_done"
APPROVALS_PER_PAGE = PAGE_SIZE  # ACC-20


def _registration_kind(kind: str) -> str:
    if kind not in REGISTRATION_KINDS:
        raise Http404
    return REGISTRATION_KINDS[kind]


def _kind_context(kind: str) -> dict:
    return {"kind": kind, "kind_label": Company.Kind(REGISTRATION_KINDS[kind]).label}


def _saved_registration(request, kind: str) -> dict:
    """What page 1 of this kind of registration kept in the session: `data` (the valid
    page 1 as posted) and `logo`."""
    saved = request.session.get(SESSION_KEY) or {}
    return saved if saved.get("kind") == kind else {}


@require_http_methods(["GET", "POST"])
def company_register(request, kind):
    """ACC-1 page 1: the company. What was typed is kept in the session for page 2 and for
    coming back with Back; a valid logo is kept even when another field has an error."""
    company_kind = _registration_kind(kind)
    saved = _saved_registration(request, kind)
    # Back from page 2 shows page 1 as typed, with any error that arose since (a name or
    # DUNS registered meanwhile).
    form = CompanyRegistrationForm(
        request.POST if request.method == "POST" else saved.get("data"),
        request.FILES or None,
        kind=company_kind,
        has_saved_logo=bool(saved.get("logo")),
    )
    if request.method == "POST":
        valid = form.is_valid()
        keep_saved = not form.cleaned_data.get("remove_logo")
        logo = form.logo_upload() or (_saved_logo(saved) if keep_saved else None)
        skip = ("csrfmiddlewaretoken", "logo", "remove_logo")
        data = {k: v for k, v in request.POST.items() if k not in skip}
        request.session[SESSION_KEY] = {
            "kind": kind,
            "data": data if valid else saved.get("data"),
            "logo": _logo_for_session(logo),
        }
        if valid:
            return redirect("accounts:company_register_admin", kind=kind)
        saved = request.session[SESSION_KEY]
    return render(
        request,
        "accounts/companies/register_company.html",
        {"form": form, "has_saved_logo": bool(saved.get("logo")), **_kind_context(kind)},
    )


def _logo_for_session(logo: Logo | None) -> dict | None:
    # A logo is re-encoded small (at most 300 x 150 px), so it travels in the session as
    # base64 until the registration is finished.
    if logo is None:
        return None
    return {"name": logo.name, "content": base64.b64encode(logo.content).decode()}


def _saved_logo(saved: dict) -> Logo | None:
    logo = saved.get("logo")
    return Logo(logo["name"], base64.b64decode(logo["content"])) if logo else None


@require_http_methods(["GET", "POST"])
def company_register_admin(request, kind):
    """ACC-1 page 2: the first administrator; Finish registers everything at once."""
    company_kind = _registration_kind(kind)
    saved = _saved_registration(request, kind)
    if not saved.get("data"):
        return redirect("accounts:company_register", kind=kind)
    form = CompanyAdminForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        company_form = CompanyRegistrationForm(saved["data"], kind=company_kind)
        if not company_form.is_valid():  # e.g. the name or a DUNS was taken meanwhile
            messages.error(request, _("Please check the company details again."))
            return redirect("accounts:company_register", kind=kind)
        try:
            company = services.company_register(
                kind=company_kind,
                company_fields=company_form.company_fields(),
                duns_numbers=company_form.cleaned_data["duns_numbers"],
                admin_fields=form.registrant_fields(),
                logo=_saved_logo(saved),
            )
        except IntegrityError:
            # Someone registered the same user ID, name or DUNS a moment ago: say which.
            form = CompanyAdminForm(request.POST)
            if form.is_valid():
                messages.error(request, _("Please check the company details again."))
                return redirect("accounts:company_register", kind=kind)
        else:
            del request.session[SESSION_KEY]
            request.session[DONE_SESSION_KEY] = {"kind": kind, "name": company.name}
            return redirect("accounts:company_register_done", kind=kind)
    return render(
        request,
        "accounts/companies/register_admin.html",
        {"form": form, "company_name": saved["data"].get("name"), **_kind_context(kind)},
    )


@require_GET
def company_register_done(request, kind):
    """ACC-1: the confirmation after Finish (a refresh shows it again, registers nothing)."""
    _registration_kind(kind)
    done = request.session.get(DONE_SESSION_KEY) or {}
    if done.get("kind") != kind:
        return redirect("accounts:company_register", kind=kind)
    return render(request, "accounts/companies/register_done.html", {"company_name": done["name"]})


# --- TDSP approvals --------------------------------------------------------------------------


def _pending_companies():
    """ACC-1: new companies waiting for any TDSP administrator, oldest first."""
    return (
        companies_waiting_for_tdsp()
        .prefetch_related(
            "duns_numbers",
            Prefetch(
                "users",
                queryset=User.objects.filter(is_company_admin=True).order_by("pk"),
                to_attr="first_admins",
            ),
        )
        .order_by("created_at", "pk")
    )


def _pending_duns():
    """ACC-9: DUNS numbers added by companies that are already approved."""
    return duns_waiting_for_tdsp().select_related("company").order_by("created_at", "pk")


def _approvals_page(request, *, failed: dict | None = None):
    """The TDSP Approvals page; `failed` is a decline whose comment is missing, shown as a
    field error in its row: {"kind": "company"|"duns", "pk": …, "form": DeclineForm}."""
    companies = Paginator(_pending_companies(), APPROVALS_PER_PAGE)
    duns = Paginator(_pending_duns(), APPROVALS_PER_PAGE)
    return render(
        request,
        "accounts/companies/tdsp_approvals.html",
        {
            "companies": companies.get_page(request.GET.get("page")),
            "duns_list": duns.get_page(request.GET.get("duns_page")),
            "failed": failed,
        },
    )


@capability_required(Capability.TDSP_APPROVALS)
def tdsp_approvals(request):
    """ACC-1, ACC-9: companies and DUNS numbers waiting for a TDSP administrator."""
    return _approvals_page(request)


def _tdsp_decide(request, *, kind: str, pk: int, approve, decline):
    """Approve, or decline with a comment, one waiting company or DUNS. A missing comment
    is a field error on the page; anything already decided is a message, never a 500."""
    try:
        if "approve" in request.POST:
            messages.success(request, approve())
        else:
            form = DeclineForm(request.POST)
            if not form.is_valid():
                return _approvals_page(request, failed={"kind": kind, "pk": pk, "form": form})
            messages.success(request, decline(form.cleaned_data["comment"]))
    except Refused as refusal:
        messages.info(request, str(refusal))
    return redirect("accounts:tdsp_approvals")


@capability_required(Capability.TDSP_APPROVALS)
@require_POST
def tdsp_company_decide(request, pk):
    company = Company.objects.filter(pk=pk, status=Company.Status.PENDING).first()
    if company is None:  # a second click, or another TDSP administrator was quicker
        messages.info(request, _("That company is no longer waiting for approval."))
        return redirect("accounts:tdsp_approvals")

    def approve():
        services.company_approve(actor=request.user, company=company)
        return _("%(name)s is approved; its administrator was emailed a temporary password.") % {
            "name": company.name
        }

    def decline(comment):
        services.company_decline(actor=request.user, company=company, comment=comment)
        return _("%(name)s was declined and deleted.") % {"name": company.name}

    return _tdsp_decide(request, kind="company", pk=company.pk, approve=approve, decline=decline)


@capability_required(Capability.TDSP_APPROVALS)
@require_POST
def tdsp_duns_decide(request, pk):
    duns = _pending_duns().filter(pk=pk).first()
    if duns is None:
        messages.info(request, _("That DUNS number is no longer waiting for approval."))
        return redirect("accounts:tdsp_approvals")

    def approve():
        services.duns_approve(actor=request.user, duns=duns)
        return _("DUNS %(number)s is approved.") % {"number": duns.number}

    def decline(comment):
        services.duns_decline(actor=request.user, duns=duns, comment=comment)
        return _("DUNS %(number)s was declined and removed.") % {"number": duns.number}

    return _tdsp_decide(request, kind="duns", pk=duns.pk, approve=approve, decline=decline)


# --- ACC-15: Company Profile -----------------------------------------------------------------


def _own_company(request) -> Company:
    """SEC-1: an admin only ever works on their own company."""
    if request.user.company is None:
        raise Http404
    return request.user.company


@capability_required(Capability.COMPANY_PROFILE_EDIT)
@require_http_methods(["GET", "POST"])
def company_profile_edit(request):
    """ACC-15: admins edit every ACC-1 field of their own company, and its DUNS numbers."""
    company = _own_company(request)
    form = CompanyProfileForm(
        request.POST or None, request.FILES or None, instance=company, kind=company.kind
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.company_update_profile(
                admin=request.user,
                changes=form.company_fields(),
                logo=form.logo_upload(),
                remove_logo=form.cleaned_data.get("remove_logo", False),
            )
        except IntegrityError:  # the same name was registered a moment ago
            form.add_error("name", _("A company with this name is already registered."))
        else:
            messages.success(request, _("The company profile has been saved."))
            return redirect("accounts:company_profile")
    company.refresh_from_db()  # the form may have changed the instance in memory
    return render(
        request,
        "accounts/companies/company_profile_edit.html",
        {
            "form": form,
            "company": company,
            "duns_list": company.duns_numbers.order_by("number"),
            "duns_form": DunsAddForm(),
        },
    )


@capability_required(Capability.COMPANY_PROFILE_EDIT)
@require_POST
def company_duns_add(request):
    """ACC-9: a new DUNS waits Pending for a TDSP administrator."""
    _own_company(request)
    form = DunsAddForm(request.POST)
    if form.is_valid():
        try:
            duns = services.duns_add(admin=request.user, number=form.cleaned_data["number"])
        except Refused as refusal:
            messages.error(request, str(refusal))
        except IntegrityError:  # the same number was added a moment ago
            messages.error(request, _("That DUNS number is already registered."))
        else:
            messages.success(
                request,
                _("DUNS %(number)s was added and waits for a TDSP administrator's approval.")
                % {"number": duns.number},
            )
    else:
        messages.error(request, form.errors["number"][0])
    return redirect("accounts:company_profile_edit")


@capability_required(Capability.COMPANY_PROFILE_EDIT)
@require_POST
def company_duns_remove(request, pk):
    """ACC-9: removal is immediate and removes every user's access to the DUNS."""
    duns = get_object_or_404(_own_company(request).duns_numbers, pk=pk)  # SEC-1
    try:
        services.duns_remove(admin=request.user, duns=duns)
    except Refused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("DUNS %(number)s was removed.") % {"number": duns.number})
    return redirect("accounts:company_profile_edit")


urlpatterns = [
    path("register/company/<slug:kind>/", company_register, name="company_register"),
    path(
        "register/company/<slug:kind>/administrator/",
        company_register_admin,
        name="company_register_admin",
    ),
    path(
        "register/company/<slug:kind>/done/",
        company_register_done,
        name="company_register_done",
    ),
    path("my-account/approvals/", tdsp_approvals, name="tdsp_approvals"),
    path(
        "my-account/approvals/company/<int:pk>/",
        tdsp_company_decide,
        name="tdsp_company_decide",
    ),
    path("my-account/approvals/duns/<int:pk>/", tdsp_duns_decide, name="tdsp_duns_decide"),
    path("my-account/company/edit/", company_profile_edit, name="company_profile_edit"),
    path("my-account/company/duns/", company_duns_add, name="company_profile_duns_add"),
    path(
        "my-account/company/duns/<int:pk>/remove/",
        company_duns_remove,
        name="company_profile_duns_remove",
    ),
]
