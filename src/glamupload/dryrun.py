"""A dry run as one call: the batch planned on every core, records.jsonl and the report written from the
planner's output as it is made (never read back), and progress a person can follow.

Each worker process turns its finished shards into their records.jsonl lines and their report part
(``report.ReportBuilder.write_part``: the index, details and thumbnails of those files); the parent writes
the lines in order and adds the parts' figures up, then writes summary.json and report.html.
"""

from __future__ import annotations

import os
import shutil
import time
from collections import deque
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from glamupload import planned, wikitext, workers
from glamupload.config import BatchConfig
from glamupload.errors import InputError, LocalFileError
from glamupload.plan import Planner
from glamupload.report import (
    RENDER_LIMIT,
    REPORT_FILE,
    SUMMARY_FILE,
    ReportBuilder,
    ReportSummary,
    planned_row,
)
from glamupload.report.parts import PARTS_DIR, PartInfo
from glamupload.report.wiki_checks import WikiChecks
from glamupload.wiki import Wiki


@dataclass(frozen=True)
class PlanProgress:
    """Where a dry run stands: ``phase`` is ``reading`` (the export is opened and checked), ``planning``
    or ``report`` (the last figures and the page); counts so far, the rate and, when the share of the
    export done is known, the seconds left."""

    phase: str
    records: int = 0
    files: int = 0
    seconds: float = 0.0
    rate: float | None = None  #: records per second over the last few seconds
    done: float | None = None  #: share of the export read
    left: float | None = None  #: seconds, estimated

    def line(self) -> str:
        """One line of at most 80 columns for a terminal."""
        if self.phase == "reading":
            return "Reading the export and checking the crosswalk…"
        if self.phase == "report":
            took = _clock(self.seconds)
            return f"Planned {self.records:,} records ({self.files:,} files) in {took}; writing the report…"
        share = f" ({self.done:.0%})" if self.done is not None else ""
        rate = f" · {self.rate:,.0f}/s" if self.rate else ""
        left = f" · {_clock(self.left)} left" if self.left is not None else ""
        return f"Planned {self.records:,} records{share}, {self.files:,} files{rate}{left}"


def _clock(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class _Progress:
    """Turns finished shards into ``PlanProgress``: the rate over a sliding window of recent shards."""

    WINDOW = 10.0  #: seconds of recent shards the rate is taken over

    def __init__(self, callback: Callable[[PlanProgress], None] | None) -> None:
        self.callback = callback
        self.start = time.monotonic()
        self.records = self.files = 0
        self.recent: deque[tuple[float, int, float | None]] = deque()

    def reading(self) -> None:
        if self.callback is not None:
            self.callback(PlanProgress("reading"))

    def shard(self, shard: workers.Shard[Any]) -> None:
        self.records += shard.records
        self.files += shard.files
        if self.callback is None:
            return
        now = time.monotonic()
        self.recent.append((now, self.records, shard.reached))
        while len(self.recent) > 2 and now - self.recent[0][0] > self.WINDOW:
            self.recent.popleft()
        then, records_then, reached_then = self.recent[0]
        span = now - then if len(self.recent) > 1 else now - self.start
        rate = (self.records - (records_then if len(self.recent) > 1 else 0)) / span if span > 0 else None
        left = None
        if shard.reached is not None and shard.reached > 0:
            if len(self.recent) > 1 and reached_then is not None and shard.reached > reached_then:
                left = (1 - shard.reached) * span / (shard.reached - reached_then)
            else:
                left = (1 - shard.reached) * (now - self.start) / shard.reached
        self.callback(
            PlanProgress("planning", self.records, self.files, now - self.start, rate, shard.reached, left)
        )

    def report(self) -> None:
        if self.callback is not None:
            elapsed = time.monotonic() - self.start
            self.callback(PlanProgress("report", self.records, self.files, elapsed))


class _ShardWork:
    """What a worker makes of a finished shard: its records.jsonl lines and its report part."""

    def __init__(self, builder: ReportBuilder) -> None:
        self.builder = builder

    def __call__(
        self, shard: int, records: int, files: workers.Planned
    ) -> tuple[str, tuple[PartInfo, WikiChecks | None]]:
        lines = [item.to_json() for item, _ in files]
        first = files[0][0].index if files else 0
        rows = [planned_row(item, image) for item, image in files]
        return "".join(line + "\n" for line in lines), self.builder.write_part(shard, first, rows, lines)


def dry_run(
    batch: BatchConfig,
    out_dir: str | Path,
    *,
    jobs: int = 1,
    check: wikitext.PageCheck = "construction",
    wiki: Wiki | None = None,
    connect: Callable[[], Wiki] | None = None,
    thumbnails: bool = True,
    render_limit: int = RENDER_LIMIT,
    creatable: Collection[str] = (),
    progress: Callable[[PlanProgress], None] | None = None,
) -> ReportSummary:
    """Plan ``batch`` in ``jobs`` processes into ``out_dir``: records.jsonl (the same bytes whatever
    ``jobs``), summary.json and report.html. ``wiki`` (with ``connect``, how a worker process opens its
    own connection to it) adds what the wiki knows. A failure leaves no records.jsonl or report behind."""
    out = Path(out_dir)
    outputs = [planned.RECORDS_FILE, planned.RECORDS_FILE + ".part", SUMMARY_FILE, REPORT_FILE, PARTS_DIR]
    batch.refuse_to_overwrite([out / name for name in outputs], "the dry run")
    tracker = _Progress(progress)
    tracker.reading()
    planner = Planner.open(batch, check)
    builder = ReportBuilder(
        out,
        title=batch.name,
        wiki=wiki,
        connect=connect,
        thumbnails=thumbnails,
        render_limit=render_limit,
        creatable=creatable,
        overrides=tuple(planner.overrides),
        reviewed=tuple(planner.reviewed.by_record),
        notes=planner.reader.notes if planner.reader is not None else (),
    )
    path = out / planned.RECORDS_FILE
    partial = path.with_name(path.name + ".part")
    # an earlier run's files go first, and a run that fails takes its own with it: what is left is one
    # finished run's, or nothing (a summary.json beside nothing would stand for a run that never ended)
    written = (path, out / SUMMARY_FILE, out / REPORT_FILE)
    for earlier in written:
        earlier.unlink(missing_ok=True)
    try:
        with partial.open("w", encoding="utf-8") as fh:
            _plan(planner, builder, fh, jobs, batch.model.limit, tracker)
        if tracker.records == 0 and batch.model.limit != 0:
            # a header row alone (an export saved before its query ran): a report of nothing would pass
            raise InputError(
                "the export holds no records",
                file=batch.export_path,
                hint="check that the collection system's export finished and was saved whole",
            )
        os.replace(partial, path)
        tracker.report()
        return builder.finish()
    except BaseException as exc:
        for made in (partial, *written):
            made.unlink(missing_ok=True)
        shutil.rmtree(out / PARTS_DIR, ignore_errors=True)
        if isinstance(exc, OSError):
            raise LocalFileError.from_os(exc, "cannot write the dry run", out) from None
        raise


def _plan(
    planner: Planner, builder: ReportBuilder, fh: IO[str], jobs: int, limit: int | None, tracker: _Progress
) -> None:
    for shard in workers.run(planner, _ShardWork(builder), jobs=jobs, limit=limit):
        lines, part = shard.result
        fh.write(lines)
        builder.add(part)
        tracker.shard(shard)
