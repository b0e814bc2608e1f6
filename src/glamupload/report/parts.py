"""The report's rows, a part at a time: what the page needs to filter a part (its index), to show it (its
details and thumbnails), and the figures summary.json adds up (its tally and pre-flight Commons check).

A part is written by whoever planned its files — a worker process in a parallel dry run — into
``report-parts/`` beside report.html, as two small scripts the page loads when it needs them (``i…``:
the index, ``d…``: details and thumbnails; gzip, base64). A small report takes its parts inside the page
instead, so it stays one file to mail (``report.html`` decides, ``INLINE_FILES``).
"""

from __future__ import annotations

import base64
import json
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from glamupload.problems import ProblemCode
from glamupload.report.commons_check import CommonsCheck, kinds_of
from glamupload.report.tally import VERDICTS, Row, Tally, problem_kind

PARTS_DIR = "report-parts"
#: Thumbnails: every file's up to this many files, then one file in THUMBNAIL_EVERY (a 1,000,000-file
#: report with a thumbnail each would cost ~17 CPU minutes and 4 GB).
THUMBNAILS_ALL = 2000
THUMBNAIL_EVERY = 1000
#: Compression of the parts: fast (level 1 packs wikitext ~5:1 at ~10x the speed of level 6).
LEVEL = 1
#: The problem filters of the page, each a test on a row (the page has the same list).
FILTERS: dict[str, Callable[[Row], bool]] = {
    "errors": lambda row: bool(row.item.errors),
    "warnings": lambda row: bool(row.item.warnings),
    "none": lambda row: not (row.item.errors or row.item.warnings),
    "missing": lambda row: row.missing,
    "collision": lambda row: row.item.has(ProblemCode.COLLISION),
    "title": lambda row: bool(row.on_wiki.get("title")),
    "sha1": lambda row: bool(row.on_wiki.get("sha1")),
}


def wants_thumbnail(index: int) -> bool:
    """Whether the batch's file number ``index`` (0-based) gets a thumbnail in the report."""
    return index < THUMBNAILS_ALL or index % THUMBNAIL_EVERY == 0


@dataclass
class PartInfo:
    """A written part as the page's metadata and summary.json need it (small; crosses processes)."""

    number: int
    rows: int
    tally: Tally | None  #: None once the builder has added it up
    commons_check: CommonsCheck | None = None  #: None once the builder has added it up
    #: files per (verdict or "*", problem filter, kind ("k" + text), Commons check ("c:" + key) or "*")
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    kinds: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)  #: the Commons check's kinds (``CheckKind.key``)


class PartWriter:
    """Collects one part's rows and writes its two payloads (``write`` to files, or ``payloads``)."""

    def __init__(self, number: int, first: int, thumbnail: Callable[[Path], str | None] | None) -> None:
        self.number = number
        self.first = first  # the batch's file number of the part's first row
        self.thumbnail = thumbnail
        self.tally = Tally()
        self.commons_check = CommonsCheck()
        self.index: list[list[object]] = []
        self.details: list[str] = []  # records.jsonl lines
        self.thumbs: list[str] = []
        self.thumb_of: dict[str, int] = {}
        self.reasons: dict[str, int] = {}
        self.kinds: dict[str, int] = {}
        self.checks: dict[str, int] = {}
        self.counts: Counter[tuple[str, str]] = Counter()
        self.wiki: dict[int, dict[str, object]] = {}  # what the wiki said of a row, when it was asked
        self.structured: dict[int, list[str]] = {}  # a row's planned structured data, one line a statement

    def add(self, row: Row, line: str | None = None) -> None:
        """Add a row; ``line`` is its file's records.jsonl line when the caller has it (the details
        the page shows are that line: not made twice)."""
        item = row.item
        self.tally.add(row)
        found = kinds_of(row)
        self.commons_check.add(row, found)
        checks = [_number(self.checks, kind.key) for kind in found]
        kinds = sorted({_number(self.kinds, problem_kind(p)) for p in (*item.errors, *item.warnings)})
        flags = (
            row.missing * 1
            | bool(row.on_wiki.get("title")) * 2
            | bool(row.on_wiki.get("sha1")) * 4
            | item.has(ProblemCode.COLLISION) * 8
        )
        self.index.append(
            [
                item.record_id,
                item.filename,
                VERDICTS.index(item.license.verdict),
                _number(self.reasons, item.license.group),  # by reason group, as summary.json
                kinds,
                len(item.errors),
                len(item.warnings),
                self._thumb(row),
                flags,
                checks,
            ]
        )
        self.details.append(line if line is not None else item.to_json())
        here = len(self.details) - 1
        if row.on_wiki or row.rendered is not None or row.maintenance:
            self.wiki[here] = {
                "o": row.on_wiki,
                "r": row.rendered,
                # the maintenance categories the wiki filed the rendered page into
                "m": [finding.message for finding in row.maintenance],
            }
        if item.structured_data is not None:  # issue #18: readable lines, not the wbeditentity data
            self.structured[here] = item.structured_data.describe()
        self._count(row, kinds, [kind.key for kind in found])

    def _count(self, row: Row, kinds: list[int], checks: list[str]) -> None:
        verdict = row.item.license.verdict
        names = ["*", *(name for name, test in FILTERS.items() if test(row))]
        names += ["k" + kind for kind, number in self.kinds.items() if number in kinds]
        names += ["c:" + key for key in checks]
        for name in names:
            self.counts["*", name] += 1
            self.counts[verdict, name] += 1

    def _thumb(self, row: Row) -> int:
        if self.thumbnail is None or row.image is None or not wants_thumbnail(self.first + len(self.index)):
            return -1
        key = str(row.image)
        if key not in self.thumb_of:
            image = self.thumbnail(row.image)
            if image is None:
                return -1
            self.thumb_of[key] = len(self.thumbs)
            self.thumbs.append(image)
        return self.thumb_of[key]

    def payloads(self) -> tuple[str, str]:
        """The index and the details payloads: gzip, base64, one line each (inflated, the details hold
        one records.jsonl line per line)."""
        index = {
            "reasons": list(self.reasons),
            "kinds": list(self.kinds),
            "checks": list(self.checks),
            "rows": self.index,
        }
        extra = json.dumps(
            {"wiki": self.wiki, "structured": self.structured, "thumbs": self.thumbs},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        # one record a line (JSON never holds a raw newline inside a value), so a text search finds the
        # records that hold its words in the inflated text without parsing the rest (report.js.j2)
        details = '{"records":[' + ",\n".join(self.details) + "\n]," + extra[1:]
        return _pack_text(_text(index)), _pack_text(details)

    def write(self, out_dir: Path) -> PartInfo:
        """Write the part's two scripts into ``out_dir/report-parts``; its info."""
        index, details = self.payloads()
        folder = out_dir / PARTS_DIR
        for kind, payload in (("i", index), ("d", details)):
            (folder / f"{kind}{self.number:06d}.js").write_text(
                f'glamuploadPart({self.number},"{kind}","{payload}");\n', encoding="ascii"
            )
        return self.info()

    def info(self) -> PartInfo:
        return PartInfo(
            self.number,
            len(self.index),
            self.tally,
            self.commons_check,
            self.counts,
            list(self.kinds),
            list(self.checks),
        )


def part_files(out_dir: Path, number: int) -> list[Path]:
    """The two scripts of part ``number``."""
    return [out_dir / PARTS_DIR / f"{kind}{number:06d}.js" for kind in "id"]


def read_payloads(out_dir: Path, number: int) -> tuple[str, str]:
    """A written part's two payloads back (to put them inside a small report's page)."""
    texts = [path.read_text(encoding="ascii") for path in part_files(out_dir, number)]
    return tuple(text.split('"')[3] for text in texts)  # type: ignore[return-value]


def _number(table: dict[str, int], value: str) -> int:
    return table.setdefault(value, len(table))


def _text(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _pack_text(text: str) -> str:
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, 31)
    data = compressor.compress(text.encode("utf-8")) + compressor.flush()
    return base64.b64encode(data).decode("ascii")
