"""Benchmark 5 of the usage issue: the Daily Usage page under 10 concurrent clients for
30 s, against a bare Django view measured in the same run (see benchmarks/README.md).

gunicorn serves the portal on 127.0.0.1 with DEBUG off and production settings
(benchmarks/page_settings.py only adds the bare view); wrk is the load tool. A REP user
whose DUNS is the current REP of Record of 10,000 meters holds a session made here, and
both the page and the bare view are requested with its cookie, so both pay for the session
and the user like every signed-in page. Every server started here is stopped on the way out.
"""

import calendar
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VAR_DIR = ROOT / "var" / "bench-page"  # static files and the server log of this benchmark

METERS, DAYS = 10_000, 730  # the database: 10,000 meters × 2 years
TDSP_CODE, ESIID_PREFIX = "bench-page", "10998"  # apart from the other benchmarks' meters
DUNS = "999000005"  # the REP of Record of every benchmark meter
USERNAME = "bench.page.rep"
CLIENTS, SECONDS, WARM_UP_SECONDS = 10, 30, 5
PATH_COUNT = 5000  # distinct (meter, day) pages the clients cycle through
BARE_PATH = "/bench/bare/"
SERVER_START_SECONDS = 60


@dataclass
class Load:
    requests: int
    per_second: float
    p95_s: float
    errors: int  # non-200 answers and socket errors


def page_meters(*, end: date, write: Callable[..., list[int]]) -> list[str]:
    """The ESIIDs of METERS meters with DAYS days of data each up to `end`, visible to the
    benchmark user. `write` (run.synthetic_meters) runs only when the data is not all there:
    it takes several minutes."""
    from django.db import connection

    from usage.models import IntervalDay, Premise, RorPeriod

    first = end - timedelta(days=DAYS - 1)
    premises = Premise.objects.filter(tdsp__code=TDSP_CODE)
    stored = IntervalDay.objects.filter(
        premise__tdsp__code=TDSP_CODE, day__range=(first, end), is_current=True
    ).count()
    written = premises.count() != METERS or stored != METERS * DAYS
    if written:
        print(f"writing {METERS:,} meters × {DAYS} days of data …", file=sys.stderr, flush=True)
        started = time.perf_counter()
        RorPeriod.objects.filter(premise__tdsp__code=TDSP_CODE).delete()
        write(METERS, DAYS, end, tdsp_code=TDSP_CODE, esiid_prefix=ESIID_PREFIX)
        print(f"… written in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    # USG-12: a REP user sees the meters whose current REP of Record is their DUNS.
    RorPeriod.objects.bulk_create(
        RorPeriod(
            premise_id=pk,
            ror_duns=DUNS,
            reason=RorPeriod.Reason.INITIAL,
            started_on=first - timedelta(days=30),
        )
        for pk in premises.exclude(
            pk__in=RorPeriod.objects.filter(ended_on__isnull=True).values("premise")
        ).values_list("pk", flat=True)
    )
    if written:  # plan with the new rows' statistics, as autovacuum would later
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return list(premises.order_by("esiid").values_list("esiid", flat=True))


def page_user():
    """An active REP user with the benchmark DUNS granted (ACC-10)."""
    from accounts.models import Company, Duns, DunsGrant, User

    company, _ = Company.objects.get_or_create(
        name="Bench Page REP",
        kind=Company.Kind.REP,
        defaults={
            "status": Company.Status.ACTIVE,
            "address1": "100 Congress Ave",
            "city": "Austin",
            "zip_code": "78701",
            "phone": "512-555-0100",
            "email": "bench.page@example.com",
        },
    )
    duns, _ = Duns.objects.get_or_create(
        number=DUNS, defaults={"company": company, "status": Duns.Status.ACTIVE}
    )
    user, created = User.objects.get_or_create(
        username=USERNAME,
        defaults={
            "kind": User.Kind.REP,
            "status": User.Status.ACTIVE,
            "company": company,
            "email": "bench.page.rep@example.com",
            "first_name": "Bench",
            "last_name": "Rep",
        },
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    DunsGrant.objects.get_or_create(user=user, duns=duns)
    return user


@contextmanager
def signed_in_session(user, *, secret_key: str) -> Iterator[str]:
    """A session of `user` as django.contrib.auth.login() leaves it, signed with the
    server's key; yields the session cookie's value and deletes the session afterwards."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.test.utils import override_settings

    with override_settings(SECRET_KEY=secret_key):
        session = import_module(settings.SESSION_ENGINE).SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
    try:
        yield f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
    finally:
        session.delete()


def page_paths(esiids: list[str], *, end: date) -> list[str]:
    """Daily Usage pages of random meters and days, each within its calendar month's range
    (under USG-7's 40 days, so the page renders at once)."""
    from django.urls import reverse

    first = end - timedelta(days=DAYS - 1)
    rng = random.Random(5)
    paths = []
    for _ in range(PATH_COUNT):
        day = first + timedelta(days=rng.randrange(DAYS))
        start = max(day.replace(day=1), first)
        stop = min(day.replace(day=calendar.monthrange(day.year, day.month)[1]), end)
        url = reverse("usage:usage_report", args=[rng.choice(esiids)])
        paths.append(
            f"{url}?report_type=interval&view=current&start_date={start}&end_date={stop}&day={day}"
        )
    return paths


def server_environment(*, secret_key: str) -> dict[str, str]:
    """Production settings on loopback: DEBUG off, a throwaway key made for this run, no TLS
    redirect (plain HTTP on 127.0.0.1), emails to the console."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.page_settings",
        "DJANGO_ENV": "production",
        "DEBUG": "False",
        "SECRET_KEY": secret_key,
        "EMAIL_URL": "consolemail://",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "False",
        "SMT_VAR_DIR": str(VAR_DIR),
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }


@contextmanager
def gunicorn_server(env: dict[str, str]) -> Iterator[str]:
    """gunicorn on a free loopback port with 2 × cores + 1 sync workers; yields its base
    URL. The whole process group is stopped on exit, error, Ctrl+C or SIGTERM."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT, env=env, check=True, timeout=300,
    )  # fmt: skip
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    workers = 2 * (os.cpu_count() or 1) + 1
    log_path = VAR_DIR / "gunicorn.log"
    previous_sigterm = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "smt.wsgi:application",
                "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
                "--log-level", "warning", "--timeout", "60",
            ],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_serving(base, server, log_path)
        yield base
    finally:
        _stop(server)
        signal.signal(signal.SIGTERM, previous_sigterm)


def _wait_until_serving(base: str, server: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited; see {log_path}:\n{log_path.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(base + BARE_PATH, timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {SERVER_START_SECONDS} s; see {log_path}")


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=15)
    except ProcessLookupError:
        pass


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect (to the login page) is an answer to see, not to follow


def check_page(base: str, path: str, cookie: str, *, expect: str) -> None:
    """One request before the load: the page must answer 200 with `expect` in it."""
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(base + path, headers={"Cookie": cookie})
    try:
        with opener.open(request, timeout=30) as answer:
            body = answer.read().decode()
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"{path} answered {error.code}, not 200") from error
    if expect not in body:
        raise RuntimeError(f"{path} answered 200 without {expect!r}")


# wrk's Lua: the threads cycle through the paths from different offsets, count every answer
# that is not 200, and done() prints one line the benchmark reads.
WRK_SCRIPT = """
local paths = {%(paths)s}
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("offset", #threads * 997)
end
function init(args)
  position = offset
  bad = 0
  wrk.headers["Cookie"] = "%(cookie)s"
end
function request()
  position = position %% #paths + 1
  return wrk.format("GET", paths[position])
end
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
function done(summary, latency, requests)
  local bad_total = 0
  for _, thread in ipairs(threads) do bad_total = bad_total + thread:get("bad") end
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(95), bad_total + e.connect + e.read + e.write + e.timeout))
end
"""


def wrk_load(base: str, paths: list[str], cookie: str, *, seconds: int) -> Load:
    """CLIENTS connections on 2 threads for `seconds`, through wrk."""
    quoted = ",".join(f'"{p}"' for p in paths)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % {"paths": quoted, "cookie": cookie})
    try:
        answer = subprocess.run(
            ["wrk", "-t2", f"-c{CLIENTS}", f"-d{seconds}s", "--timeout", "10s",
             "-s", script.name, base],
            capture_output=True, text=True, check=True, timeout=seconds + 60,
        )  # fmt: skip
    finally:
        os.unlink(script.name)
    line = next(ln for ln in answer.stdout.splitlines() if ln.startswith("RESULT "))
    requests, duration_us, p95_us, errors = (int(v) for v in line.split()[1:])
    return Load(requests, requests / (duration_us / 1e6), p95_us / 1e6, errors)


def page_and_bare_load(esiids: list[str], *, end: date, user) -> tuple[Load, Load]:
    """Warm both up, then load the bare view and the Daily Usage page in turn."""
    secret_key = secrets.token_urlsafe(50)  # this run only
    paths = page_paths(esiids, end=end)
    env = server_environment(secret_key=secret_key)
    with signed_in_session(user, secret_key=secret_key) as cookie, gunicorn_server(env) as base:
        check_page(base, BARE_PATH, cookie, expect="ok")
        check_page(base, paths[0], cookie, expect="Daily Usage for")
        wrk_load(base, [BARE_PATH], cookie, seconds=WARM_UP_SECONDS)
        wrk_load(base, paths, cookie, seconds=WARM_UP_SECONDS)
        bare = wrk_load(base, [BARE_PATH], cookie, seconds=SECONDS)
        page = wrk_load(base, paths, cookie, seconds=SECONDS)
    return page, bare
