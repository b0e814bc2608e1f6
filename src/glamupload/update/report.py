"""The dry-run report of ``glamupload update``: one self-contained Markdown file a person reads before
anything is written. Per file: the edit that would be saved (summary and unified diff), the conflicts
with their three values, what is left alone, and why a file is held back."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from glamupload.errors import GlamuploadError
from glamupload.sdc.write import EntityUpdate, EntityUpdateOutcome
from glamupload.update.run import FileUpdate, UpdateOutcome, UpdateResult

#: Headings in the report's order; files with any other outcome (unchanged, not planned) are counted.
SECTIONS = (
    (UpdateOutcome.WOULD_UPDATE, "Would be edited"),
    (UpdateOutcome.UPDATED, "Edited"),
    (UpdateOutcome.CONFLICT, "Conflicts only (nothing would be written)"),
    (UpdateOutcome.NEEDS_PERSON, "Held back for a person"),
    (UpdateOutcome.DELETED, "Deleted on the wiki"),
    (UpdateOutcome.MOVED, "Moved on the wiki"),
    (UpdateOutcome.FAILED, "Refused by the wiki"),
    (UpdateOutcome.CHANGED_MEANWHILE, "Changed while updating"),
)


def write_report(result: UpdateResult, path: Path) -> Path:
    """Write the report to ``path`` (atomically: a half-written report never looks whole)."""
    partial = path.with_name(path.name + ".part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(render(result), encoding="utf-8")
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise GlamuploadError(f"cannot write the update report: {exc.strerror}", file=path) from None
    return path


def tally(counts: Mapping[str, int]) -> str:
    """``2 updated, 1 conflict``: counts per outcome, for people."""
    return ", ".join(f"{n} {outcome.replace('_', ' ')}" for outcome, n in sorted(counts.items()))


def render(result: UpdateResult) -> str:
    """The report's Markdown text."""
    counts = tally(result.counts) or "no file"
    lines = [
        f"# glamupload update {'dry run' if result.dry_run else 'run'}: {result.batch}",
        "",
        f"Wiki: {result.wiki}. Uploaded files looked at: {len(result.files)} ({counts}).",
        "",
    ]
    for outcome, heading in SECTIONS:
        files = [f for f in result.files if f.outcome == outcome]
        if files:
            lines += [f"## {heading} ({len(files)})", ""]
            for item in files:
                lines += _file(item)
    if result.entities:
        lines += [f"## Structured data ({tally(result.entity_counts)})", ""]
        for entity in result.entities:
            lines += _entity(entity)
    tagged = [f for f in result.files if f.deletion_tag]
    if tagged:
        lines += [f"## Tagged for deletion ({len(tagged)})", ""]
        lines += [f"- {_code(f.title)} ({f.record_id}): {_code(f.deletion_tag or '')}" for f in tagged]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _file(item: FileUpdate) -> list[str]:
    lines = [f"### {_code(item.title)}", "", f"Record {_code(item.record_id)}."]
    if item.summary and item.outcome in (UpdateOutcome.WOULD_UPDATE, UpdateOutcome.UPDATED):
        lines.append(f"Edit summary: {_code(item.summary)}.")
    if item.reason:
        lines.append(f"Reason: {_text(item.reason)}")
    lines.append("")
    if item.conflicts:
        lines += [
            "Conflicts (the wiki's value is kept; `glamupload review BATCH --accept-update ID PART` takes "
            "the new one, `--keep-wiki ID PART` keeps the wiki's):",
            "",
            "| part | glamupload wrote | the wiki has | the new plan says |",
            "| --- | --- | --- | --- |",
        ]
        lines += [
            f"| {_cell(c.part)} | {_cell(c.base)} | {_cell(c.wiki)} | {_cell(c.new)} |"
            for c in item.conflicts
        ]
        lines.append("")
    if item.kept:
        lines += ["Left alone: " + "; ".join(_code(k) for k in item.kept) + ".", ""]
    if item.diff:
        lines += [*_fenced(item.diff, "diff"), ""]
    return lines


def _entity(item: EntityUpdate) -> list[str]:
    """One file's structured-data changes (the entity's values before → the plan's) and conflicts."""
    lines = [
        f"### {_code(item.title or item.record_id)}",
        "",
        f"Record {_code(item.record_id)}: {item.outcome}.",
    ]
    if item.message and item.outcome != EntityUpdateOutcome.CONFLICT:
        lines.append(f"Reason: {_text(item.message)}")
    lines.append("")
    lines += [f"- {_text(str(change))}" for change in item.changes]
    if item.changes:
        lines.append("")
    if item.conflicts:
        lines += [
            "Conflicts (the entity's values are kept):",
            "",
            "| caption or property | glamupload wrote | the entity holds | the new plan says |",
            "| --- | --- | --- | --- |",
        ]
        lines += [
            f"| {_cell(c.what)} | {_cell(' | '.join(c.base) or None)} | {_cell(' | '.join(c.existing))} "
            f"| {_cell(c.planned)} |"
            for c in item.conflicts
        ]
        lines.append("")
    return lines


def _fenced(text: str, language: str) -> list[str]:
    """A fenced block longer than any run of backticks inside, so no page text can end it early."""
    longest = max((len(m.group()) for m in re.finditer("`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{language}", text.rstrip("\n"), fence]


def _code(text: str) -> str:
    """Inline code that no backtick inside can end early."""
    longest = max((len(m.group()) for m in re.finditer("`+", text)), default=0)
    fence = "`" * (longest + 1)
    padded = f" {text} " if text.startswith("`") or text.endswith("`") else text
    return f"{fence}{padded}{fence}"


def _cell(value: str | None) -> str:
    """A table cell: the value as code, its line breaks and pipes made harmless; absent as "(none)"."""
    if value is None:
        return "(none)"
    return _code(" ".join(value.split())).replace("|", "\\|")


def _text(value: str) -> str:
    """Prose from a message: characters Markdown would act on are escaped."""
    return re.sub(r"([\\`*_{}\[\]<>#|!])", r"\\\1", value)


def outcome_lines(files: Iterable[FileUpdate]) -> list[str]:
    """One line per file for people (the CLI's stderr)."""
    return [f"  {f.outcome.replace('_', ' '):>17}  {f.record_id}  {f.title}" for f in files]


def entity_lines(entities: Iterable[EntityUpdate]) -> list[str]:
    """One line per file's structured data, then its conflicts (the CLI's stderr)."""
    lines = []
    for item in entities:
        lines.append(f"  {'sdc ' + item.outcome.replace('_', ' '):>17}  {item.record_id}  {item.title}")
        lines += [f"{'':>21}conflict: {c}" for c in item.conflicts]
    return lines
