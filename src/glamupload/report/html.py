"""report.html: a page that works offline, its rows in parts (``report.parts``) loaded when needed.

The rows travel gzip-compressed and base64-encoded, cut into parts the browser inflates only when it needs
them — inside the page for a small batch (one self-contained file), else in ``report-parts/`` beside it —
and only the current page of rows ever enters the DOM, so a million-file batch opens at once.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import IO, Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template
from markupsafe import Markup

from glamupload import resources
from glamupload.report.parts import FILTERS, PARTS_DIR, PartInfo
from glamupload.report.tally import VERDICTS

#: Rows per part when a report is built from records.jsonl (a dry run's parts are its shards).
PART_ROWS = 2000
#: A report of at most this many files takes its parts inside report.html: one file to mail or share.
#: Above it the page would be too large to open quickly (a million files: ~300 MB), so the parts are
#: files in report-parts/ beside it, loaded when the page needs them.
INLINE_FILES = 20_000


def numbered(lists: Iterable[Iterable[str]]) -> dict[str, int]:
    """Each value numbered by its first appearance (the parts' kinds or checks, in batch order)."""
    table: dict[str, int] = {}
    for values in lists:
        for value in values:
            table.setdefault(value, len(table))
    return table


def page_meta(
    parts: Sequence[PartInfo],
    files: int,
    *,
    rendered: bool,
    inline: bool,
    checks: Mapping[str, str] = MappingProxyType({}),
) -> dict[str, Any]:
    """What the page's script knows before it loads any part: each part's rows and, for every filter
    (verdict, problem, kind of problem, kind of Commons check), how many of its files match, so a
    filtered page of rows loads only the parts that hold it. ``checks``: the Commons check's kinds
    (key → label) in the numbering of ``numbered`` (summary.json's filters ``c<n>``)."""
    kinds = numbered(info.kinds for info in parts)
    check_numbers = {key: n for n, key in enumerate(checks)}
    counts = []
    for info in parts:
        table = {}
        for (verdict, name), n in info.counts.items():
            if name.startswith("k"):
                name = f"k{kinds[name[1:]]}"
            elif name.startswith("c:"):
                name = f"c{check_numbers[name[2:]]}"
            table[f"{verdict}|{name}"] = n
        counts.append(table)
    return {
        "files": files,
        "parts": [[info.number, info.rows] for info in parts],
        "counts": counts,
        "inline": inline,
        "dir": PARTS_DIR,
        "rendered": rendered,
        "verdicts": VERDICTS,
        "kinds": list(kinds),
        "filters": list(FILTERS),
        # the pre-flight Commons check's kinds: labels for the filter's options, keys to find them in a part
        "checks": list(checks.values()),
        "checkKeys": list(checks),
    }


def script_json(value: Any) -> Markup:
    """JSON that is safe inside a <script> element (no "</script>" can end it early)."""
    text = json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace("\u2028", "\\u2028")
    return Markup(text.replace("\u2029", "\\u2029"))


@functools.cache
def _page_template() -> Template:
    env = Environment(
        loader=FileSystemLoader(resources.templates_dir() / "report"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("report.html.j2")


def render_html(
    out: IO[str], data: dict[str, Any], meta: dict[str, Any], payloads: Sequence[tuple[int, tuple[str, str]]]
) -> None:
    """The page: template, summary and metadata, then (a small report) its parts' payloads inline."""
    stream = _page_template().generate(
        summary=data,
        meta=script_json(meta),
        verdicts=VERDICTS,
        inline=meta["inline"],
        parts=[(number, Markup(index), Markup(details)) for number, (index, details) in payloads],
    )
    for chunk in stream:
        out.write(chunk)
