"""report.html: one self-contained page that works offline.

The page's rows travel gzip-compressed and base64-encoded inside the HTML, cut into parts the browser
inflates only when it needs them, and only the current page of rows ever enters the DOM — so a
100,000-file batch opens and stays responsive.
"""

from __future__ import annotations

import base64
import functools
import json
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template
from markupsafe import Markup

from glamupload import resources
from glamupload.problems import ProblemCode
from glamupload.report.commons_check import CheckKind
from glamupload.report.tally import VERDICTS, Row, problem_kind

#: Rows per compressed part: the browser inflates a part only when one of its rows is shown or searched.
PART_ROWS = 2000
#: base64 lines of the embedded data: raw block sizes divisible by 3, so each line decodes on its own.
_B64_BLOCK = 3 * 2**18


class Section:
    """One block of embedded data: gzip-compressed, base64 lines, inside an inert <script> element."""

    def __init__(self, out: IO[str], element_id: str) -> None:
        self.out = out
        self.compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
        self.pending = b""
        out.write(f'<script type="application/x-gzip-base64" id="{element_id}">\n')

    def write(self, text: str) -> None:
        self._emit(self.compressor.compress(text.encode("utf-8")))

    def _emit(self, data: bytes, final: bool = False) -> None:
        self.pending += data
        cut = len(self.pending) if final else len(self.pending) - len(self.pending) % _B64_BLOCK
        for start in range(0, cut, _B64_BLOCK):
            self.out.write(
                base64.b64encode(self.pending[start : min(start + _B64_BLOCK, cut)]).decode("ascii") + "\n"
            )
        self.pending = self.pending[cut:]

    def close(self) -> None:
        self._emit(self.compressor.flush(), final=True)
        self.out.write("</script>\n")


class Part:
    """A run of PART_ROWS rows: their details (one JSON line each) and their thumbnails."""

    def __init__(
        self, out: IO[str], number: int, make_thumbnail: Callable[[Path], str | None] | None
    ) -> None:
        self.details = Section(out, f"d{number}")
        self.make_thumbnail = make_thumbnail
        self.out = out
        self.number = number
        self.rows = 0
        self.thumbs: list[str] = []
        self.thumb_of: dict[str, int] = {}

    def add(self, row: Row) -> int:
        """Write the row's details; returns its thumbnail's number in this part, -1 if none."""
        item = row.item
        details = {
            "w": item.wikitext,
            "e": [p.to_dict() for p in item.errors],
            "a": [p.to_dict() for p in item.warnings],
            "c": list(item.categories),
            "s": item.source,
            "l": item.license.to_dict(),
            "t": item.template,
            "o": row.on_wiki,
            "r": row.rendered,
            # the planned structured data, one readable line per caption and statement (issue #18)
            "d": item.structured_data.describe() if item.structured_data is not None else [],
            # the maintenance categories the wiki filed the rendered page into
            "m": [finding.message for finding in row.maintenance],
        }
        self.details.write(json.dumps(details, ensure_ascii=False, separators=(",", ":")) + "\n")
        self.rows += 1
        if self.make_thumbnail is None or row.image is None:
            return -1
        key = str(row.image)
        if key not in self.thumb_of:
            image = self.make_thumbnail(row.image)
            if image is None:
                return -1
            self.thumb_of[key] = len(self.thumbs)
            self.thumbs.append(image)
        return self.thumb_of[key]

    def close(self) -> None:
        self.details.close()
        thumbs = Section(self.out, f"t{self.number}")
        thumbs.write("\n".join(self.thumbs))
        thumbs.close()


class Index:
    """The compact table every filter runs over: one short JSON array per row, strings numbered once
    (the numbering tables go into the page's metadata)."""

    def __init__(self, out: IO[str]) -> None:
        self.section = Section(out, "index")
        self.reasons: dict[str, int] = {}
        self.kinds: dict[str, int] = {}
        self.checks: dict[str, int] = {}  #: the pre-flight check's kinds (CheckKind.key), numbered

    def add(self, row: Row, thumb: int, checks: list[CheckKind]) -> None:
        item = row.item
        kinds = sorted({self._number(self.kinds, problem_kind(p)) for p in (*item.errors, *item.warnings)})
        flags = (
            row.missing * 1
            | bool(row.on_wiki.get("title")) * 2
            | bool(row.on_wiki.get("sha1")) * 4
            | item.has(ProblemCode.COLLISION) * 8
        )
        entry = [
            item.record_id,
            item.filename,
            VERDICTS.index(item.license.verdict),
            self._number(self.reasons, item.license.group),
            kinds,
            len(item.errors),
            len(item.warnings),
            thumb,
            flags,
            [self._number(self.checks, kind.key) for kind in checks],
        ]
        self.section.write(json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n")

    @staticmethod
    def _number(table: dict[str, int], value: str) -> int:
        return table.setdefault(value, len(table))


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


def render_html(out: IO[str], data: dict[str, Any], meta: dict[str, Any], sections: list[IO[str]]) -> None:
    """The page: template and summary first, then the embedded data sections copied from ``sections``."""
    stream = _page_template().generate(
        summary=data,
        meta=script_json(meta),
        verdicts=VERDICTS,
        data=(Markup(chunk) for chunk in _chunks(sections)),
    )
    for chunk in stream:
        out.write(chunk)


def _chunks(files: list[IO[str]]) -> Iterator[str]:
    for fh in files:
        fh.seek(0)
        while chunk := fh.read(1 << 20):
            yield chunk
