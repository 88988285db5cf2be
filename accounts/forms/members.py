"""Forms for joining a company and for an admin's Pending Approval and Manage Users pages
(ACC-2, ACC-16, ACC-17); validation only."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from smt.lib.listing import ListSearchForm, SearchField

from ..models import Duns, User
from ..services.members import (
    COMMENT_REQUIRED_ACTIONS,
    REINSTATE,
    REVOKE,
    SUSPEND,
    actions_for_status,
)
from . import RegistrantForm

COMMENT_MAX = 1000

ACTION_LABELS = {
    SUSPEND: _("Suspend"),
    REINSTATE: _("Reinstate"),
    REVOKE: _("Revoke"),
}


def _comment_field(**kwargs):
    return forms.CharField(
        label=_("Comments"),
        max_length=COMMENT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        **kwargs,
    )


class CompanySearchForm(ListSearchForm):
    """ACC-2 company finder: the business name (one value or a wildcard) or a letter."""

    letter_lookup = "name"
    name = SearchField(label=_("Business name"), many=False)

    def search_q(self) -> Q:
        terms = self.cleaned_data.get("name")
        return terms.q("name") if terms else Q()


class JoinCompanyForm(RegistrantForm):
    """ACC-2: the requester's details once a company and a role are chosen."""


class MemberSearchForm(ListSearchForm):
    """ACC-17 Manage Users search (seed 003 §5.3): names, email, user ID, DUNS, status."""

    letter_lookup = "last_name"
    first_name = SearchField(label=_("First name"))
    last_name = SearchField(label=_("Last name"))
    email = SearchField(label=_("Email address"))
    user_id = SearchField(label=_("User ID"))
    duns = forms.ModelMultipleChoiceField(
        label=_("DUNS number"),
        queryset=Duns.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    status = forms.ChoiceField(label=_("Account status"), required=False, choices=())

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["duns"].queryset = company.duns_numbers.order_by("number")
        statuses = [c for c in User.Status.choices if c[0] != User.Status.PENDING]
        self.fields["status"].choices = [("", _("Any status"))] + statuses

    def search_q(self) -> Q:
        data = self.cleaned_data
        query = Q()
        lookups = {
            "first_name": "first_name",
            "last_name": "last_name",
            "email": "email",
            "user_id": "username",
        }
        for name, lookup in lookups.items():
            if data.get(name):
                query &= data[name].q(lookup)
        if data.get("duns"):
            query &= Q(duns_grants__in=data["duns"])
        if data.get("status"):
            query &= Q(status=data["status"])
        return query

    def filter(self, queryset):
        # A DUNS filter joins the grants; one row per account all the same.
        return super().filter(queryset).distinct()


class SelectAccountsForm(forms.Form):
    """A bulk action on the accounts ticked in a list (ACC-16, ACC-17)."""

    accounts = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        error_messages={"required": _("Select at least one account.")},
    )
    action = forms.ChoiceField(choices=())
    comment = _comment_field()
    single_account_actions = {"edit"}

    def __init__(self, *args, queryset, actions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["accounts"].queryset = queryset
        self.fields["action"].choices = [(a, a) for a in actions]

    def clean(self):
        data = super().clean()
        action, accounts = data.get("action"), data.get("accounts")
        if action in self.single_account_actions and accounts and len(accounts) != 1:
            self.add_error("accounts", gettext("Select exactly one account to edit."))
        if action in {*COMMENT_REQUIRED_ACTIONS, "decline"} and not data.get("comment", "").strip():
            self.add_error("comment", gettext("Enter a comment for the account owner."))
        return data


class MemberAccessForm(forms.Form):
    """Edit Permissions (ACC-16) and Edit User (ACC-17): DUNS, the two 3rd-party
    permissions, and the decision or status action with a comment."""

    duns = forms.ModelMultipleChoiceField(
        label=_("DUNS numbers"),
        queryset=Duns.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The account sees meters whose REP of Record is one of these DUNS."),
    )
    can_energy_data = forms.BooleanField(
        label=_("3rd Party – Access to Energy Data"),
        required=False,
        help_text=_("Create and manage Energy Data agreements, and see their reports."),
    )
    can_in_home_devices = forms.BooleanField(
        label=_("3rd Party – Access to In-Home Device Services"),
        required=False,
        help_text=_("Create and manage In-Home Device agreements, and add or remove devices."),
    )
    comment = _comment_field()

    def __init__(self, *args, member: User, grantable_duns, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member
        self.fields["duns"].queryset = grantable_duns
        if not self.is_bound:
            self.initial.update(
                duns=list(member.duns_grants.values_list("pk", flat=True)),
                can_energy_data=member.can_energy_data,
                can_in_home_devices=member.can_in_home_devices,
            )

    def _require_duns(self, data) -> None:
        if not data.get("duns") and not data.get("is_company_admin"):
            self.add_error("duns", gettext("Select at least one DUNS number."))


class PendingDecisionForm(MemberAccessForm):
    """ACC-16 Edit Permissions: approve with the chosen access, or decline with a comment."""

    decision = forms.ChoiceField(
        label=_("Access to SMT Portal"),
        choices=[("", _("Select")), ("approve", _("Approve")), ("decline", _("Decline"))],
    )
    field_order = ["duns", "can_energy_data", "can_in_home_devices", "decision", "comment"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            # Seed 003 §5.2: a request approved as is gets every DUNS.
            self.initial["duns"] = list(self.fields["duns"].queryset.values_list("pk", flat=True))
        if self.member.is_company_admin:
            self._drop_permission_fields()

    def _drop_permission_fields(self) -> None:
        # Admins have every function of their company type and every DUNS (ACC-19).
        for name in ("duns", "can_energy_data", "can_in_home_devices"):
            del self.fields[name]

    def clean(self):
        data = super().clean()
        if data.get("decision") == "approve" and "duns" in self.fields:
            self._require_duns(data)
        if data.get("decision") == "decline" and not data.get("comment", "").strip():
            self.add_error("comment", gettext("Enter a comment saying why you decline."))
        return data


class MemberEditForm(MemberAccessForm):
    """ACC-17 Edit User, including the administrator role (ACC-18) and Web Portal Access."""

    is_company_admin = forms.BooleanField(
        label=_("Administrator"),
        required=False,
        help_text=_("A company has 1 to 4 administrators. Administrators see every DUNS."),
    )
    action = forms.ChoiceField(label=_("Web Portal Access"), required=False, choices=())
    field_order = [
        "is_company_admin",
        "duns",
        "can_energy_data",
        "can_in_home_devices",
        "action",
        "comment",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("is_company_admin", self.member.is_company_admin)
        current = _("Keep: %(status)s") % {"status": self.member.get_status_display()}
        self.fields["action"].choices = [("", current)] + [
            (action, ACTION_LABELS[action]) for action in actions_for_status(self.member.status)
        ]

    def clean(self):
        data = super().clean()
        self._require_duns(data)
        if data.get("action") in COMMENT_REQUIRED_ACTIONS and not data.get("comment", "").strip():
            self.add_error("comment", gettext("Enter a comment for the account owner."))
        return data
