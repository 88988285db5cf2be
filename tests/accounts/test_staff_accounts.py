"""OPS-3: TDSP and SMT staff accounts are created by a management command."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from notifications.models import OutboundEmail
from tests.factories import CompanyFactory, TdspFactory, UserFactory

pytestmark = pytest.mark.django_db


def create(*args):
    out = StringIO()
    call_command("create_staff_account", *args, stdout=out)
    return out.getvalue()


NAMES = ["--first-name", "Terry", "--last-name", "Lee"]


def test_tdsp_admin_is_created_approved_with_a_temporary_password():  # OPS-3, ACC-6
    tdsp = TdspFactory(company=CompanyFactory(kind="tdsp", name="Oncor"))
    out = create(
        "tdsp", "oncor.terry", "--email", "t@oncor.example", "--tdsp", "oncor", "--admin", *NAMES
    )
    user = User.objects.get(username="oncor.terry")
    assert (user.kind, user.status, user.company, user.is_company_admin) == (
        "tdsp",
        "approved",
        tdsp.company,
        True,
    )
    assert OutboundEmail.objects.filter(
        template="accounts/temporary_password_approved", recipient="t@oncor.example"
    ).exists()
    assert "temporary password was emailed to t@oncor.example" in out


def test_smt_staff_can_use_django_admin():  # OPS-1, OPS-3
    create("smt_staff", "ops.kim", "--email", "kim@smt.example", *NAMES)
    user = User.objects.get(username="ops.kim")
    assert user.is_staff and user.company is None


def test_unknown_tdsp_and_taken_user_id_are_clear_errors():  # OPS-3, ACC-4
    TdspFactory(company=CompanyFactory(kind="tdsp", name="Oncor"))
    with pytest.raises(CommandError, match="Unknown TDSP 'nowhere'; choose one of: oncor"):
        create("tdsp", "someone", "--email", "a@b.example", "--tdsp", "nowhere", *NAMES)
    UserFactory(username="Taken.Id")
    with pytest.raises(CommandError, match="already taken"):
        create("smt_staff", "taken.id", "--email", "a@b.example", *NAMES)
    assert not User.objects.filter(username="someone").exists()
