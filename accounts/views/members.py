"""Registration choices, requests to join a company (ACC-2), and the admin pages Pending
Approval (ACC-16) and Manage Users (ACC-17)."""

from django.contrib import messages
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from smt.lib.errors import Refused, refusal_add_to_form
from smt.lib.listing import listing_build

from .. import selectors
from ..forms.members import (
    CompanySearchForm,
    JoinCompanyForm,
    MemberEditForm,
    MemberSearchForm,
    PendingDecisionForm,
    SelectAccountsForm,
)
from ..models import Company
from ..permissions import Capability, capability_required
from ..services import members as services
from ..services.members import REINSTATE, REVOKE, SUSPEND

# URL words for the two kinds of company people can join.
JOIN_KINDS = {"rep": Company.Kind.REP, "third-party": Company.Kind.THIRD_PARTY}
ROLES = {"admin": True, "user": False}


def register(request):
    """'New User Register': every way to get an account (seed 002/003 §2)."""
    return render(request, "accounts/members/register.html")


def _join_kind(kind: str) -> str:
    if kind not in JOIN_KINDS:
        raise Http404
    return JOIN_KINDS[kind]


def join_company(request, kind):
    """ACC-2 step 1: find the company by name (ACC-20 wildcards) or first letter, tick it,
    and choose Register as an Admin or as a User."""
    companies = selectors.companies_open_to_requests(kind=_join_kind(kind))
    if "role" in request.GET:
        company = companies.filter(pk=request.GET.get("company") or 0).first()
        role = request.GET["role"]
        if company and role in ROLES:
            return redirect(
                "accounts:join_company_form", kind=kind, company_pk=company.pk, role=role
            )
        messages.error(request, _("Select the company you want to join."))
    listing = listing_build(
        request,
        companies,
        form_class=CompanySearchForm,
        sort_columns={"name": "name", "city": "city"},
        default_sort="name",
    )
    return render(
        request,
        "accounts/members/join_company.html",
        {"listing": listing, "kind": kind, "kind_label": Company.Kind(JOIN_KINDS[kind]).label},
    )


@require_http_methods(["GET", "POST"])
def join_company_form(request, kind, company_pk, role):
    """ACC-2 step 2: the requester's details; the request waits for the company's admins."""
    if role not in ROLES:
        raise Http404
    company = get_object_or_404(
        selectors.companies_open_to_requests(kind=_join_kind(kind)), pk=company_pk
    )
    form = JoinCompanyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.member_request_access(
                company=company, as_admin=ROLES[role], **form.registrant_fields()
            )
        except Refused as refusal:
            refusal_add_to_form(form, refusal)
        except IntegrityError:  # the same user ID registered a moment ago
            form.add_error("user_id", _("That user ID is already taken."))
        else:
            return render(
                request, "accounts/members/join_done.html", {"company": company, "user": user}
            )
    return render(
        request,
        "accounts/members/join_form.html",
        {"form": form, "company": company, "kind": kind, "as_admin": ROLES[role]},
    )


def _report(request, outcome, done_text: str) -> None:
    if outcome.done:
        names = ", ".join(user.username for user in outcome.done)
        messages.success(request, done_text % {"names": names})
    for _user, reason in outcome.refused:
        messages.error(request, reason)


@capability_required(Capability.PENDING_APPROVAL)
@require_http_methods(["GET", "POST"])
def pending_approval(request):
    """ACC-16: the company's shared queue; Approve and Decline work on many requests,
    Edit Permissions on one."""
    admin = request.user
    queue = selectors.company_pending_requests_for_admin(admin=admin)
    form = SelectAccountsForm(
        request.POST or None, queryset=queue, actions=["approve", "decline", "edit"]
    )
    if request.method == "POST" and form.is_valid():
        accounts, action = list(form.cleaned_data["accounts"]), form.cleaned_data["action"]
        if action == "edit":
            return redirect("accounts:pending_edit", pk=accounts[0].pk)
        if action == "approve":
            outcome = services.members_approve(admin=admin, users=accounts)
            _report(request, outcome, _("Approved: %(names)s. Temporary passwords were emailed."))
        else:
            outcome = services.members_decline(
                admin=admin, users=accounts, comment=form.cleaned_data["comment"]
            )
            _report(request, outcome, _("Declined and deleted: %(names)s."))
        return redirect("accounts:pending_approval")
    return render(
        request,
        "accounts/members/pending_approval.html",
        {"form": form, "queue": queue},
    )


@capability_required(Capability.PENDING_APPROVAL)
@require_http_methods(["GET", "POST"])
def pending_edit(request, pk):
    """ACC-16 Edit Permissions for one request: DUNS, permissions, approve or decline."""
    admin = request.user
    member = selectors.company_member_get_for_admin(admin=admin, pk=pk, pending=True)
    form = PendingDecisionForm(
        request.POST or None,
        member=member,
        grantable_duns=services.company_grantable_duns(company=admin.company),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "approve":
                services.member_approve(
                    admin=admin,
                    user=member,
                    duns=list(data.get("duns") or []) or None,
                    energy_data=data.get("can_energy_data", False),
                    in_home_devices=data.get("can_in_home_devices", False),
                    comment=data["comment"],
                )
                messages.success(
                    request,
                    _("%(user_id)s is approved; a temporary password was emailed.")
                    % {"user_id": member.username},
                )
            else:
                services.member_decline(admin=admin, user=member, comment=data["comment"])
                messages.success(
                    request, _("%(user_id)s was declined.") % {"user_id": member.username}
                )
        except Refused as refusal:
            messages.error(request, str(refusal))
        return redirect("accounts:pending_approval")
    return render(request, "accounts/members/pending_edit.html", {"form": form, "member": member})


@capability_required(Capability.MANAGE_USERS)
@require_http_methods(["GET", "POST"])
def manage_users(request):
    """ACC-17 with the ACC-20 list/search pattern; bulk Suspend / Reinstate / Revoke."""
    admin = request.user
    members = selectors.company_members_for_admin(admin=admin)
    form = SelectAccountsForm(
        request.POST or None, queryset=members, actions=["edit", SUSPEND, REINSTATE, REVOKE]
    )
    if request.method == "POST":
        if form.is_valid():
            accounts, action = list(form.cleaned_data["accounts"]), form.cleaned_data["action"]
            if action == "edit":
                return redirect("accounts:user_edit", pk=accounts[0].pk)
            outcome = services.members_change_status(
                admin=admin, users=accounts, action=action, comment=form.cleaned_data["comment"]
            )
            _report(request, outcome, _("Changed: %(names)s. The owners were emailed."))
            return redirect(request.get_full_path())
        for error in form.errors.values():
            messages.error(request, error[0])
    listing = listing_build(
        request,
        members,
        form_class=MemberSearchForm,
        form_kwargs={"company": admin.company},
        sort_columns={
            "last_name": "last_name",
            "first_name": "first_name",
            "user_id": "username",
            "email": "email",
            "status": "status",
        },
        default_sort="last_name",
    )
    return render(request, "accounts/members/manage_users.html", {"listing": listing, "form": form})


@capability_required(Capability.MANAGE_USERS)
@require_http_methods(["GET", "POST"])
def user_edit(request, pk):
    """ACC-17 Edit User: DUNS, permissions, administrator role, Web Portal Access."""
    admin = request.user
    member = selectors.company_member_get_for_admin(admin=admin, pk=pk)
    if member.is_revoked:  # ACC-7: final
        messages.info(request, _("Revoked accounts cannot be changed."))
        if request.method == "POST":
            return redirect("accounts:user_edit", pk=member.pk)
        return render(request, "accounts/members/user_edit.html", {"member": member})
    form = MemberEditForm(
        request.POST or None,
        member=member,
        grantable_duns=services.company_grantable_duns(company=admin.company),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.member_update(
                admin=admin,
                user=member,
                duns=list(data["duns"]),
                energy_data=data["can_energy_data"],
                in_home_devices=data["can_in_home_devices"],
                is_company_admin=data["is_company_admin"],
                action=data["action"],
                comment=data["comment"],
            )
        except Refused as refusal:
            refusal_add_to_form(form, refusal)
        else:
            messages.success(
                request, _("%(user_id)s has been saved.") % {"user_id": member.username}
            )
            return redirect("accounts:manage_users")
    return render(request, "accounts/members/user_edit.html", {"form": form, "member": member})


urlpatterns = [
    path("register/", register, name="register"),
    path("register/join/<slug:kind>/", join_company, name="join_company"),
    path(
        "register/join/<slug:kind>/<int:company_pk>/<slug:role>/",
        join_company_form,
        name="join_company_form",
    ),
    path("my-account/pending-approval/", pending_approval, name="pending_approval"),
    path("my-account/pending-approval/<int:pk>/", pending_edit, name="pending_edit"),
    path("my-account/users/", manage_users, name="manage_users"),
    path("my-account/users/<int:pk>/", user_edit, name="user_edit"),
]
