"""The dry-run report: what a curator reads before anything is uploaded.

The report is built a part at a time (``report.parts``), by whoever planned the part's files — a
dry run's worker processes, as they plan — or from a ``records.jsonl`` (``build_report``); memory does not
grow with the batch. It writes ``summary.json`` (counts, verdicts, problems, field coverage, frequent
values, wiki checks) and ``report.html`` (``report.html``'s module), with the parts inside it for a small
batch or beside it in ``report-parts/``. Every file goes through the upload's own preflight, so the
report shows what the upload will do.
"""

from __future__ import annotations

import datetime
import functools
import json
import shutil
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from glamupload import pages, preflight, sources
from glamupload.atomic import write_atomically
from glamupload.exitcodes import ExitStatus
from glamupload.planned import PlannedFile, read_records
from glamupload.report.commons_check import CommonsCheck
from glamupload.report.html import INLINE_FILES, PART_ROWS, numbered, page_meta, render_html
from glamupload.report.parts import PARTS_DIR, PartInfo, PartWriter, read_payloads
from glamupload.report.tally import VERDICTS as VERDICTS
from glamupload.report.tally import Row, Tally
from glamupload.report.thumbnails import thumbnail
from glamupload.report.wiki_checks import WikiChecks
from glamupload.state import Outcome
from glamupload.wiki import TITLES_PER_REQUEST, Wiki, chunked

FailOn = Literal["error", "warning", "never"]
SUMMARY_FILE = "summary.json"
REPORT_FILE = "report.html"
#: Pages rendered by the wiki (action=parse, one request per page) unless the caller asks for more.
RENDER_LIMIT = 1000


@dataclass(frozen=True)
class ReportSummary:
    """What ``build_report`` wrote, and the figures a caller needs for its exit status and table."""

    summary_path: Path
    html_path: Path
    data: dict[str, Any]

    @property
    def files_with_errors(self) -> int:
        return int(self.data["errors"]["files"])

    @property
    def files_with_warnings(self) -> int:
        return int(self.data["warnings"]["files"])

    def exit_status(self, fail_on: FailOn = "error") -> ExitStatus:
        """0 when nothing reaches the ``fail_on`` threshold, else 1 (the dry run guards a pipeline)."""
        if fail_on == "never":
            return ExitStatus.OK
        failing = self.files_with_errors
        if fail_on == "warning":
            failing += self.files_with_warnings
        return ExitStatus.RECORD_ERRORS if failing else ExitStatus.OK


def _row(item: PlannedFile, local: sources.LocalFiles) -> Row:
    """A planned file with what the upload's preflight says of it and its local image, if any."""
    checked = preflight.check_local(item, local.roots, allow_outside=local.allow_outside, files=local)
    outcome = checked if isinstance(checked, Outcome) else None
    if isinstance(checked, preflight.LocalFile):
        return Row(item, checked.path, None)
    image = None
    if item.source and not sources.is_url(item.source):
        try:  # a file the upload skips (e.g. for its licence) still gets its thumbnail
            image = local.path(item.source)
        except sources.SourceError:
            image = None
    return Row(item, image, outcome)


def planned_row(item: PlannedFile, image: preflight.LocalFile | None) -> Row:
    """``_row`` for a file the planner has just planned: it found, sniffed and checked the image, so the
    preflight's verdict follows without reading anything again (``preflight.check_known``)."""
    checked = preflight.check_known(item, image)
    if isinstance(checked, preflight.LocalFile):
        return Row(item, checked.path, None)
    outcome = checked if isinstance(checked, Outcome) else None
    return Row(item, image.path if image is not None else None, outcome)


def build_report(
    records_jsonl: str | Path,
    out_dir: str | Path,
    *,
    wiki: Wiki | None = None,
    thumbnails: bool = True,
    title: str | None = None,
    image_roots: Sequence[Path] | None = None,
    allow_outside_root: bool = False,
    render_limit: int = RENDER_LIMIT,
    creatable: Collection[str] = (),
) -> ReportSummary:
    """Write ``summary.json`` and ``report.html`` for a records.jsonl file, in one streaming pass.

    ``wiki`` adds what only the wiki knows: files it has by title or SHA-1, which categories exist (a
    missing one "will be created" when it is in ``creatable``, what ``glamupload pages`` creates, else it
    is "unknown": a person must create it), and the first ``render_limit`` pages as the wiki renders
    them. Each file goes through the upload's own local checks (``preflight.check_local``) against the
    batch's ``image_roots`` (default: the folder of ``records_jsonl``): no file outside them is read,
    hashed or shown. (A dry run builds the same report from the planner's output as it is produced:
    ``ReportBuilder``.)
    """
    records_path = Path(records_jsonl)
    roots = list(image_roots) if image_roots is not None else [records_path.parent.resolve()]
    builder = ReportBuilder(
        out_dir,
        title=title or records_path.parent.name,
        wiki=wiki,
        thumbnails=thumbnails,
        render_limit=render_limit,
        creatable=creatable,
    )
    local = sources.LocalFiles(roots, allow_outside=allow_outside_root)
    rows = (_row(item, local) for item in read_records(records_path))
    for number, group in enumerate(chunked(rows, PART_ROWS)):
        builder.add(builder.write_part(number, number * PART_ROWS, group))
    return builder.finish()


class ReportBuilder:
    """A report put together from its parts in batch order: each part written by whoever planned its
    files (``write_part``, in a worker process of a parallel dry run), then summary.json and report.html
    (``finish``) from the parts' figures."""

    def __init__(
        self,
        out_dir: str | Path,
        *,
        title: str,
        wiki: Wiki | None = None,
        connect: Callable[[], Wiki] | None = None,
        thumbnails: bool = True,
        render_limit: int = RENDER_LIMIT,
        creatable: Collection[str] = (),
        overrides: Collection[str] = (),
        reviewed: Collection[str] = (),
        notes: Sequence[str] = (),
    ) -> None:
        self.out = Path(out_dir)
        self.out.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self.out / PARTS_DIR, ignore_errors=True)  # a previous run's parts
        (self.out / PARTS_DIR).mkdir()
        self.title = title
        self.wiki = wiki
        self.connect = connect
        self.thumbnails = thumbnails
        self.render_limit = render_limit
        self.creatable = creatable
        self.overrides = overrides  # the record ids the batch's overrides name
        self.reviewed = reviewed  # the record ids the batch's reviews file decides
        self.notes = notes  # what the curator should know of the export as a whole (``Reader.notes``)
        self.tally = Tally()
        self.commons_check = CommonsCheck()
        self.checks = WikiChecks(wiki, render_limit) if wiki is not None else None
        self.parts: list[PartInfo] = []
        self._own_checks: WikiChecks | None = None

    def write_part(
        self, number: int, first: int, rows: Sequence[Row], lines: Sequence[str] | None = None
    ) -> tuple[PartInfo, WikiChecks | None]:
        """Ask the wiki about the part's rows (with a wiki), then write the part: run where the rows
        were planned. ``first`` is the batch's file number of its first row; ``lines`` the rows'
        records.jsonl lines, when the caller has them. Its figures, for ``add``."""
        checks = None
        if self.wiki is not None:
            if self._own_checks is None:  # once per process: a worker asks through its own connection
                wiki = self.connect() if self.connect is not None else self.wiki
                self._own_checks = WikiChecks(wiki, self.render_limit)
            checks = self._own_checks.part()
            for start in range(0, len(rows), TITLES_PER_REQUEST):
                checks.check(list(rows[start : start + TITLES_PER_REQUEST]), first + start)
        writer = PartWriter(number, first, self._thumbnail() if self.thumbnails else None)
        for n, row in enumerate(rows):
            writer.add(row, lines[n] if lines is not None else None)
        return writer.write(self.out), checks

    @functools.cached_property
    def _thumbnail_cache(self) -> Callable[[Path], str | None]:
        # a batch may show one image many times (or, in tests, many batches the same): each made once
        return functools.lru_cache(maxsize=1024)(thumbnail)

    def _thumbnail(self) -> Callable[[Path], str | None]:
        return self._thumbnail_cache

    def add(self, part: tuple[PartInfo, WikiChecks | None]) -> None:
        """The next part's figures (parts come in batch order)."""
        info, checks = part
        assert info.tally is not None and info.commons_check is not None, "a part is added once"
        self.tally.merge(info.tally)
        self.commons_check.merge(info.commons_check)
        if checks is not None and self.checks is not None:
            self.checks.merge(checks)
        # its figures are added up: memory stays flat
        self.parts.append(replace(info, tally=None, commons_check=None))

    def finish(self) -> ReportSummary:
        """summary.json and report.html; a small report takes its parts inside the page (one file)."""
        tally, out = self.tally, self.out
        data = tally.to_json()
        check_numbers = numbered(info.checks for info in self.parts)  # the report's filters "c<n>"
        data["commons_check"] = self.commons_check.to_json(check_numbers)
        data["title"] = self.title
        data["generated"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        data["wiki"] = _wiki_summary(self.checks, tally.categories, self.wiki, self.creatable)
        if self.overrides:  # an override for a record not planned (a typo in its id?) decides nothing
            unused = sorted(set(self.overrides) - tally.overridden)
            data["overrides"] = {"given": len(self.overrides), "unused": unused}
        if self.notes:
            data["export_notes"] = list(self.notes)
        if self.reviewed:  # the same for a record's review decision, or one no longer for review
            unused = sorted(set(self.reviewed) - tally.reviewed)
            data["reviews"] = {"given": len(self.reviewed), "unused": unused}
        summary_path = out / SUMMARY_FILE
        write_atomically(
            summary_path,
            lambda fh: json.dump(data, fh, ensure_ascii=False, indent=2),
            "cannot write the report",
        )
        inline = tally.files <= INLINE_FILES
        labels = {kind["key"]: kind["label"] for kind in data["commons_check"]["kinds"]}
        checks = {key: labels[key] for key in check_numbers}
        meta = page_meta(
            self.parts, tally.files, rendered=self.wiki is not None, inline=inline, checks=checks
        )
        payloads = [(info.number, read_payloads(out, info.number)) for info in self.parts] if inline else []
        html_path = out / REPORT_FILE
        write_atomically(
            html_path, lambda fh: render_html(fh, data, meta, payloads), "cannot write the report"
        )
        if inline:
            shutil.rmtree(out / PARTS_DIR, ignore_errors=True)
        return ReportSummary(summary_path, html_path, data)


def _wiki_summary(
    checks: WikiChecks | None, categories: Counter[str], wiki: Wiki | None, creatable: Collection[str]
) -> dict[str, Any]:
    if checks is None or wiki is None:
        return {"checked": False}
    status = pages.categories_status(list(categories), wiki)
    result = checks.to_json()
    missing = sorted(c for c in categories if not status.get(c))
    result["categories"] = {
        "exist": sorted(c for c in categories if status.get(c)),
        "missing": missing,
        "will_be_created": [c for c in missing if c in creatable],
        "unknown": [c for c in missing if c not in creatable],
    }
    result["api"] = wiki.target.api
    return result
