"""Factories whose defaults build valid, active objects; traits pick the role."""

from datetime import date, timedelta

import factory
from django.utils import timezone

from accounts.models import Company, Duns, DunsGrant, Tdsp, User
from usage.models import CustomerPremise, Meter, Premise, RorPeriod

DEFAULT_PASSWORD = "Correct-Horse-42"


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    kind = Company.Kind.REP
    name = factory.Sequence(lambda n: f"Company {n}")
    status = Company.Status.ACTIVE
    address1 = "100 Congress Ave"
    city = "Austin"
    zip_code = "78701"
    phone = "512-555-0100"
    email = factory.Sequence(lambda n: f"company{n}@example.com")


class DunsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Duns

    number = factory.Sequence(lambda n: f"{100000000 + n}")
    company = factory.SubFactory(CompanyFactory)
    status = Duns.Status.ACTIVE


class TdspFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tdsp
        django_get_or_create = ["code"]

    code = "oncor"
    name = "Oncor"


class UserFactory(factory.django.DjangoModelFactory):
    """A residential customer by default; traits for every other role."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n:04d}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = "Pat"
    last_name = "Tester"
    kind = User.Kind.RESIDENTIAL
    status = User.Status.ACTIVE
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    class Params:
        rep = factory.Trait(kind=User.Kind.REP, company=factory.SubFactory(CompanyFactory))
        rep_admin = factory.Trait(
            kind=User.Kind.REP, is_company_admin=True, company=factory.SubFactory(CompanyFactory)
        )
        third_party = factory.Trait(
            kind=User.Kind.THIRD_PARTY,
            company=factory.SubFactory(CompanyFactory, kind=Company.Kind.THIRD_PARTY),
        )
        third_party_admin = factory.Trait(
            kind=User.Kind.THIRD_PARTY,
            is_company_admin=True,
            company=factory.SubFactory(CompanyFactory, kind=Company.Kind.THIRD_PARTY),
        )
        tdsp_admin = factory.Trait(
            kind=User.Kind.TDSP,
            is_company_admin=True,
            company=factory.SubFactory(CompanyFactory, kind=Company.Kind.TDSP),
        )
        business = factory.Trait(kind=User.Kind.BUSINESS, business_name="Acme Widgets LLC")
        smt_staff = factory.Trait(kind=User.Kind.SMT_STAFF, is_staff=True, is_superuser=True)

    @factory.post_generation
    def with_active_duns(user, create, extracted, **kwargs):
        """REP and 3rd-party users get an Active DUNS of their company (ACC-10)."""
        if not create:
            return
        if user.kind in {User.Kind.REP, User.Kind.THIRD_PARTY} and extracted is not False:
            duns = DunsFactory(company=user.company)
            DunsGrant.objects.create(user=user, duns=duns)
        user.save()


class PremiseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Premise

    esiid = factory.Sequence(lambda n: f"1044372{n:010d}")
    tdsp = factory.SubFactory(TdspFactory)
    house_number = "123"
    street_name = "Demo"
    street_type = "Dr"
    city = "Dallas"
    zip_code = "75201"


class MeterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meter

    premise = factory.SubFactory(PremiseFactory)
    meter_number = factory.Sequence(lambda n: f"{113000000 + n}")
    installed_on = date(2020, 1, 15)


class RorPeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RorPeriod

    premise = factory.SubFactory(PremiseFactory)
    ror_duns = factory.Sequence(lambda n: f"{200000000 + n}")
    reason = RorPeriod.Reason.INITIAL
    started_on = date(2020, 1, 15)


class CustomerPremiseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerPremise

    customer = factory.SubFactory(UserFactory)
    premise = factory.SubFactory(PremiseFactory)
    attached_at = factory.LazyFunction(timezone.now)


# --- agreements (SPEC §5) ----------------------------------------------------------------------


class AgreementFactory(factory.django.DjangoModelFactory):
    """A Pending One-Time Energy Data agreement of a 3rd-party company for a smart meter;
    traits for the ongoing kinds. Statuses other than Pending are for selector and admin
    tests: the lifecycle itself is driven through agreements.services."""

    class Meta:
        model = "agreements.Agreement"

    agreement_number = factory.Sequence(lambda n: f"010126{n:06d}")
    kind = "one_time"
    status = "pending"
    initiated_by = factory.SubFactory(UserFactory, third_party_admin=True)
    company = factory.LazyAttribute(lambda a: a.initiated_by.company)
    premise = factory.LazyAttribute(lambda a: MeterFactory().premise)
    meter_number = factory.LazyAttribute(lambda a: a.premise.meters.first().meter_number)
    customer_kind = "residential"
    customer_first_name = "Chika"
    customer_last_name = "Akin"
    customer_street = "400 N Olive Street"
    customer_city = "Sunnyville"
    customer_zip_code = "75012"
    customer_email = factory.Sequence(lambda n: f"customer{n}@example.com")
    report_type = "interval_csv"
    report_duration = "3m"
    contact_name = "James Wilson"
    contact_email = "contact@example.com"
    created_at = factory.LazyFunction(timezone.now)
    invited_at = factory.LazyAttribute(lambda a: a.created_at)
    expires_at = factory.LazyAttribute(lambda a: a.created_at + timedelta(days=30))

    class Params:
        ongoing = factory.Trait(
            kind="ongoing", report_type="", report_duration="", duration_months=6
        )
        ongoing_han = factory.Trait(
            kind="ongoing_han", report_type="", report_duration="", duration_months=6
        )
