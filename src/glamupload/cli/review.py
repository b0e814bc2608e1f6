"""``glamupload review``: the click command over review.py (licences the engine could not decide, and
files the wiki's warnings held back)."""

from __future__ import annotations

from pathlib import Path

import click

from glamupload import review
from glamupload.cli.options import batch_argument, emit_json, json_option, state_option
from glamupload.config import BatchConfig, load_batch
from glamupload.decisions import DecisionName
from glamupload.state import Decision

#: How many files of a licence reason group the listing names.
SHOWN_FILES = 3


@click.command("review")
@batch_argument
@click.option(
    "--accept",
    multiple=True,
    metavar="ID",
    help="Accept this record's files: past the wiki warning they stopped at, or, with --wikitext, under "
    "the licence you assert (repeatable).",
)
@click.option(
    "--skip", multiple=True, metavar="ID", help="Leave this record's files out of the batch (repeatable)."
)
@click.option(
    "--accept-group",
    multiple=True,
    metavar="G…",
    help="Accept every file of a licence reason group (its id from the listing) under --wikitext.",
)
@click.option(
    "--skip-group", multiple=True, metavar="G…", help="Leave every file of a licence reason group out."
)
@click.option(
    "--wikitext",
    metavar="TEXT",
    default="",
    help="The licence you assert for accepted licence reviews, e.g. "
    "'{{PD-Art|PD-old-auto-expired|deathyear=1890}}' (checked like the licence table: free at both "
    "layers, with a US status).",
)
@click.option(
    "--accept-update",
    nargs=2,
    multiple=True,
    metavar="ID PART",
    help="Make the next `update` write the new plan's value of this update conflict (repeatable).",
)
@click.option(
    "--keep-wiki",
    nargs=2,
    multiple=True,
    metavar="ID PART",
    help="Keep the wiki's value of this update conflict; `update` stops proposing it (repeatable).",
)
@click.option("--by", "reviewer", metavar="NAME", help="Who decides (kept with the decision).")
@click.option("--reason", help="Why, e.g. a VRT ticket, a death date found, a deletion log read (kept).")
@state_option
@json_option("Print what waits for review as JSON on stdout: {licences: [groups], warnings: [files]}.")
def review_command(
    batch_file: Path,
    accept: tuple[str, ...],
    skip: tuple[str, ...],
    accept_group: tuple[str, ...],
    skip_group: tuple[str, ...],
    wikitext: str,
    accept_update: tuple[tuple[str, str], ...],
    keep_wiki: tuple[tuple[str, str], ...],
    reviewer: str | None,
    reason: str | None,
    state_file: Path | None,
    as_json: bool,
) -> None:
    """List what waits for a person, or record a decision.

    Licences: files the licence engine could not decide (no death year, a licensed photo of a work
    whose own status is unknown, …), grouped by reason. Accept a file or a whole group under the
    licence you assert (--wikitext), or skip it. The decision is kept in BATCH.reviews.yaml beside the
    batch file (the batch's `reviews:` key names another), holds after a replan and on every wiki,
    and the report and `status` show it.

    Update conflicts: a parameter of a file page, or a property or caption of its structured data
    (PART P170, caption:sv), that `update` wants to change and someone else changed since glamupload
    wrote it. --accept-update ID PART writes the new plan's value next time; --keep-wiki ID PART keeps
    the wiki's.

    Wiki warnings: a file with this name or these bytes was deleted before (often for copyright), the
    bytes match an old version of another file, the page exists without a file. `upload` records these
    files as "needs review" and goes on. Accepting one makes the next `upload` go past that warning
    only, for that file name; every other warning is still judged.

    \b
      glamupload review batch.yaml
      glamupload review batch.yaml --accept-group G1a2b3c \\
          --wikitext "{{PD-Art|PD-old-assumed}}{{PD-US-expired}}" \\
          --by "A. Curator" --reason "museum records: all made before 1880"
      glamupload review batch.yaml --accept S-1234 --by "A. Curator" --reason "undeleted, VRT #2024..."
      glamupload review batch.yaml --skip S-99 --by "A. Curator" --reason "deleted as a copyvio"
      glamupload upload batch.yaml --replan

    Exit status: 0, or 2 for an unknown record or group, one with nothing to review, a licence that is
    not free at both layers, or a decision without --by and --reason.
    """
    batch = load_batch(batch_file, state=state_file)
    if accept or skip or accept_group or skip_group or accept_update or keep_wiki:
        if not reviewer or not reason:
            raise click.UsageError("a decision needs --by NAME and --reason TEXT")
        if accept_update or keep_wiki:
            _decide_updates(batch, accept_update, keep_wiki, reviewer, reason)
        if accept or skip or accept_group or skip_group:
            _decide(batch, accept, skip, accept_group, skip_group, wikitext, reviewer, reason)
        return
    _list(batch, as_json)


def _list(batch: BatchConfig, as_json: bool) -> None:
    """What waits for a person: licence groups, files held back by wiki warnings, update conflicts."""
    licences = review.licence_reviews(batch)
    warnings = review.waiting(batch.state_path, batch.batch_id) if batch.state_path.exists() else []
    conflicts = review.update_conflicts(batch.state_path, batch.batch_id) if batch.state_path.exists() else []
    if as_json:
        emit_json(
            {
                "licences": [g.as_dict() for g in licences],
                "warnings": [f.as_dict() for f in warnings],
                "update_conflicts": [c.as_dict() for c in conflicts],
            }
        )
        return
    if not licences and not warnings and not conflicts:
        click.echo("No file needs review.", err=True)
        return
    for group in licences:
        click.echo(f"  {group.id}  {len(group.files)} file(s): {group.group}", err=True)
        for shown in group.files[:SHOWN_FILES]:
            click.echo(f"      {shown.record_id}  {shown.reason}", err=True)
        if len(group.files) > SHOWN_FILES:
            click.echo(
                f"      … and {len(group.files) - SHOWN_FILES} more (`--json` lists them all)", err=True
            )
    if licences:
        files = sum(len(g.files) for g in licences)
        click.echo(
            f"{files} file(s) in {len(licences)} licence group(s): --accept-group ID --wikitext TEXT, "
            "--skip-group ID, or --accept/--skip a record",
            err=True,
        )
    for item in warnings:
        click.echo(f"  {item.record_id}  {item.filename}", err=True)
        click.echo(f"      {item.code}: {item.message}", err=True)
        click.echo(f"      {item.advice}", err=True)
    if warnings:
        click.echo(f"{len(warnings)} file(s) held back by a wiki warning.", err=True)
    for found in conflicts:
        where = "structured data" if found.structured_data else "update"
        click.echo(f"  {found.record_id}  {found.title}: {where} conflict on {found.part}", err=True)
        click.echo(
            f"      glamupload wrote {found.base!r}, the wiki has {found.wiki!r}, "
            f"the new plan says {found.new!r}",
            err=True,
        )
    if conflicts:
        click.echo(
            f"{len(conflicts)} update conflict(s): --accept-update ID PART or --keep-wiki ID PART", err=True
        )


def _decide_updates(
    batch: BatchConfig,
    accept_update: tuple[tuple[str, str], ...],
    keep_wiki: tuple[tuple[str, str], ...],
    reviewer: str,
    reason: str,
) -> None:
    chosen = {**dict.fromkeys(accept_update, Decision.ACCEPT), **dict.fromkeys(keep_wiki, Decision.SKIP)}
    review.decide_update_conflicts(
        batch.state_path, chosen, reviewer=reviewer, reason=reason, batch_id=batch.batch_id
    )
    click.echo(
        f"Decided {len(chosen)} update conflict(s); the next `glamupload update` applies them.", err=True
    )


def _decide(
    batch: BatchConfig,
    accept: tuple[str, ...],
    skip: tuple[str, ...],
    accept_group: tuple[str, ...],
    skip_group: tuple[str, ...],
    wikitext: str,
    reviewer: str,
    reason: str,
) -> None:
    """Refuse contradicting choices, record the rest where each record waits
    (``review.decide_records``) and say what was recorded."""
    for first, second in ((accept, skip), (accept_group, skip_group)):
        both = sorted(set(first) & set(second))
        if both:
            raise click.UsageError(f"{', '.join(both)}: both accepted and skipped")
    chosen: dict[str, DecisionName] = {**dict.fromkeys(accept, "accept"), **dict.fromkeys(skip, "skip")}
    groups: dict[str, DecisionName] = {
        **dict.fromkeys(accept_group, "accept"),
        **dict.fromkeys(skip_group, "skip"),
    }
    decided = review.decide_records(
        batch, records=chosen, groups=groups, reviewer=reviewer, reason=reason, wikitext=wikitext
    )
    for made in decided.licences:
        verb = "Accepted" if made.decision == "accept" else "Skipped"
        click.echo(f"{verb} the licence of {made.record_id or made.group}", err=True)
    if decided.licences:
        click.echo(
            f"Recorded in {batch.reviews_path}. The next `glamupload dry-run` shows it; an upload takes it "
            "with --replan.",
            err=True,
        )
    for decision, verb in ((Decision.ACCEPT, "Accepted"), (Decision.SKIP, "Skipped")):
        names = [row.filename for row, made_one in decided.files if made_one == decision]
        if names:
            click.echo(f"{verb} {len(names)} file(s): {', '.join(names)}", err=True)
    if any(made_one == Decision.ACCEPT for _, made_one in decided.files):
        click.echo("The next `glamupload upload` uploads the accepted files.", err=True)
