"""The one navigation definition: tabs, left menus per tab and role, "Get started" tasks.

UX-1: tabs Home | My Account | Usage | Notices | Help, a left menu per tab built from the
items the signed-in user may use (ACC-19 through `user_has_capability`). Later issues add
their pages here; an item is only listed once its page exists, and an empty tab is hidden.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accounts.models import User
from accounts.permissions import Capability, user_has_capability
from accounts.selectors import company_pending_requests_for_admin, tdsp_approvals_waiting_count
from agreements.selectors import agreement_meters_for_user, agreement_pending_acceptance_count
from usage.models import ReportRequest
from usage.services.report_requests import report_requests_for_user


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    url_name: str | None = None  # a tab with its own page; otherwise its first menu item


@dataclass(frozen=True)
class MenuItem:
    key: str
    tab: str
    label: str
    url_name: str
    capability: Capability | None = None  # None: every signed-in user
    # View names (prefixes) that belong to this item, for the active item and breadcrumbs.
    matches: tuple[str, ...] = ()

    def is_visible_to(self, user) -> bool:
        return self.capability is None or user_has_capability(user, self.capability)

    def is_active_for(self, view_name: str) -> bool:
        return view_name == self.url_name or any(view_name.startswith(m) for m in self.matches)


@dataclass(frozen=True)
class GetStartedTask:
    title: str
    text: str  # one short line
    target: str  # a MenuItem key, or the key of a Tab that has its own page
    count: Callable[[User], int] | None = None  # a live count shown beside the link
    count_label: Any = None  # ngettext_lazy(…, "count") for the count


TABS = (
    Tab("home", _("Home"), "home"),
    Tab("my_account", _("My Account")),
    Tab("usage", _("Usage")),
    Tab("notices", _("Notices"), "notices"),
    Tab("help", _("Help"), "help"),
)

# Order within a tab is the order of seed 002's menus.
MENU = (
    MenuItem(
        "my_meters",
        "my_account",
        _("My Smart Meters"),
        "usage:my_meters",
        Capability.CUSTOMER_METERS,
        matches=("usage:my_meter_",),  # a meter's own pages are the Usage tab's (My Usage)
    ),
    MenuItem(
        "who_can_see_my_data",  # BEY-1: every access to my meters, withdrawn in one step
        "my_account",
        _("Who can see my data"),
        "consent_overview",
        Capability.CUSTOMER_METERS,
        matches=("consent_",),
    ),
    MenuItem(
        "third_party_agreements",  # AGR-16
        "my_account",
        _("3rd Party Agreements"),
        "agreements:my_agreement_list",
        Capability.CUSTOMER_METERS,
        matches=("agreements:my_agreement_",),
    ),
    MenuItem(
        "han_devices",  # HAN-8 (seed 000's customer menu)
        "my_account",
        _("HAN Devices"),
        "han:customer_devices",
        Capability.CUSTOMER_METERS,
        matches=("han:customer_device",),
    ),
    MenuItem(
        "han_device_messages",  # HAN-9: the messages 3rd parties sent to my HAN devices
        "my_account",
        _("HAN Device Messages"),
        "han:messages",
        Capability.CUSTOMER_METERS,
        matches=("han:message",),
    ),
    MenuItem(
        "friends_meters",
        "my_account",
        _("My Friend's Meters"),
        "usage:friends_meters",
        Capability.CUSTOMER_METERS,
        matches=("usage:share_answer",),
    ),
    MenuItem(
        "ror_meters",
        "my_account",
        _("Customer Meters (ROR)"),
        "usage:ror_meters",
        Capability.ROR_METERS,
    ),
    MenuItem(
        "company_meters",
        "my_account",
        _("Customer Meters (3rd Party)"),
        "agreements:company_meters",
        Capability.THIRD_PARTY_ENERGY_DATA,
    ),
    MenuItem(
        "company_han_devices",  # HAN-8: Customer Meters (3rd Party) / HAN Devices (seed 002)
        "my_account",
        _("HAN Devices"),
        "han:company_devices",
        Capability.THIRD_PARTY_HAN,
        matches=("han:company_device",),
    ),
    MenuItem(
        "customer_agreements",
        "my_account",
        _("Customer Agreements"),
        "agreements:company_list",
        Capability.THIRD_PARTY_AGREEMENTS,
        matches=(
            "agreements:company_detail",
            "agreements:company_resend",
            "agreements:company_terminate",
            "agreements:company_extension",
            "agreements:company_export",
            "han:provision",  # seed 001 P1.3: My Account / Customer Agreements / Provision …
        ),
    ),
    MenuItem(
        "create_agreement",
        "my_account",
        _("Create an Agreement"),
        "agreements:company_create_choose",
        Capability.THIRD_PARTY_AGREEMENTS,
        matches=("agreements:company_create",),
    ),
    MenuItem(
        "company_han_messages",  # HAN-9 (seed 002: "Access to HAN message History")
        "my_account",
        _("HAN Device Messages"),
        "han:messages",
        Capability.THIRD_PARTY_HAN,
        matches=("han:message",),
    ),
    MenuItem(
        "webhooks",  # BEY-2: the company's webhook endpoints and their delivery log
        "my_account",
        _("Webhooks"),
        "tp_api_web:webhooks",
        Capability.THIRD_PARTY_AGREEMENTS,
        matches=("tp_api_web:",),
    ),
    MenuItem(
        "my_usage",  # USG-13, issue 15: a customer's Usage tab opens on their meters' usage
        "usage",
        _("My Usage"),
        "usage:my_usage",
        Capability.CUSTOMER_METERS,
        # Usage pages keep the Usage tab active: the reports, Download My Data and the
        # premise and meter pages of the customer's own and friends' meters.
        matches=("usage:usage_report", "usage:download_my_data", "usage:premise_information"),
    ),
    MenuItem(
        "ror_meters_usage",
        "usage",
        _("Customer Meters (ROR)"),
        "usage:ror_meters_usage",
        Capability.ROR_METERS,
        matches=("usage:premise_information", "usage:usage_report"),
    ),
    MenuItem(
        "company_meters_usage",
        "usage",
        _("Customer Meters (3rd Party)"),
        "agreements:company_meters_usage",
        Capability.THIRD_PARTY_ENERGY_DATA,
        matches=("usage:premise_information", "usage:usage_report"),
    ),
    # USG-12: TDSP staff see their utility's meters, under My Account and Usage (as ROR).
    MenuItem(
        "tdsp_meters", "my_account", _("TDSP Meters"), "usage:tdsp_meters", Capability.TDSP_METERS
    ),
    MenuItem(
        "tdsp_meters_usage",
        "usage",
        _("TDSP Meters"),
        "usage:tdsp_meters_usage",
        Capability.TDSP_METERS,
        matches=("usage:premise_information", "usage:usage_report"),
    ),
    MenuItem(
        "report_requests",
        "usage",
        _("Report Request Status"),
        "usage:report_requests",
        matches=("usage:export_reports", "usage:report_request"),
    ),
    MenuItem(
        "my_profile",
        "my_account",
        _("My Profile"),
        "accounts:profile",
        matches=("accounts:profile_", "accounts:password_change", "accounts:security_question"),
    ),
    MenuItem(
        "company_profile",
        "my_account",
        _("Company Profile"),
        "accounts:company_profile",
        Capability.COMPANY_PROFILE_VIEW,
        matches=("accounts:company_profile_",),
    ),
    MenuItem(
        "manage_users",
        "my_account",
        _("Manage Users"),
        "accounts:manage_users",
        Capability.MANAGE_USERS,
        matches=("accounts:user_edit",),
    ),
    MenuItem(
        "pending_approval",
        "my_account",
        _("Pending Approval"),
        "accounts:pending_approval",
        Capability.PENDING_APPROVAL,
        matches=("accounts:pending_edit",),
    ),
    MenuItem(
        "tdsp_approvals",
        "my_account",
        _("TDSP Approvals"),
        "accounts:tdsp_approvals",
        Capability.TDSP_APPROVALS,
        matches=("accounts:tdsp_",),
    ),
    MenuItem(
        "stale_meters",  # BEY-4: per TDSP, the meters with no data for N days
        "my_account",
        _("Meters without recent data"),
        "usage:stale_meters",
        Capability.SMT_ADMINISTRATION,
    ),
    MenuItem(
        "smt_administration",
        "my_account",
        _("SMT Administration"),
        "admin:index",
        Capability.SMT_ADMINISTRATION,
    ),
)

# --- UX-6: the home page's "Get started" tasks (seed 002) -------------------------------------
# A task is a link title, one short line and, where it helps, a live count. Each leads to a menu
# item (listed only when the user may open it) or to a tab with its own page, so a user sees
# only what their permissions open (ACC-19).


def _pending_acceptance(user) -> int:
    return agreement_pending_acceptance_count(user=user)


def _meters_with_usage(user) -> int:
    return agreement_meters_for_user(user=user).count()


def _reports_processing(user) -> int:
    return (
        report_requests_for_user(user=user).filter(status=ReportRequest.Status.PROCESSING).count()
    )


def _approvals_waiting(user) -> int:
    return tdsp_approvals_waiting_count()


def _join_requests(user) -> int:
    return company_pending_requests_for_admin(admin=user).count()


CUSTOMER_TASKS = (
    GetStartedTask(
        _("My Smart Meters"),
        _("Add a meter from your electricity bill, share one with family, or remove one."),
        "my_meters",
    ),
    GetStartedTask(
        _("3rd Party Agreements"),
        _("Answer companies that ask for your usage data or to manage your HAN devices."),
        "third_party_agreements",
        _pending_acceptance,
        ngettext_lazy("%(count)s invitation to answer", "%(count)s invitations to answer", "count"),
    ),
    GetStartedTask(
        _("Who can see my data"),
        _("See every company, device and person with access to your meters, and end any of it."),
        "who_can_see_my_data",
    ),
    GetStartedTask(
        _("My Profile"),
        _("Keep your email address, phone number and language up to date."),
        "my_profile",
    ),
)
REPORT_REQUESTS_TASK = GetStartedTask(  # REPs and 3rd parties alike
    _("Report Request Status"),
    _("Follow your report orders and download the finished files."),
    "report_requests",
    _reports_processing,
    ngettext_lazy("%(count)s report processing", "%(count)s reports processing", "count"),
)
REP_TASKS = (
    GetStartedTask(
        _("Customer Meters (ROR)"),
        _("The meters you serve as REP of Record, with their meter and premise data."),
        "ror_meters",
    ),
    GetStartedTask(
        _("Export Reports"),
        _("Choose meters in the Usage tab and order their usage as one report."),
        "ror_meters_usage",
    ),
    REPORT_REQUESTS_TASK,
)
THIRD_PARTY_TASKS = (  # seed 002, authenticated 3rd Party landing page
    GetStartedTask(
        _("Initiate Relationships"),
        _("Enter a customer's details to invite them to an agreement."),
        "create_agreement",
    ),
    GetStartedTask(
        _("View Relationships and Pending Acceptance"),
        _("Your customer agreements, with the invitations not answered yet."),
        "customer_agreements",
        _pending_acceptance,
        ngettext_lazy(
            "%(count)s agreement pending acceptance",
            "%(count)s agreements pending acceptance",
            "count",
        ),
    ),
    GetStartedTask(
        _("View Usage and Request Data"),
        _("Usage reports and exports for the meters your agreements open."),
        "company_meters_usage",
        _meters_with_usage,
        ngettext_lazy("%(count)s meter", "%(count)s meters", "count"),
    ),
    GetStartedTask(
        _("Manage HAN Services for Customers"),
        _("View and manage the HAN devices customers delegated to you."),
        "company_han_devices",
    ),
    REPORT_REQUESTS_TASK,
)
TDSP_TASKS = (
    GetStartedTask(
        _("TDSP Approvals"),
        _("Approve or decline new companies and DUNS numbers."),
        "tdsp_approvals",
        _approvals_waiting,
        ngettext_lazy("%(count)s approval waiting", "%(count)s approvals waiting", "count"),
    ),
    GetStartedTask(
        _("TDSP Meters"),  # USG-12: TDSP staff see their utility's meters
        _("Your utility's meters, with their usage, meter and premise data."),
        "tdsp_meters",
    ),
)
COMPANY_TASKS = (  # every company user; the admin items only for admins (ACC-16, ACC-17)
    GetStartedTask(
        _("Pending Approval"),
        _("Approve or decline the people asking to join your company."),
        "pending_approval",
        _join_requests,
        ngettext_lazy("%(count)s request waiting", "%(count)s requests waiting", "count"),
    ),
    GetStartedTask(
        _("Manage Users"),
        _("Your company's users: permissions, DUNS numbers, locks."),
        "manage_users",
    ),
    GetStartedTask(
        _("Company Profile"),
        _("Your company's details and DUNS numbers."),
        "company_profile",
    ),
    GetStartedTask(
        _("My Profile"),
        _("Your details, DUNS numbers and permissions."),
        "my_profile",
    ),
)
GET_STARTED = {
    "staff": (
        GetStartedTask(
            _("SMT Administration"),
            _("Manage companies, accounts, meters, emails and notices."),
            "smt_administration",
        ),
    ),
    "customer": CUSTOMER_TASKS,
    # REPs act as 3rd parties too (seed 002): their own meters first.
    "rep": (*REP_TASKS, *THIRD_PARTY_TASKS, *COMPANY_TASKS),
    "third_party": (*THIRD_PARTY_TASKS, *COMPANY_TASKS),
    "tdsp": (*TDSP_TASKS, *COMPANY_TASKS),
}

# Shown to everyone after the role's own tasks (seed 002 landing page).
COMMON_TASKS = (
    GetStartedTask(
        _("Read Notifications"),
        _("Messages about the Smart Meter Texas web site."),
        "notices",
    ),
    GetStartedTask(
        _("Get Help"),
        _("Instructions for using the web site's features."),
        "help",
    ),
)
ROLES = {User.Kind.REP: "rep", User.Kind.THIRD_PARTY: "third_party", User.Kind.TDSP: "tdsp"}


def _task_url(user, key: str) -> str | None:
    """A task leads to a menu item the user may open, or to a tab with its own page; a target
    not defined (yet) is left out."""
    item = next((i for i in MENU if i.key == key), None)
    if item is not None:
        return reverse(item.url_name) if item.is_visible_to(user) else None
    tab = next((t for t in TABS if t.key == key and t.url_name), None)
    return reverse(tab.url_name) if tab and tab.url_name else None


def home_role(user) -> str:
    if user.is_customer:
        return "customer"
    if user.is_staff:
        return "staff"
    return ROLES.get(user.kind, "company")


def get_started_tasks(user) -> list[dict]:
    """The home page's tasks for this user's role, keeping only pages they can open, each
    with its count where it has one (UX-6): one query per count shown."""
    tasks, seen = [], set()
    for task in (*GET_STARTED.get(home_role(user), COMPANY_TASKS), *COMMON_TASKS):
        url = _task_url(user, task.target)
        if not url or task.target in seen:
            continue
        seen.add(task.target)
        entry = {"title": task.title, "text": task.text, "url": url, "count_text": ""}
        if task.count is not None:
            count = task.count(user)
            entry["count"] = count
            entry["count_text"] = task.count_label % {"count": count}
        tasks.append(entry)
    return tasks


def navigation_context(request) -> dict:
    """Template context: tabs with their links, this tab's menu, the active item. Every
    page pays for it, so each capability is checked and each link reversed once. A page
    shared by roles (Premise Information) is placed under the first item this user can see;
    a tab without its own page links to its first visible item."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else ""
    visible = [item for item in MENU if item.is_visible_to(user)]
    urls: dict[str, str] = {}

    def url(url_name: str) -> str:
        if url_name not in urls:
            urls[url_name] = reverse(url_name)
        return urls[url_name]

    current_item = next((item for item in visible if item.is_active_for(view_name)), None)
    current_tab = (
        current_item.tab
        if current_item
        else next((tab.key for tab in TABS if tab.url_name == view_name), None)
    )
    tabs = []
    for tab in TABS:
        first = tab.url_name or next((i.url_name for i in visible if i.tab == tab.key), None)
        if first:
            tabs.append(
                {
                    "key": tab.key,
                    "label": tab.label,
                    "url": url(first),
                    "active": tab.key == current_tab,
                }
            )
    menu = [
        {"label": item.label, "url": url(item.url_name), "active": item == current_item}
        for item in visible
        if item.tab == current_tab
    ]
    crumbs = []
    if current_tab:
        tab_entry = next(t for t in tabs if t["key"] == current_tab)
        crumbs.append({"label": tab_entry["label"], "url": tab_entry["url"]})
    if current_item:
        crumbs.append({"label": current_item.label, "url": url(current_item.url_name)})
    return {"nav_tabs": tabs, "nav_menu": menu, "nav_crumbs": crumbs}
