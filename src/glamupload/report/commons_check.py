"""The report's pre-flight Commons check: what a Commons patroller would tag or fix on each file, grouped
by kind with counts and the files, so a curator fixes each cause once.

A finding's kind is typed, never read from a message: a page-convention warning by its ``ProblemCode``
(glamupload.conventions), a licence by its verdict, a maintenance category the wiki files the rendered
page into by its ``MaintenanceFinding.kind`` (a dry run with ``--wiki``). Labels and fixes are in
mappings/conventions.yaml (``findings``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from glamupload import conventions
from glamupload.report.tally import Examples, Row

CheckSource = Literal["licence", "convention", "maintenance"]
_SOURCE_ORDER: tuple[CheckSource, ...] = ("licence", "convention", "maintenance")


@dataclass(frozen=True, order=True)
class CheckKind:
    """One kind of finding: where it comes from and its code there."""

    source: CheckSource
    code: str

    @property
    def key(self) -> str:
        """``convention:needs-categories``, ``licence:review``, ``maintenance:incorrect-parameter``."""
        return f"{self.source}:{self.code}"


def kinds_of(row: Row) -> list[CheckKind]:
    """The kinds of finding one file has, each once."""
    item = row.item
    found = {
        CheckKind("convention", problem.code.value)
        for problem in (*item.errors, *item.warnings)
        if problem.code in conventions.CONVENTION_CODES
    }
    if not item.license.accepted:
        found.add(CheckKind("licence", item.license.verdict))
    found.update(CheckKind("maintenance", finding.kind) for finding in row.maintenance)
    return sorted(found, key=lambda kind: (_SOURCE_ORDER.index(kind.source), kind.code))


class CommonsCheck:
    """The pre-flight check's figures, accumulated one file at a time: per kind the files (exact count,
    the first examples), and how many files have any finding."""

    def __init__(self) -> None:
        self.by_kind: dict[CheckKind, Examples] = {}
        self.files = 0
        self.maintenance_checked = 0

    def add(self, row: Row, kinds: Iterable[CheckKind]) -> None:
        kinds = list(kinds)
        self.files += bool(kinds)
        self.maintenance_checked += row.rendered is not None
        for kind in kinds:
            self.by_kind.setdefault(kind, Examples()).add(
                {"record_id": row.item.record_id, "filename": row.item.filename}
            )

    def to_json(self, filters: dict[str, int]) -> dict[str, Any]:
        """``summary.json``'s ``commons_check``; ``filters`` numbers each kind's key as the report's
        file-list filter does (``#problem=c<n>``)."""
        labels = conventions.load().findings
        kinds = sorted(
            self.by_kind.items(), key=lambda item: (_SOURCE_ORDER.index(item[0].source), -item[1].count)
        )
        return {
            "files": self.files,
            "maintenance_checked": self.maintenance_checked,
            "kinds": [
                {
                    "key": kind.key,
                    "source": kind.source,
                    "code": kind.code,
                    "label": labels[kind.key].label if kind.key in labels else kind.key,
                    "fix": labels[kind.key].fix if kind.key in labels else "",
                    "filter": f"c{filters[kind.key]}",
                    **files.to_json(),
                }
                for kind, files in kinds
            ],
        }
