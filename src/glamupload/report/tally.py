"""summary.json's figures, accumulated one planned file at a time (memory does not grow with the batch)."""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from glamupload.errors import ConfigError
from glamupload.maintenance import MaintenanceFinding
from glamupload.planned import PlannedFile
from glamupload.problems import Problem, ProblemCode
from glamupload.state import Outcome
from glamupload.wikitext import load_template_catalogue

VERDICTS = ("accept", "reject", "review")
#: How many of the most frequent values the summary lists per field, and how many distinct values a
#: field may have before it counts as free text (then only "more than N" is reported: memory stays flat).
TOP_VALUES = 10
DISTINCT_LIMIT = 1000
#: Lists in summary.json (collisions, missing images, files on the wiki) keep exact counts but at most
#: this many examples each.
EXAMPLES_LIMIT = 1000
COLLISION_KIND = "filename: the name was already planned for another file, so it was made unique"
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|\d+")


@functools.lru_cache(maxsize=4096)
def problem_kind(problem: Problem) -> str:
    """The group a problem is counted in: a collision's own, else its field and its message with quoted
    values and numbers blanked (so "'1887' is not a year" and "'1890' is not a year" are one). Once per
    distinct problem: a batch repeats its few kinds of warning on every file, and each is asked twice
    (summary and report part)."""
    if problem.code == ProblemCode.COLLISION:
        return COLLISION_KIND
    message = _QUOTED.sub(lambda m: "N" if m.group().isdigit() else "'…'", problem.message)
    return f"{problem.field}: {message}"


class ValueCounter:
    """Exact counts of a field's values until it has more than DISTINCT_LIMIT of them (then it is free
    text, not a key field, and only that is reported)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.overflow = False

    def add(self, value: str) -> None:
        if self.overflow:
            return
        if value not in self.counts and len(self.counts) >= DISTINCT_LIMIT:
            self.overflow = True
            self.counts.clear()
            return
        self.counts[value] += 1

    def merge(self, other: ValueCounter) -> None:
        """Add the counts of a later part of the batch (as if its values had been added here)."""
        if self.overflow or other.overflow or len(self.counts.keys() | other.counts.keys()) > DISTINCT_LIMIT:
            self.overflow = True
            self.counts.clear()
        else:
            self.counts.update(other.counts)

    def to_json(self) -> dict[str, Any]:
        if self.overflow:
            return {"distinct": f"more than {DISTINCT_LIMIT}", "top": []}
        top = [[value, n] for value, n in self.counts.most_common(TOP_VALUES) if n > 1]
        return {"distinct": len(self.counts), "top": top}


@dataclass
class Examples:
    """An exact count and the first EXAMPLES_LIMIT examples."""

    count: int = 0
    items: list[dict[str, Any]] = field(default_factory=list)

    def add(self, item: dict[str, Any]) -> None:
        self.count += 1
        if len(self.items) < EXAMPLES_LIMIT:
            self.items.append(item)

    def merge(self, other: Examples) -> None:
        """Add a later part's examples (the first EXAMPLES_LIMIT of the whole batch are kept)."""
        self.count += other.count
        self.items += other.items[: max(0, EXAMPLES_LIMIT - len(self.items))]

    def to_json(self) -> dict[str, Any]:
        return {"count": self.count, "examples": self.items}


@dataclass
class Row:
    """One planned file on its way into the report."""

    item: PlannedFile
    #: The local image, inside the batch's image folders (None for a URL, or when there is none).
    image: Path | None
    #: What the upload's preflight would record without asking the wiki (None: it would send the file).
    local_outcome: Outcome | None
    on_wiki: dict[str, Any] = field(default_factory=dict)
    rendered: str | None = None
    #: The maintenance categories the wiki filed the rendered page into (a dry run with --wiki).
    maintenance: list[MaintenanceFinding] = field(default_factory=list)

    @property
    def missing(self) -> bool:
        """The record names no image, or its image file is not there."""
        return not self.item.source or self.item.has(ProblemCode.IMAGE_MISSING)


class Tally:
    """Everything summary.json says, accumulated one planned file at a time."""

    def __init__(self) -> None:
        self.files = 0
        self.records = 0
        self._first_record: tuple[str, str] | None = None
        self._last_record: tuple[str, str] | None = None
        self.verdicts: dict[str, Counter[str]] = {v: Counter() for v in VERDICTS}
        self.problems = {"errors": Counter[str](), "warnings": Counter[str]()}
        self.files_with = {"errors": 0, "warnings": 0}
        self.templates: Counter[str] = Counter()
        self.filled: dict[str, Counter[str]] = {}
        self.values: dict[str, dict[str, ValueCounter]] = {}
        self.licenses = ValueCounter()
        self.flags: Counter[str] = Counter()
        self.example_reason: dict[str, str] = {}  #: per reason group, the first file's own reason
        self.categories: Counter[str] = Counter()
        self.collisions = Examples()
        self.missing = Examples()
        self.uploadable = 0
        self.needs_categories = 0  #: files with no topical category (in the batch's backlog category)
        self.overridden: set[str] = set()  #: records an override decided (no more than the overrides)
        self.reviewed: set[str] = set()  #: records a reviewer's decision covers (``decisions``)

    def add(self, row: Row) -> None:
        item = row.item
        self.files += 1
        record = (item.record_id, item.position)  # a record's files come one after another
        if record != self._last_record:
            self.records += 1
            self._last_record = record
            self._first_record = self._first_record or record
        # by reason group, not by reason: one shared reason is one row, whatever each record's years
        self.verdicts[item.license.verdict][item.license.group] += 1
        self.example_reason.setdefault(item.license.group, item.license.reason)
        self.flags.update({flag.kind for flag in item.license.flags})
        if item.license.license_id:
            self.licenses.add(item.license.license_id)
        for severity, problems in (("errors", item.errors), ("warnings", item.warnings)):
            self.files_with[severity] += bool(problems)
            self.problems[severity].update(problem_kind(p) for p in problems)
        for problem in item.warnings:
            if problem.code == ProblemCode.COLLISION:
                self.collisions.add(
                    {"record_id": item.record_id, "filename": item.filename, "problem": problem.message}
                )
        if row.missing:
            self.missing.add({"record_id": item.record_id, "filename": item.filename, "source": item.source})
        self.templates[item.template] += 1
        filled = self.filled.setdefault(item.template, Counter())
        values = self.values.setdefault(item.template, {})
        for name, value in item.params.items():
            text = value.strip()
            if text:
                filled[name] += 1
                if name not in values:
                    values[name] = ValueCounter()
                values[name].add(text)
        self.categories.update(item.categories)
        self.needs_categories += item.has(ProblemCode.NEEDS_CATEGORIES)
        if item.license.basis == "override":
            self.overridden.add(item.record_id)
        elif item.license.basis == "reviewer":
            self.reviewed.add(item.record_id)
        self.uploadable += item.uploadable

    def merge(self, other: Tally) -> None:
        """Add the figures of the next part of the batch: the same as adding its files here."""
        self.files += other.files
        self.records += other.records - (
            other._first_record is not None and other._first_record == self._last_record
        )
        self._first_record = self._first_record or other._first_record
        self._last_record = other._last_record or self._last_record
        for verdict, reasons in other.verdicts.items():
            self.verdicts[verdict].update(reasons)
        for group, reason in other.example_reason.items():
            self.example_reason.setdefault(group, reason)
        self.flags.update(other.flags)
        for severity in ("errors", "warnings"):
            self.problems[severity].update(other.problems[severity])
            self.files_with[severity] += other.files_with[severity]
        self.templates.update(other.templates)
        for template, filled in other.filled.items():
            self.filled.setdefault(template, Counter()).update(filled)
        for template, counters in other.values.items():
            mine = self.values.setdefault(template, {})
            for name, counter in counters.items():
                if name in mine:
                    mine[name].merge(counter)
                else:
                    mine[name] = counter
        self.licenses.merge(other.licenses)
        self.categories.update(other.categories)
        self.needs_categories += other.needs_categories
        self.overridden |= other.overridden
        self.reviewed |= other.reviewed
        self.collisions.merge(other.collisions)
        self.missing.merge(other.missing)
        self.uploadable += other.uploadable

    def coverage(self) -> dict[str, Any]:
        """Per template, the share of its files that fill each parameter (unfilled ones included)."""
        catalogue = load_template_catalogue()
        out: dict[str, Any] = {}
        for template, files in self.templates.most_common():
            filled = self.filled[template]
            try:
                spec = catalogue.template(template)
                names = [*spec.parameters]
                for used in filled:  # the crosswalk may use an alias: count it under its own spelling
                    canonical = spec.canonical(used)
                    if canonical in names and used != canonical:
                        names[names.index(canonical)] = used
            except ConfigError:
                names = []
            names += [n for n in filled if n not in names]
            out[template] = {"files": files, "parameters": {n: round(filled[n] / files, 4) for n in names}}
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "planned_files": self.files,
            "uploadable": self.uploadable,
            "licence_flags": dict(self.flags.most_common()),
            "verdicts": {
                verdict: {
                    "count": sum(reasons.values()),
                    "reasons": [[group, n, self.example_reason[group]] for group, n in reasons.most_common()],
                }
                for verdict, reasons in self.verdicts.items()
            },
            **{
                severity: {
                    "files": self.files_with[severity],
                    "total": sum(kinds.values()),
                    "kinds": [[kind, n] for kind, n in kinds.most_common()],
                }
                for severity, kinds in self.problems.items()
            },
            "coverage": self.coverage(),
            "top_values": {
                "license_id": self.licenses.to_json(),
                **{
                    f"{template}.{name}": counter.to_json()
                    for template, params in self.values.items()
                    for name, counter in params.items()
                },
            },
            "collisions": self.collisions.to_json(),
            "missing_images": self.missing.to_json(),
            "categories": {
                "used": [[name, n] for name, n in self.categories.most_common()],
                "needs_categories": self.needs_categories,
            },
        }
