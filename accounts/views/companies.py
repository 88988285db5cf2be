"""Company registration (ACC-1), TDSP approvals (ACC-1, ACC-9) and Company Profile editing
(ACC-15)."""

import base64

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ..forms import RegistrantForm
from ..forms.companies import (
    CompanyProfileForm,
    CompanyRegistrationForm,
    DeclineForm,
    DunsAddForm,
)
from ..models import Company, Duns
from ..permissions import Capability, capability_required
from ..services import companies as services
from ..services.companies import CompanyActionRefused, Logo

REGISTRATION_KINDS = {"rep": Company.Kind.REP, "third-party": Company.Kind.THIRD_PARTY}
SESSION_KEY = "company_registration"


def _registration_kind(kind: str) -> str:
    if kind not in REGISTRATION_KINDS:
        raise Http404
    return REGISTRATION_KINDS[kind]


def _kind_context(kind: str) -> dict:
    return {"kind": kind, "kind_label": Company.Kind(REGISTRATION_KINDS[kind]).label}


@require_http_methods(["GET", "POST"])
def company_register(request, kind):
    """ACC-1 page 1: the company. What was typed is kept in the session for page 2 and for
    coming back with Back."""
    company_kind = _registration_kind(kind)
    saved = request.session.get(SESSION_KEY, {})
    initial = saved.get("data") if saved.get("kind") == kind else None
    form = CompanyRegistrationForm(
        request.POST or None, request.FILES or None, kind=company_kind, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        logo = form.logo_upload() or _saved_logo(saved if saved.get("kind") == kind else {})
        request.session[SESSION_KEY] = {
            "kind": kind,
            "data": {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"},
            "logo": _logo_for_session(logo),
        }
        return redirect("accounts:company_register_admin", kind=kind)
    return render(
        request,
        "accounts/companies/register_company.html",
        {
            "form": form,
            "has_saved_logo": bool(initial and saved.get("logo")),
            **_kind_context(kind),
        },
    )


def _logo_for_session(logo: Logo | None) -> dict | None:
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
    saved = request.session.get(SESSION_KEY, {})
    if saved.get("kind") != kind:
        return redirect("accounts:company_register", kind=kind)
    company_form = CompanyRegistrationForm(saved["data"], kind=company_kind)
    form = RegistrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not company_form.is_valid():  # e.g. the name was taken meanwhile
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
        except IntegrityError:  # the same user ID or DUNS registered a moment ago
            form.add_error(None, _("That user ID or DUNS number was registered meanwhile."))
        else:
            del request.session[SESSION_KEY]
            return render(request, "accounts/companies/register_done.html", {"company": company})
    return render(
        request,
        "accounts/companies/register_admin.html",
        {"form": form, "company_name": saved["data"].get("name"), **_kind_context(kind)},
    )


# --- TDSP approvals --------------------------------------------------------------------------


@capability_required(Capability.TDSP_APPROVALS)
def tdsp_approvals(request):
    """ACC-1, ACC-9: companies and DUNS numbers waiting for a TDSP administrator."""
    companies = (
        Company.objects.filter(status=Company.Status.PENDING, purged_at=None)
        .prefetch_related("duns_numbers", "users")
        .order_by("created_at", "pk")
    )
    duns = (
        Duns.objects.filter(status=Duns.Status.PENDING)
        .exclude(company__status=Company.Status.PENDING)
        .select_related("company")
        .order_by("created_at", "pk")
    )
    return render(
        request,
        "accounts/companies/tdsp_approvals.html",
        {
            "companies": Paginator(companies, 25).get_page(request.GET.get("page")),
            "duns_list": duns,
            "decline_form": DeclineForm(),
        },
    )


def _tdsp_decide(request, *, approve, decline) -> None:
    """Run the approve or decline of one item, reporting the outcome as a message."""
    try:
        if "approve" in request.POST:
            messages.success(request, approve())
        else:
            form = DeclineForm(request.POST)
            if not form.is_valid():
                messages.error(request, form.errors["comment"][0])
                return
            messages.success(request, decline(form.cleaned_data["comment"]))
    except CompanyActionRefused as refusal:
        messages.info(request, str(refusal))


@capability_required(Capability.TDSP_APPROVALS)
@require_POST
def tdsp_company_decide(request, pk):
    company = Company.objects.filter(pk=pk, status=Company.Status.PENDING).first()
    if company is None:
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

    _tdsp_decide(request, approve=approve, decline=decline)
    return redirect("accounts:tdsp_approvals")


@capability_required(Capability.TDSP_APPROVALS)
@require_POST
def tdsp_duns_decide(request, pk):
    duns = Duns.objects.filter(pk=pk, status=Duns.Status.PENDING).first()
    if duns is None:
        messages.info(request, _("That DUNS number is no longer waiting for approval."))
        return redirect("accounts:tdsp_approvals")

    def approve():
        services.duns_approve(actor=request.user, duns=duns)
        return _("DUNS %(number)s is approved.") % {"number": duns.number}

    def decline(comment):
        services.duns_decline(actor=request.user, duns=duns, comment=comment)
        return _("DUNS %(number)s was declined and removed.") % {"number": duns.number}

    _tdsp_decide(request, approve=approve, decline=decline)
    return redirect("accounts:tdsp_approvals")


# --- ACC-15: Company Profile -----------------------------------------------------------------


@capability_required(Capability.COMPANY_PROFILE_EDIT)
@require_http_methods(["GET", "POST"])
def company_profile_edit(request):
    """ACC-15: admins edit every ACC-1 field of their own company, and its DUNS numbers."""
    company = request.user.company
    form = CompanyProfileForm(
        request.POST or None, request.FILES or None, instance=company, kind=company.kind
    )
    if request.method == "POST" and form.is_valid():
        services.company_update_profile(
            admin=request.user,
            changes=form.company_fields(),
            logo=form.logo_upload(),
            remove_logo=form.cleaned_data.get("remove_logo", False),
        )
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
    form = DunsAddForm(request.POST)
    if form.is_valid():
        try:
            duns = services.duns_add(admin=request.user, number=form.cleaned_data["number"])
        except (CompanyActionRefused, IntegrityError):
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
    duns = get_object_or_404(Duns, pk=pk, company=request.user.company_id)  # SEC-1
    try:
        services.duns_remove(admin=request.user, duns=duns)
    except CompanyActionRefused as refusal:
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
