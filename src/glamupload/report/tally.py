"""summary.json's figures, accumulated one planned file at a time (memory does not grow with the batch)."""

from __future__ import annotations

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


def problem_kind(problem: Problem) -> str:
    """The group a problem is counted in: a collision's own, else its field and its message with quoted
    values and numbers blanked (so "'1887' is not a year" and "'1890' is not a year" are one)."""
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
        self._last_record: object = object()
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

    def add(self, row: Row) -> None:
        item = row.item
        self.files += 1
        if item.record_id != self._last_record:  # plan_batch writes a record's files one after another
            self.records += 1
            self._last_record = item.record_id
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
        self.uploadable += item.uploadable

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
