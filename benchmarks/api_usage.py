"""Benchmark 6: one meter-year of 15-minute usage as JSON through the 3rd-party API (API-2),
vs plain SQL fetching the same data (see benchmarks/README.md, `api`).

    .venv/bin/python benchmarks/api_usage.py                # SQLite: var/bench-api.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_api \\
        .venv/bin/python benchmarks/api_usage.py
    DATABASE_URL=postgres://… .venv/bin/python benchmarks/run.py --only api

Ours: `GET /tp-api/v1/meters/{esiid}/intervals?start=…&end=…` for 365 days, with a real
personal token, through the whole Django stack in process (middleware, the token and its
limits, the view, the JSON renderer; DEBUG off), to the response's bytes. The reference (the
target's): the same ~35,000 intervals fetched by plain SQL, one row each, as the `export`
benchmark's reference. For information: the 365 stored day rows fetched as they are.

The script makes (or reuses) one meter of its own TDSP with a year of data ending two days
ago, a 3rd-party company whose admin holds an Active Ongoing Energy Data agreement for it
(AGR-14), and a new personal token of that admin. Nothing here runs in the test suite.
"""

import os
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smt.settings")

TDSP_CODE, ESIID = "bench-api", "10995000000000001"  # apart from the other benchmarks' meters
USERNAME, DUNS, COMPANY = "bench.api.admin", "999000006", "Bench API 3rd party"
DAYS = 365
TARGET = 3.0  # ours ≤ 3× the reference
RUNS = 5

# The intervals one row each: SQLite splits the day's text with json_each.
SQLITE_INTERVAL_ROWS_SQL = (
    "SELECT p.esiid, d.day, d.version, r.key + 1, r.value, substr(d.quality, r.key + 1, 1) "
    "FROM usage_intervalday d JOIN usage_premise p ON p.id = d.premise_id, "
    "json_each('[\"' || replace(d.readings, ',', '\",\"') || '\"]') AS r "
    "WHERE d.premise_id IN ({ids}) AND d.is_current AND d.day BETWEEN '{start}' AND '{end}' "
    "ORDER BY p.esiid, d.day, r.key"
)
DAY_ROWS_SQL = (
    "SELECT day, channel, version, readings, quality, received_at "
    "FROM usage_intervalday WHERE premise_id = %s AND is_current AND day BETWEEN %s AND %s "
    "ORDER BY day, channel"
)


def setup_django() -> None:
    """SQLite by default, in its own file: the benchmark never writes the dev database."""
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-api.sqlite3'}")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def api_meter():
    """The benchmark's meter with DAYS days of data ending two days ago (USG-6), its 3rd
    party's admin, and the Active agreement that opens the year to them (AGR-14, USG-12)."""
    from django.utils import timezone

    from accounts.models import Company, Duns, DunsGrant, Tdsp, User
    from agreements.models import Agreement
    from usage.models import IntervalDay, Meter, Premise
    from usage.services.intervals import IntervalDayInput, interval_days_store, intervals_in_day

    today = timezone.localdate()
    end = today - timedelta(days=2)
    start = end - timedelta(days=DAYS - 1)
    tdsp, _ = Tdsp.objects.get_or_create(code=TDSP_CODE, defaults={"name": "Bench API TDSP"})
    premise, _ = Premise.objects.get_or_create(
        esiid=ESIID, defaults={"tdsp": tdsp, "street_name": "Bench", "city": "Austin",
                               "zip_code": "78701"},
    )  # fmt: skip
    Meter.objects.get_or_create(
        premise=premise, removed_on=None,
        defaults={"meter_number": "BAPI00001", "installed_on": start - timedelta(days=30)},
    )  # fmt: skip
    stored = IntervalDay.objects.filter(premise=premise, day__range=(start, end), is_current=True)
    if stored.count() != DAYS:
        items = []
        for offset in range(DAYS):
            day = start + timedelta(days=offset)
            slots = intervals_in_day(day)
            readings = tuple(
                Decimal(f"{0.1 + ((n + offset) % 40) / 100:.3f}") for n in range(slots)
            )
            items.append(IntervalDayInput(premise.pk, day, "C", readings, "A" * slots))
        interval_days_store(items)
    company, _ = Company.objects.get_or_create(
        name=COMPANY,
        defaults={"kind": Company.Kind.THIRD_PARTY, "status": Company.Status.ACTIVE,
                  "address1": "1 Bench St", "city": "Austin", "zip_code": "78701",
                  "phone": "512-555-0100", "email": "bench.api@example.com"},
    )  # fmt: skip
    duns, _ = Duns.objects.get_or_create(
        number=DUNS, defaults={"company": company, "status": Duns.Status.ACTIVE}
    )
    user, _ = User.objects.get_or_create(
        username=USERNAME,
        defaults={"kind": User.Kind.THIRD_PARTY, "is_company_admin": True, "company": company,
                  "status": User.Status.ACTIVE, "email": "bench.api.admin@example.com"},
    )  # fmt: skip
    DunsGrant.objects.get_or_create(user=user, duns=duns)
    now = timezone.now()
    Agreement.objects.update_or_create(
        company=company, premise=premise, kind=Agreement.Kind.ONGOING,
        status=Agreement.Status.ACTIVE,
        defaults={
            "agreement_number": f"{today:%m%d%y}999001", "initiated_by": user,
            "meter_number": "BAPI00001", "customer_kind": "residential",
            "customer_first_name": "Bench", "customer_last_name": "Customer",
            "customer_street": "1 Bench St", "customer_city": "Austin",
            "customer_zip_code": "78701", "customer_email": "bench.customer@example.com",
            "duration_months": 12, "start_date": start, "end_date": today + timedelta(days=30),
            "contact_name": "Bench", "contact_email": "bench.api@example.com",
            "created_at": now, "invited_at": now, "expires_at": now + timedelta(days=30),
        },
    )  # fmt: skip
    return premise, user, start, end


def token_header(user) -> dict[str, str]:
    """A new personal token of the user (its old benchmark tokens revoked: 10 at most)."""
    from accounts.models import PersonalApiToken
    from accounts.services.api_tokens import personal_token_create

    PersonalApiToken.objects.filter(user=user).delete()
    _token, raw = personal_token_create(user=user, name="benchmark")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def api_against_sql(runs: int = RUNS) -> dict[str, float]:
    """Seconds of the best of `runs`: `ours` (the API call, to its bytes), `reference` (the
    intervals one row each by plain SQL) and `day_rows` (the stored day rows by plain SQL);
    `intervals` and `bytes` describe the answer."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    from benchmarks.run import INTERVAL_ROWS_SQL, best_of

    premise, user, start, end = api_meter()
    headers = token_header(user)
    client = Client()
    url = f"/tp-api/v1/meters/{premise.esiid}/intervals"
    params = {"start": start.isoformat(), "end": end.isoformat()}
    answers = []

    def ours():
        response = client.get(url, params, **headers)
        if response.status_code != 200:
            raise SystemExit(f"The API answered {response.status_code}: {response.content[:300]}")
        answers.append(len(response.content))

    rows_sql = INTERVAL_ROWS_SQL if connection.vendor == "postgresql" else SQLITE_INTERVAL_ROWS_SQL
    interval_sql = rows_sql.format(ids=premise.pk, start=start, end=end)
    fetched = []

    def reference():
        with connection.cursor() as cursor:
            cursor.execute(interval_sql)
            fetched.append(len(cursor.fetchall()))

    def day_rows():
        with connection.cursor() as cursor:
            cursor.execute(DAY_ROWS_SQL, [premise.pk, start, end])
            cursor.fetchall()

    with override_settings(DEBUG=False):  # no query log, as in production
        ours()  # warm: caches of the day labels, the first connection
        times = {
            "ours": best_of(runs, ours),
            "reference": best_of(runs, reference),
            "day_rows": best_of(runs, day_rows),
        }
    return {**times, "intervals": fetched[-1], "bytes": answers[-1]}


def main() -> None:
    setup_django()
    from django.db import connection

    times = api_against_sql()
    ratio = times["ours"] / times["reference"]
    print(f"{connection.vendor}: 1 meter × {DAYS} days, {times['intervals']:,} intervals, "
          f"{times['bytes']:,} bytes of JSON")  # fmt: skip
    print(f"{'benchmark':<48} {'ours s':>9} {'ref s':>9} {'ratio':>7}  target  ok")
    met = "yes" if ratio <= TARGET else "NO"
    print(f"{'api: 1 meter-year JSON vs raw interval fetch':<48} {times['ours']:>9.3f} "
          f"{times['reference']:>9.3f} {ratio:>7.2f}  ≤ 3×    {met}")  # fmt: skip
    day_ratio = times["ours"] / times["day_rows"]
    print(f"{'api: 1 meter-year JSON vs raw day-row fetch':<48} {times['ours']:>9.3f} "
          f"{times['day_rows']:>9.3f} {day_ratio:>7.2f}  (info)")  # fmt: skip


if __name__ == "__main__":
    main()
