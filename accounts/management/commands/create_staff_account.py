"""OPS-3: create a TDSP or SMT staff account; its temporary password goes by email."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services import StaffAccountRefused, staff_account_create


class Command(BaseCommand):
    help = "Create a TDSP or SMT staff account and email it a temporary password (OPS-3)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["tdsp", "smt_staff"])
        parser.add_argument("user_id")
        parser.add_argument("--email", required=True)
        parser.add_argument("--first-name", required=True)
        parser.add_argument("--last-name", required=True)
        parser.add_argument("--tdsp", default="", help="TDSP code, e.g. oncor (TDSP accounts)")
        parser.add_argument(
            "--admin", action="store_true", help="TDSP administrator (approves companies)"
        )

    def handle(self, *args, **options):
        try:
            user = staff_account_create(
                kind=User.Kind(options["kind"]),
                user_id=options["user_id"],
                email=options["email"],
                first_name=options["first_name"],
                last_name=options["last_name"],
                tdsp_code=options["tdsp"],
                is_company_admin=options["admin"],
            )
        except StaffAccountRefused as refusal:
            raise CommandError(str(refusal)) from refusal
        self.stdout.write(
            f"Created {user.get_kind_display()} account {user.username}; "
            f"its temporary password was emailed to {user.email}."
        )
