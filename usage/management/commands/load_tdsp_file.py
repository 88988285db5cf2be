"""USG-2, OPS-3: load TDSP interval, daily-read and monthly files (docs/tdsp-files.md)."""

import gzip
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Tdsp
from smt.lib.errors import Refused
from usage.services.ingest import TdspFileReport, tdsp_file_lines, tdsp_file_load

PROGRESS_SECONDS = 0.5  # how often the progress line is redrawn


class Command(BaseCommand):
    help = (
        "Load TDSP usage files (interval, daily reads or monthly; .csv or .csv.gz). Loading a "
        "file twice changes nothing; a higher version of a day becomes current. Malformed rows "
        "are reported with their line numbers and skipped. Exits 1 when anything was skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument(
            "--tdsp", metavar="CODE", help="accept only ESIIDs served by this TDSP (e.g. oncor)"
        )
        parser.add_argument(
            "--max-errors",
            type=int,
            default=50,
            help="bad rows listed per file (default 50; 0 lists them all)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress line")

    def handle(self, *args, paths, tdsp, max_errors, no_progress, **options):
        tdsp_record = self._tdsp(tdsp)
        missing = [path for path in paths if not Path(path).is_file()]
        if missing:
            raise CommandError(f"No such file: {', '.join(missing)}")
        show_progress = not no_progress and sys.stderr.isatty()
        troubles = 0
        for path in paths:
            try:
                report = self._load(Path(path), tdsp_record, show_progress)
            except Refused as error:
                # The load is one transaction: a file refused at any line stored nothing.
                where = f" (line {error.line:,})" if getattr(error, "line", 0) else ""
                self.stderr.write(f"{path}: refused, nothing loaded: {error}{where}")
                troubles += 1
                continue
            self._print(report, max_errors)
            troubles += bool(report.skipped)
        if troubles:
            raise CommandError(f"{troubles} of {len(paths)} file(s) had rows skipped or refused.")

    @staticmethod
    def _tdsp(code: str | None) -> Tdsp | None:
        if code is None:
            return None
        tdsp = Tdsp.objects.filter(code=code).first()
        if tdsp is None:
            codes = ", ".join(Tdsp.objects.values_list("code", flat=True)) or "-"
            raise CommandError(f"Unknown TDSP {code!r}; choose one of: {codes}.")
        return tdsp

    def _load(self, path: Path, tdsp: Tdsp | None, show_progress: bool) -> TdspFileReport:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as handle:
            # Bounded reading (SEC-4): long lines skipped, a gzip bomb refused.
            lines = tdsp_file_lines(handle)
            if show_progress:
                lines = self._with_progress(lines, handle, path)
            return tdsp_file_load(lines=lines, name=str(path), tdsp=tdsp)

    def _with_progress(self, lines: Iterator[str], handle, path: Path) -> Iterator[str]:
        """The file's lines, drawing a progress bar on stderr (by compressed bytes for .gz)."""
        size = max(path.stat().st_size, 1)
        raw = getattr(handle, "fileobj", None) or handle  # gzip: the compressed file's position
        started = last = time.monotonic()
        for count, line in enumerate(lines, start=1):
            yield line
            now = time.monotonic()
            if now - last >= PROGRESS_SECONDS:
                last = now
                done = min(_position(raw) / size, 1.0)
                bar = "#" * int(done * 30)
                sys.stderr.write(
                    f"\r{path.name} [{bar:<30}] {done:4.0%} {count:,} lines {now - started:.0f}s"
                )
                sys.stderr.flush()
        sys.stderr.write("\r" + " " * 79 + "\r")

    def _print(self, report: TdspFileReport, max_errors: int) -> None:
        self.stdout.write(
            f"{report.name}: {report.kind} file, {report.rows_read:,} rows read, "
            f"{report.stored:,} stored ({report.new_versions:,} new versions, of which "
            f"{report.older_versions:,} older than the current one), "
            f"{report.unchanged:,} already loaded, {report.skipped:,} skipped"
        )
        shown = report.errors if max_errors == 0 else report.errors[:max_errors]
        for error in shown:
            self.stderr.write(f"{report.name}:{error.line}: {error.message}")
        hidden = report.skipped - len(shown)
        if hidden:
            self.stderr.write(f"{report.name}: … and {hidden:,} more bad rows (--max-errors 0)")


def _position(raw) -> int:
    try:
        return os.lseek(raw.fileno(), 0, os.SEEK_CUR)
    except (AttributeError, OSError, ValueError):
        return 0
