"""A real Celery worker in a child process, for the tests that need one (marked `worker`)."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from smt.celery import app as celery_app

BASE_DIR = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 30  # seconds; a cold start takes 1-3 s, more on a busy CI machine
STOP_GRACE = 10  # seconds for a warm shutdown before the worker is killed


class CeleryWorker:
    """`celery worker` on one queue: prefork with one child, as in production.

    It runs in its own process group so that one signal reaches the main process and its
    pool child together, and all its output goes to `log_path`.
    """

    def __init__(self, *, queue: str, env: dict[str, str], log_path: Path) -> None:
        self.queue = queue
        self.nodename = f"{queue}@tests"
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self, *, email_delay: float = 0.0) -> None:
        """Start a worker and return once it answers a ping (it is consuming by then)."""
        assert self.process is None or self.process.poll() is not None, "already running"
        command = [
            *(sys.executable, "-m", "celery", "-A", "smt", "worker"),
            *("--pool=prefork", "--concurrency=1", "--loglevel=INFO"),
            *("--queues", self.queue, "--hostname", self.nodename),
            # Mingle and gossip talk to other workers; this one must stay alone (and mingle
            # would add a second of waiting at start).
            *("--without-mingle", "--without-gossip"),
        ]
        env = {**os.environ, **self.env, "SMT_TEST_EMAIL_DELAY": str(email_delay)}
        with self.log_path.open("ab") as log:
            log.write(f"\n===== {' '.join(command)}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                command,
                cwd=BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until(self._answers_ping, timeout=READY_TIMEOUT, what="the worker is ready")

    def _answers_ping(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"the worker exited with code {self.process.returncode}")
        return bool(celery_app.control.ping(destination=[self.nodename], timeout=0.5))

    def kill(self) -> None:
        """SIGKILL the whole worker at once, as a crash or the OOM killer would."""
        self._signal_group(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        """Warm shutdown (SIGTERM), then SIGKILL whatever is left of the process group."""
        if self.process is None:
            return
        self._signal_group(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=STOP_GRACE)
        # Also reaches a pool child left behind by a main process that already exited.
        self._signal_group(signal.SIGKILL)
        self.process.wait()

    def _signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):  # the whole group is gone already
            os.killpg(self.process.pid, signum)

    def log_tail(self, lines: int = 60) -> str:
        if not self.log_path.exists():
            return "(no worker output)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str) -> float:
    """Poll `condition` until it holds; return the seconds it took, fail after `timeout`."""
    started = time.monotonic()
    while not condition():
        waited = time.monotonic() - started
        if waited > timeout:
            raise AssertionError(f"gave up after {waited:.1f} s waiting until {what}")
        time.sleep(0.02)
    return time.monotonic() - started
