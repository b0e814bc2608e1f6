"""The dry-run report: what a curator reads before anything is uploaded.

``build_report`` reads ``records.jsonl`` once, as a stream (memory does not grow with the batch), and
writes ``summary.json`` (counts, verdicts, problems, field coverage, frequent values, wiki checks) and
``report.html`` (``report.html``'s module). Every file goes through the upload's own preflight, so the
report shows what the upload will do.
"""

from __future__ import annotations

import datetime
import functools
import json
import tempfile
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from glamupload import pages, preflight, sources
from glamupload.atomic import write_atomically
from glamupload.exitcodes import ExitStatus
from glamupload.planned import PlannedFile, read_records
from glamupload.report.commons_check import CommonsCheck, kinds_of
from glamupload.report.html import PART_ROWS, Index, Part, render_html
from glamupload.report.tally import VERDICTS, Row, Tally
from glamupload.report.thumbnails import thumbnail
from glamupload.report.wiki_checks import WikiChecks
from glamupload.state import Outcome
from glamupload.wiki import Wiki, chunked

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


def _row(item: PlannedFile, roots: Sequence[Path], allow_outside: bool) -> Row:
    """A planned file with what the upload's preflight says of it and its local image, if any."""
    checked = preflight.check_local(item, roots, allow_outside=allow_outside)
    outcome = checked if isinstance(checked, Outcome) else None
    if isinstance(checked, preflight.LocalFile):
        return Row(item, checked.path, None)
    image = None
    if item.source and not sources.is_url(item.source):
        try:  # a file the upload skips (e.g. for its licence) still gets its thumbnail
            image = sources.local_path(item.source, roots, allow_outside=allow_outside)
        except sources.SourceError:
            image = None
    return Row(item, image, outcome)


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
    hashed or shown.
    """
    records_path = Path(records_jsonl)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    roots = list(image_roots) if image_roots is not None else [records_path.parent.resolve()]
    tally = Tally()
    commons_check = CommonsCheck()
    checks = WikiChecks(wiki, render_limit) if wiki is not None else None
    # a batch may show one image many times (or, in tests, many batches the same): make each thumbnail once
    make_thumbnail = functools.lru_cache(maxsize=4096)(thumbnail) if thumbnails else None
    parts = 0
    with (
        tempfile.TemporaryFile("w+", encoding="utf-8", dir=out) as body,
        tempfile.TemporaryFile("w+", encoding="utf-8", dir=out) as index_body,
    ):
        index = Index(index_body)
        part: Part | None = None
        rows = (_row(item, roots, allow_outside_root) for item in read_records(records_path))
        for group in chunked(rows):
            if checks is not None:
                checks.check(group)
            for row in group:
                if part is None:
                    part = Part(body, parts, make_thumbnail)
                    parts += 1
                tally.add(row)
                found = kinds_of(row)
                commons_check.add(row, found)
                index.add(row, part.add(row), found)
                if part.rows == PART_ROWS:
                    part.close()
                    part = None
        if part is not None:
            part.close()
        index.section.close()
        data = tally.to_json()
        data["commons_check"] = commons_check.to_json(index.checks)
        data["title"] = title or records_path.parent.name
        data["generated"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        data["wiki"] = _wiki_summary(checks, tally.categories, wiki, creatable)
        check_labels = {kind["key"]: kind["label"] for kind in data["commons_check"]["kinds"]}
        summary_path = out / SUMMARY_FILE
        write_atomically(
            summary_path,
            lambda fh: json.dump(data, fh, ensure_ascii=False, indent=2),
            "cannot write the report",
        )
        meta = {
            "files": tally.files,
            "parts": parts,
            "partRows": PART_ROWS,
            "rendered": wiki is not None,
            "verdicts": VERDICTS,
            "reasons": list(index.reasons),
            "kinds": list(index.kinds),
            # the pre-flight check's kinds, in the numbering of the index (filters "c<n>")
            "checks": [check_labels[key] for key in index.checks],
        }
        html_path = out / REPORT_FILE
        write_atomically(
            html_path, lambda fh: render_html(fh, data, meta, [index_body, body]), "cannot write the report"
        )
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
