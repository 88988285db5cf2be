"""The one navigation definition: tabs, left menus per tab and role, "Get started" tasks.

UX-1: tabs Home | My Account | Usage | Notices | Help, a left menu per tab built from the
items the signed-in user may use (ACC-19 through `user_has_capability`). Later issues add
their pages here; an item is only listed once its page exists, and an empty tab is hidden.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.permissions import Capability, user_has_capability


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
    text: str
    target: str  # a MenuItem key, or the key of a Tab that has its own page


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
        matches=("usage:my_meter", "usage:premise_information", "usage:usage_report"),
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
        "smt_administration",
        "my_account",
        _("SMT Administration"),
        "admin:index",
        Capability.SMT_ADMINISTRATION,
    ),
)

GET_STARTED = {
    "staff": (
        GetStartedTask(
            _("Run the portal..."),
            _(
                "Click the My Account tab and then select SMT Administration to manage "
                "companies, accounts, meters, emails and notices."
            ),
            "smt_administration",
        ),
    ),
    "customer": (
        GetStartedTask(
            _("Add your smart meters..."),
            _(
                "Click the My Account tab and then select My Smart Meters to see the meters on "
                "your account or add another one."
            ),
            "my_meters",
        ),
        GetStartedTask(
            _("Keep your profile current..."),
            _("Click the My Account tab and then select My Profile to review your details."),
            "my_profile",
        ),
    ),
    "company": (
        GetStartedTask(
            _("Approve new users..."),
            _(
                "Click the My Account tab and then select Pending Approval to approve or "
                "decline the people who asked for access to your company."
            ),
            "pending_approval",
        ),
        GetStartedTask(
            _("Manage HAN services for customers..."),
            _(
                "Click the My Account tab and then select HAN Devices to view and manage the "
                "HAN devices you provisioned for your customers."
            ),
            "company_han_devices",
        ),
        GetStartedTask(
            _("Check your company's details..."),
            _(
                "Click the My Account tab and then select Company Profile to review your "
                "company's details and DUNS numbers."
            ),
            "company_profile",
        ),
        GetStartedTask(
            _("Keep your profile current..."),
            _(
                "Click the My Account tab and then select My Profile to review your details, "
                "DUNS numbers and permissions."
            ),
            "my_profile",
        ),
    ),
}

# Shown to everyone after the role's own tasks (seed 002 landing page).
COMMON_TASKS = (
    GetStartedTask(
        _("Read Notifications..."),
        _("Click the Notices tab to view messages related to the SMT web site."),
        "notices",
    ),
    GetStartedTask(
        _("Get Help..."),
        _(
            "Click the Help tab to get help and instructions on how to use the SMT web site "
            "features."
        ),
        "help",
    ),
)


def _task_url(user, key: str) -> str | None:
    """A task leads to a menu item the user may open, or to a tab with its own page."""
    item = next((i for i in MENU if i.key == key), None)
    if item is not None:
        return reverse(item.url_name) if item.is_visible_to(user) else None
    tab = next(t for t in TABS if t.key == key)
    return reverse(tab.url_name)


def get_started_tasks(user) -> list[dict]:
    """The home page's tasks for this user's role, keeping only pages they can open."""
    role = "customer" if user.is_customer else "staff" if user.is_staff else "company"
    tasks = []
    for task in (*GET_STARTED.get(role, ()), *COMMON_TASKS):
        url = _task_url(user, task.target)
        if url:
            tasks.append({"title": task.title, "text": task.text, "url": url})
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
