"""Demo data for a newcomer's portal (OPS-3): every role, meters, two years of 15-minute data.

Everything is created by natural key and the usage values come from a random generator
seeded per ESIID, so running the seed again creates nothing new.
"""

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from io import BytesIO

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, ImageDraw

from accounts.models import Company, Duns, DunsGrant, Tdsp, User
from accounts.services import security_answer_hash
from accounts.validators import logo_normalise
from notifications.models import Notice
from smt.demo_agreements import seed_agreements
from smt.demo_han import seed_han_messages, seed_han_requests
from smt.lib.sandbox import SANDBOX_TDSP_CODE
from usage.models import (
    Channel,
    CustomerPremise,
    DailyRead,
    IntervalDay,
    Meter,
    MonthlyUsage,
    Premise,
    RorPeriod,
    TdspMessage,
)
from usage.services.freshness import freshness_refresh
from usage.services.ingest import INTERVAL
from usage.services.intervals import (
    INTERVAL_MINUTES,
    MARKET_TZ,
    IntervalDayInput,
    interval_days_store,
    intervals_in_day,
)
from usage.tdsp.files import tdsp_file_receive

DEMO_PASSWORD = "smt-demo-2026"
DEMO_SECURITY_QUESTION = "What was the name of your first pet?"
DEMO_SECURITY_ANSWER = "sparky"
DATA_LAG_DAYS = 2  # USG-6: data is available two days after the day it covers

TDSPS = [
    ("oncor", "Oncor", "007924772", "1115 Commerce St", "Dallas", "75202"),
    ("centerpoint", "CenterPoint Energy", "957877905", "1111 Louisiana St", "Houston", "77002"),
    (
        "aep-central",
        "AEP Texas Central",
        "007923311",
        "539 N Carancahua St",
        "Corpus Christi",
        "78401",
    ),
    ("aep-north", "AEP Texas North", "007923329", "301 Cypress St", "Abilene", "79601"),
    ("tnmp", "TNMP", "007929441", "577 N Garden Ridge Blvd", "Lewisville", "75067"),
]
REP_DUNS = ("612345678", "6123456780001")
THIRD_PARTY_DUNS = "734567891"
UNREGISTERED_DUNS = "889900112"  # a REP serving meters that has not registered with SMT


@dataclass(frozen=True)
class DemoPremise:
    esiid: str
    tdsp: str
    house_number: str
    street_name: str
    street_type: str
    city: str
    zip_code: str
    size: float  # scales the household's load
    customer: str = ""
    ror_duns: str = REP_DUNS[0]
    solar: bool = False
    corrected_days: int = 0  # recent days the TDSP resent with corrections
    exchanged_meter: bool = False


PREMISES = [
    DemoPremise(
        "10443720000000001",
        "oncor",
        "4512",
        "Live Oak",
        "St",
        "Dallas",
        "75204",
        1.0,
        customer="maria.garcia",
        corrected_days=3,
    ),
    DemoPremise(
        "10443720000000002",
        "oncor",
        "718",
        "Magnolia",
        "Ave",
        "Fort Worth",
        "76104",
        1.2,
        customer="john.smith",
        solar=True,
    ),
    DemoPremise(
        "10443720000000003",
        "oncor",
        "9001",
        "Preston",
        "Rd",
        "Plano",
        "75024",
        1.6,
        customer="john.smith",
        exchanged_meter=True,
    ),
    DemoPremise(
        "10443720000000004",
        "oncor",
        "2300",
        "Ross",
        "Ave",
        "Dallas",
        "75201",
        4.5,
        customer="acme.business",
        ror_duns=REP_DUNS[1],
    ),
    DemoPremise("10443720000000005", "oncor", "155", "Elm", "St", "Denton", "76201", 0.8),
    DemoPremise(
        "1008901000000000000001",
        "centerpoint",
        "3100",
        "Westheimer",
        "Rd",
        "Houston",
        "77098",
        1.1,
        corrected_days=2,
    ),
    DemoPremise(
        "1008901000000000000002", "centerpoint", "812", "Heights", "Blvd", "Houston", "77008", 0.9
    ),
    DemoPremise(
        "1008901000000000000003",
        "centerpoint",
        "2450",
        "Bay Area",
        "Blvd",
        "Pasadena",
        "77058",
        1.4,
        ror_duns=UNREGISTERED_DUNS,
    ),
    DemoPremise(
        "1008901000000000000004",
        "centerpoint",
        "77",
        "Sugar Creek",
        "Dr",
        "Sugar Land",
        "77478",
        1.3,
    ),
    DemoPremise(
        "10032789000000001", "aep-central", "410", "Ocean", "Dr", "Corpus Christi", "78404", 1.0
    ),
    DemoPremise(
        "10204049000000001",
        "aep-north",
        "1820",
        "Pine",
        "St",
        "Abilene",
        "79601",
        0.9,
        ror_duns=UNREGISTERED_DUNS,
    ),
    DemoPremise("10400511000000001", "tnmp", "640", "Main", "St", "Lewisville", "75057", 0.7),
]


@dataclass(frozen=True)
class DemoUser:
    user_id: str
    kind: str
    first_name: str
    last_name: str
    role: str
    company: str = ""  # "rep", "third_party" or a TDSP code
    is_admin: bool = False
    language: str = "en"
    note: str = ""
    extra: dict = field(default_factory=dict)


USERS = [
    DemoUser("rep.admin", User.Kind.REP, "Rita", "Lopez", "REP admin", "rep", True),
    DemoUser("rep.user", User.Kind.REP, "Ray", "Nguyen", "REP user", "rep"),
    DemoUser(
        "tp.admin", User.Kind.THIRD_PARTY, "Tom", "Baker", "3rd-party admin", "third_party", True
    ),
    DemoUser(
        "tp.user",
        User.Kind.THIRD_PARTY,
        "Tina",
        "Cole",
        "3rd-party user",
        "third_party",
        note="Energy Data granted",
        extra={"can_energy_data": True},
    ),
    DemoUser("oncor.admin", User.Kind.TDSP, "Omar", "Reyes", "TDSP admin (Oncor)", "oncor", True),
    DemoUser(
        "smt.staff",
        User.Kind.SMT_STAFF,
        "Sam",
        "Ortiz",
        "SMT staff",
        note="/admin/",
        extra={"is_staff": True, "is_superuser": True},
    ),
    DemoUser(
        "maria.garcia",
        User.Kind.RESIDENTIAL,
        "María",
        "García",
        "Residential customer",
        language="es",
        note="Spanish",
    ),
    DemoUser(
        "john.smith",
        User.Kind.RESIDENTIAL,
        "John",
        "Smith",
        "Residential customer",
        note="2 meters, one with solar",
    ),
    DemoUser(
        "acme.business",
        User.Kind.BUSINESS,
        "Alice",
        "Martin",
        "Business customer",
        extra={"business_name": "Acme Widgets LLC"},
    ),
]


@dataclass
class SeedSummary:
    users: list[DemoUser]
    premises: int = 0
    interval_days_created: int = 0
    agreements: int = 0
    han_messages: int = 0


def _company(kind: str, name: str, **fields) -> Company:
    company, _ = Company.objects.get_or_create(
        kind=kind,
        name=name,
        defaults={"status": Company.Status.ACTIVE, "state": "TX", **fields},
    )
    return company


def _duns(company: Company, number: str) -> Duns:
    duns, _ = Duns.objects.get_or_create(
        number=number, defaults={"company": company, "status": Duns.Status.ACTIVE}
    )
    return duns


def seed_companies() -> dict[str, Company]:
    companies = {}
    for code, name, duns_number, street, city, zip_code in TDSPS:
        company = _company(
            Company.Kind.TDSP,
            name,
            address1=street,
            city=city,
            zip_code=zip_code,
            phone="888-555-0100",
            email=f"smt-admin@{code}.example.com",
        )
        _duns(company, duns_number)
        Tdsp.objects.get_or_create(code=code, defaults={"name": name, "company": company})
        companies[code] = company
    companies["rep"] = _company(
        Company.Kind.REP,
        "Lone Star Power",
        address1="500 W 2nd St",
        address2="Suite 1900",
        city="Austin",
        zip_code="78701",
        phone="512-555-0142",
        email="smt@lonestarpower.example.com",
        url="https://lonestarpower.example.com",
        privacy_policy_url="https://lonestarpower.example.com/privacy",
        has_privacy_seal=True,
    )
    for number in REP_DUNS:
        _duns(companies["rep"], number)
    companies["third_party"] = _company(
        Company.Kind.THIRD_PARTY,
        "Bright Energy Insights",
        address1="2100 Kramer Ln",
        city="Austin",
        zip_code="78758",
        phone="512-555-0177",
        email="accounts@brightenergy.example.com",
        url="https://brightenergy.example.com",
    )
    _duns(companies["third_party"], THIRD_PARTY_DUNS)
    _demo_logo(companies["third_party"], background=(24, 94, 160), mark=(250, 200, 40))
    return companies


def _demo_logo(company: Company, *, background: tuple, mark: tuple) -> None:
    """A small logo drawn here (no file to ship), stored as an uploaded one would be (ACC-1):
    the agreement pages, emails and PDF copies then show a 3rd party's logo."""
    if company.logo:
        return
    image = Image.new("RGB", (240, 80), background)
    draw = ImageDraw.Draw(image)
    draw.ellipse((16, 16, 64, 64), fill=mark)
    draw.text((80, 32), company.name, fill=(255, 255, 255))
    raw = BytesIO()
    image.save(raw, format="PNG")
    company.logo.save(f"{slugify(company.name)}.png", ContentFile(logo_normalise(raw.getvalue())))


def seed_users(companies: dict[str, Company]) -> None:
    for spec in USERS:
        company = companies.get(spec.company)
        user, created = User.objects.get_or_create(
            username=spec.user_id,
            defaults={
                "kind": spec.kind,
                "status": User.Status.ACTIVE,
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "email": f"{spec.user_id}@example.com",
                "phone": "512-555-0199",
                "company": company,
                "is_company_admin": spec.is_admin,
                "language": spec.language,
                "security_question": DEMO_SECURITY_QUESTION,
                "security_answer_hash": security_answer_hash(DEMO_SECURITY_ANSWER),
                "status_changed_at": timezone.now(),
                **spec.extra,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if company and spec.kind in {User.Kind.REP, User.Kind.THIRD_PARTY}:
            for duns in company.duns_numbers.all():
                DunsGrant.objects.get_or_create(user=user, duns=duns)


# Requests waiting in the queues, so the approval pages have something to show (ACC-1, ACC-2).
JOIN_REQUESTS = (
    ("third_party", "sam.request", "Sam", "Rivera", False),
    ("rep", "lee.request", "Lee", "Nguyen", True),
)
PENDING_COMPANY = ("Greenway Analytics", "845678912", "gina.greenway", "Gina", "Park")


def _pending_user(*, company: Company, user_id: str, first: str, last: str, admin: bool) -> None:
    user, created = User.objects.get_or_create(
        username=user_id,
        defaults={
            "kind": company.kind,
            "company": company,
            "status": User.Status.PENDING,
            "is_company_admin": admin,
            "first_name": first,
            "last_name": last,
            "email": f"{user_id}@example.com",
            "phone": "512-555-0123",
            "terms_accepted_at": timezone.now(),
            "status_changed_at": timezone.now(),
        },
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])


def seed_pending_requests(companies: dict[str, Company]) -> None:
    for company_key, user_id, first, last, admin in JOIN_REQUESTS:
        _pending_user(
            company=companies[company_key], user_id=user_id, first=first, last=last, admin=admin
        )
    name, duns_number, user_id, first, last = PENDING_COMPANY
    company = _company(
        Company.Kind.THIRD_PARTY,
        name,
        status=Company.Status.PENDING,
        address1="300 Colorado St",
        city="Austin",
        zip_code="78701",
        phone="512-555-0190",
        email="smt@greenway.example.com",
    )
    duns, _ = Duns.objects.get_or_create(
        number=duns_number, defaults={"company": company, "status": Duns.Status.PENDING}
    )
    _pending_user(company=company, user_id=user_id, first=first, last=last, admin=True)
    DunsGrant.objects.get_or_create(user=User.objects.get(username=user_id), duns=duns)


def seed_notices() -> None:
    published = datetime(2026, 1, 5, 8, 0, tzinfo=MARKET_TZ)
    Notice.objects.get_or_create(
        title="Welcome to the new Smart Meter Texas portal",
        defaults={
            "body": "The portal has a new look and works on your phone.\n\n"
            "Your user ID and password are unchanged.",
            "title_es": "Bienvenido al nuevo portal de Smart Meter Texas",
            "body_es": "El portal tiene un nuevo diseño y funciona en su teléfono.\n\n"
            "Su ID de usuario y su contraseña no cambian.",
            "published_from": published,
        },
    )
    Notice.objects.get_or_create(
        title="Planned maintenance on Sunday night",
        defaults={
            "body": "Report exports will be paused from 1:00 to 3:00 a.m. Central time. "
            "Requests made during the window are processed afterwards.",
            "title_es": "Mantenimiento programado el domingo por la noche",
            "body_es": "Las exportaciones de informes se detendrán de 01:00 a 03:00, hora del "
            "Centro. Las solicitudes hechas en ese horario se procesarán después.",
            "level": Notice.Level.WARNING,
            "for_customers": False,
            "for_third_parties": False,
            "for_tdsps": False,
            "published_from": published,
        },
    )
    # BEY-6: the public status page announces the next Sunday night's window.
    today = timezone.localdate(timezone.now(), MARKET_TZ)
    sunday = today + timedelta(days=(6 - today.weekday()) % 7 or 7)
    window = datetime(sunday.year, sunday.month, sunday.day, 1, 0, tzinfo=MARKET_TZ)
    Notice.objects.get_or_create(
        title="Scheduled maintenance: report exports paused",
        defaults={
            "body": "Report exports and On Demand Reads pause from 1:00 to 3:00 a.m. Central "
            "time; the portal stays open and queued requests run afterwards.",
            "title_es": "Mantenimiento programado: exportaciones de informes en pausa",
            "body_es": "Las exportaciones de informes y las lecturas bajo demanda se detienen de "
            "01:00 a 03:00, hora del Centro; el portal sigue abierto y las solicitudes en "
            "espera se procesan después.",
            "level": Notice.Level.WARNING,
            "for_customers": False,
            "for_reps": False,
            "for_third_parties": False,
            "for_tdsps": False,
            "for_status_page": True,
            "kind": Notice.Kind.MAINTENANCE,
            "starts_at": window,
            "ends_at": window + timedelta(hours=2),
            "published_from": published,
        },
    )


def seed_premise(spec: DemoPremise, tdsps: dict[str, Tdsp], first_day: date) -> Premise:
    premise, _ = Premise.objects.get_or_create(
        esiid=spec.esiid,
        defaults={
            "tdsp": tdsps[spec.tdsp],
            "house_number": spec.house_number,
            "street_name": spec.street_name.upper(),
            "street_type": spec.street_type.upper(),
            "city": spec.city.upper(),
            "zip_code": spec.zip_code,
            "service_voltage": "120/240",
            "meter_read_cycle": "07",
            "load_profile": "BUSNODEM_COAST_IDR"
            if spec.size > 3
            else "RESLOWR_NCENT_NIDR_NWS_NTOU",
            "rate_class": "RES" if spec.size <= 3 else "SEC",
            "ams_profile_effective_date": first_day - timedelta(days=200),
        },
    )
    install = first_day - timedelta(days=365)
    meter_fields = {
        "utility_meter_number": f"U{spec.esiid[-8:]}",
        "manufacturer": "Landis+Gyr",
        "model": "Focus AXR-SD",
        "meter_class": "200",
        "communication_technology": "RF mesh",
        "han_protocol": "ZigBee",
        "smart_energy_profile": "SEP 1.0",
        "esi_firmware_version": "4.2.1",
        "channels": 2 if spec.solar else 1,
        "dg_capable": spec.solar,
        "dg_channel": 2 if spec.solar else None,
        "remote_disconnect_capable": True,
        "phases": 3 if spec.size > 3 else 1,
        "last_test_date": install - timedelta(days=30),
    }
    base_number = f"{int(spec.esiid[-6:]) + 113000000}"
    served_from = install
    if spec.exchanged_meter:
        exchange_day = first_day + timedelta(days=300)
        Meter.objects.get_or_create(
            premise=premise,
            meter_number=f"{base_number}X",
            defaults={
                **meter_fields,
                "installed_on": install,
                "activated_on": install,
                "removed_on": exchange_day,
            },
        )
        install = exchange_day
    Meter.objects.get_or_create(
        premise=premise,
        meter_number=base_number,
        defaults={**meter_fields, "installed_on": install, "activated_on": install},
    )
    RorPeriod.objects.get_or_create(
        premise=premise,
        ended_on=None,
        defaults={
            "ror_duns": spec.ror_duns,
            "reason": RorPeriod.Reason.INITIAL,
            "started_on": served_from,
        },
    )
    if spec.customer:
        CustomerPremise.objects.get_or_create(
            premise=premise,
            detached_at=None,
            defaults={
                "customer": User.objects.get(username=spec.customer),
                "attached_at": timezone.now(),
            },
        )
    return premise


# --- usage shapes -------------------------------------------------------------------------


def _household_kw(hour: float, day: date, size: float, weekend: bool) -> float:
    """Average household demand in kW at a local hour: base load, daily peaks, seasons."""
    season = math.cos(2 * math.pi * (day.timetuple().tm_yday - 200) / 365)  # 1 in July
    cooling = max(season, 0) * 2.2 * math.exp(-((hour - 16.5) ** 2) / 12)
    heating = max(-season, 0) * 1.1 * math.exp(-((hour - 7) ** 2) / 4)
    morning = 0.6 * math.exp(-((hour - (8.5 if weekend else 7)) ** 2) / 2)
    evening = 0.9 * math.exp(-((hour - 19.5) ** 2) / 5)
    midday = 0.3 * math.exp(-((hour - 13) ** 2) / 8) if weekend else 0.0
    return size * (0.35 + cooling + heating + morning + evening + midday)


def _solar_kw(hour: float, day: date, sunny: float) -> float:
    """Rooftop panel output in kW: a daylight arc, longer and stronger in summer."""
    season = math.cos(2 * math.pi * (day.timetuple().tm_yday - 172) / 365)
    half_day = 6.2 + 1.3 * season
    if abs(hour - 13.3) >= half_day:
        return 0.0
    return (4.0 + 1.0 * season) * sunny * math.cos(math.pi / 2 * (hour - 13.3) / half_day)


def _local_hours(day: date) -> list[float]:
    """The local clock hour at the middle of each interval (the fall-back hour repeats)."""
    start = datetime.combine(day, time(), MARKET_TZ).astimezone(UTC)
    step = timedelta(minutes=INTERVAL_MINUTES)
    hours = []
    for index in range(intervals_in_day(day)):
        local = (start + step * index + step / 2).astimezone(MARKET_TZ)
        hours.append(local.hour + local.minute / 60)
    return hours


def _kwh(kw: float) -> Decimal:
    return Decimal(f"{max(kw, 0) * INTERVAL_MINUTES / 60:.3f}")


def _quality_flags(rng: random.Random, count: int) -> str:
    if rng.random() < 0.97:
        return "A" * count
    start = rng.randrange(count - 8)  # a short estimated stretch, as after a comms outage
    return "A" * start + "E" * 8 + "A" * (count - start - 8)


def day_usage(spec: DemoPremise, day: date, rng: random.Random) -> list[IntervalDayInput]:
    """One day's channels for a premise: consumption, and surplus generation with solar."""
    weekend = day.weekday() >= 5
    sunny = rng.uniform(0.25, 1.0)
    consumption, generation = [], []
    for hour in _local_hours(day):
        load = _household_kw(hour, day, spec.size, weekend) * rng.uniform(0.85, 1.15)
        solar = _solar_kw(hour, day, sunny) if spec.solar else 0.0
        consumption.append(_kwh(load - solar))
        generation.append(_kwh(solar - load))
    quality = _quality_flags(rng, len(consumption))
    days = [IntervalDayInput(0, day, Channel.CONSUMPTION, tuple(consumption), quality)]
    if spec.solar:
        days.append(IntervalDayInput(0, day, Channel.GENERATION, tuple(generation), quality))
    return days


def _corrected(item: IntervalDayInput) -> IntervalDayInput:
    """The TDSP's resend: estimated intervals replaced by actual reads a little higher."""
    readings = tuple(value + Decimal("0.012") if value else value for value in item.readings)
    return IntervalDayInput(item.premise_id, item.day, item.channel, readings, "A" * len(readings))


def seed_usage(premise: Premise, spec: DemoPremise, days: list[date]) -> int:
    """Store the days this premise does not have yet (a rerun only adds new days)."""
    stored = set(
        IntervalDay.objects.filter(
            premise=premise, channel=Channel.CONSUMPTION, day__range=(days[0], days[-1])
        ).values_list("day", flat=True)
    )
    new_days = [day for day in days if day not in stored]
    if not new_days:
        return 0
    generated = [
        IntervalDayInput(premise.pk, item.day, item.channel, item.readings, item.quality)
        for day in new_days
        # Seeded per ESIID and day: the same day always gets the same values.
        for item in day_usage(spec, day, random.Random(f"{spec.esiid}:{day}"))
    ]
    created = interval_days_store(generated).created
    corrected_days = set(days[-spec.corrected_days :]) if spec.corrected_days else set()
    interval_days_store(
        [
            _corrected(item)
            for item in generated
            if item.day in corrected_days and item.channel == Channel.CONSUMPTION
        ]
    )
    _seed_reads(premise, spec, [item for item in generated if item.channel == Channel.CONSUMPTION])
    freshness_refresh([premise.pk])  # BEY-4: the daily reads and months just stored
    return created


def _seed_reads(premise: Premise, spec: DemoPremise, consumption: list[IntervalDayInput]) -> None:
    """Daily register reads and calendar-month billing usage derived from the intervals."""
    now = timezone.now()
    previous = (
        DailyRead.objects.filter(premise=premise, day__lt=consumption[0].day)
        .order_by("-day")
        .first()
    )
    register = previous.end_read if previous else Decimal(int(spec.esiid[-4:]) * 7 + 10000)
    daily = []
    months: dict[date, list[IntervalDayInput]] = {}
    for item in consumption:
        total = sum(item.readings, Decimal("0"))
        daily.append(
            DailyRead(
                premise=premise,
                day=item.day,
                start_read=register,
                end_read=register + total,
                consumption_kwh=total,
                received_at=now,
            )
        )
        register += total
        months.setdefault(item.day.replace(day=1), []).append(item)
    DailyRead.objects.bulk_create(daily, batch_size=1000, ignore_conflicts=True)
    monthly = [
        MonthlyUsage(
            premise=premise,
            start_date=month,
            end_date=items[-1].day,
            actual_kwh=sum((sum(i.readings, Decimal("0")) for i in items), Decimal("0")),
            metered_kw=max(max(i.readings) for i in items) * 4,
            received_at=now,
        )
        for month, items in months.items()
        if items[0].day == month and (items[-1].day + timedelta(days=1)).day == 1  # whole months
    ]
    MonthlyUsage.objects.bulk_create(monthly, ignore_conflicts=True)


def seed_demo(*, days: int = 730) -> SeedSummary:
    """Create (or leave as they are) the demo companies, users, meters and usage data."""
    last_day = timezone.localdate() - timedelta(days=DATA_LAG_DAYS)
    day_list = [last_day - timedelta(days=offset) for offset in range(days - 1, -1, -1)]
    summary = SeedSummary(users=USERS)
    with transaction.atomic():
        companies = seed_companies()
        seed_users(companies)
        seed_pending_requests(companies)
        seed_notices()
        tdsps = {tdsp.code: tdsp for tdsp in Tdsp.objects.all()}
    for spec in PREMISES:
        with transaction.atomic():  # one premise at a time keeps SQLite's write lock short
            premise = seed_premise(spec, tdsps, day_list[0])
            summary.interval_days_created += seed_usage(premise, spec, day_list)
        summary.premises += 1
    with transaction.atomic():
        demo_ids = [user.user_id for user in USERS]
        users = {user.username: user for user in User.objects.filter(username__in=demo_ids)}
        summary.agreements = seed_agreements(users)
        # HAN Device agreements after the others: those are seeded only for a company with none.
        summary.agreements += seed_han_requests(users)
        # HAN device messages (HAN-9) to the devices just paired, under the Ongoing HAN
        # Services agreement seeded above.
        summary.han_messages = seed_han_messages(users)
    with transaction.atomic():
        seed_tdsp_files(last_day)
    return summary


def seed_tdsp_files(day: date) -> int:
    """BEY-6: each TDSP sends its newest day as a usage file through the TDSP API's own
    receiving service, so the status page's feeds have a file to date (the worker loads it
    and finds every row already stored). Once per TDSP and day. Returns how many files."""
    sent = 0
    for tdsp in Tdsp.objects.exclude(code=SANDBOX_TDSP_CODE):
        message_id = f"demo-usage-{day.isoformat()}"
        if TdspMessage.objects.filter(tdsp=tdsp, message_id=message_id).exists():
            continue
        rows = IntervalDay.objects.filter(
            premise__tdsp=tdsp, day=day, is_current=True, premise__is_sandbox=False
        ).select_related("premise")
        lines = [",".join(INTERVAL.header)] + [
            f"{r.premise.esiid},{r.day},{r.channel},{r.version},{r.quality},{r.readings}"
            for r in rows
        ]
        if len(lines) == 1:
            continue
        upload = SimpleUploadedFile(f"{message_id}.csv", "\n".join(lines).encode() + b"\n")
        tdsp_file_receive(tdsp=tdsp, message_id=message_id, upload=upload)
        sent += 1
    return sent
