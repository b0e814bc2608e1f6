"""``glamupload license`` and ``glamupload values``: look at one rights statement, or one export field."""

from __future__ import annotations

import typing
from pathlib import Path

import click

from glamupload import licenses, plan
from glamupload.cli.options import batch_argument, emit_json, exit_with, json_option
from glamupload.config import load_batch
from glamupload.exitcodes import ExitStatus


def _country(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not licenses.is_country_code(value.strip()):
        raise click.BadParameter(f"{value!r} is not a two-letter ISO 3166 code (SE, DE, MX…)")
    return value.strip() if value is not None else None


@click.command("license")
@click.argument("value")
@click.option("--death-year", type=int, help="Year the creator of the work died.")
@click.option("--created", type=int, help="Year the work was created.")
@click.option("--published", type=int, help="Year the work was first published.")
@click.option(
    "--country",
    callback=_country,
    help="Source country (two-letter ISO code, e.g. SE) for the public-domain term.",
)
@click.option(
    "--kind",
    type=click.Choice(typing.get_args(licenses.Kind)),
    help="2d: faithful reproduction of a flat work; 3d: photo of an object; photo: the photograph is "
    "the work.",
)
@click.option("--work-license", help="The work's own rights statement (VALUE is the image's).")
@json_option()
def license_command(
    value: str,
    death_year: int | None,
    created: int | None,
    published: int | None,
    country: str | None,
    kind: licenses.Kind | None,
    work_license: str | None,
    as_json: bool,
) -> None:
    """Show how a file with this rights statement is judged for Commons: the work and its reproduction.

    VALUE is the image's rights statement — a license URI, a rightsstatements.org URI or free text as
    institutions write it. Commons needs the work shown to be free as well, so say what the file is
    (--kind) and what the record knows about the work:

    \b
      glamupload license "CC BY-SA 4.0" --kind photo
      glamupload license http://rightsstatements.org/vocab/InC/1.0/
      glamupload license "Public domain" --death-year 1890 --created 1885 --kind 2d
      glamupload license "CC BY 4.0" --kind 3d --created 1850
      glamupload license "CC0" --kind 3d --work-license "CC BY 4.0"

    Exit status 0 when Commons accepts it, 1 when it is rejected or needs review.
    """
    facts = licenses.Facts(
        death_year=death_year, created=created, published=published, country=country, kind=kind
    )
    verdict = licenses.judge_value(value, facts, work_rights=work_license)
    if as_json:
        emit_json(verdict.to_dict())
    else:
        colour = {"accept": "green", "reject": "red", "review": "yellow"}[verdict.verdict]
        click.secho(verdict.verdict.upper(), fg=colour, bold=True, err=True, nl=False)
        click.echo(f"  {verdict.license_id or '-'}", err=True)
        if verdict.wikitext:
            click.echo(f"  wikitext:     {verdict.wikitext}", err=True)
        for name, layer in (("work", verdict.work), ("reproduction", verdict.reproduction)):
            us = f" (US: {layer.us.status}{', ' + layer.us.rule if layer.us.rule else ''})"
            shown = layer.status + (us if layer.status != "unknown" else "")
            click.echo(f"  {name + ':':<13} {shown}", err=True)
            if layer.basis:
                click.echo(f"  {'':<13} {layer.basis}", err=True)
        for flag in verdict.flags:
            click.echo(f"  note:         {flag.text}", err=True)
        click.echo(f"  reason:       {verdict.reason}", err=True)
    exit_with(ExitStatus.OK if verdict.accepted else ExitStatus.RECORD_ERRORS)


@click.command("values")
@batch_argument
@click.argument("field")
@click.option(
    "--skeleton",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the values as a lookup-table CSV to fill in (value, count, wikitext, category, "
    "wikidata).",
)
@click.option("--force", is_flag=True, help="Let --skeleton replace an existing file.")
@click.option("--limit", type=click.IntRange(1), help="Show only the N most frequent values.")
@json_option()
def values_command(
    batch_file: Path, field: str, skeleton: Path | None, force: bool, limit: int | None, as_json: bool
) -> None:
    """List the distinct values of one export field, most frequent first.

    Use it to build lookup tables that map creators, places or keywords to categories and Wikidata
    ids, the way Commons batch uploaders crowd-source such mappings:

    \b
      glamupload values examples/smm/batch.yaml "Namn-Fotograf"
      glamupload values examples/smm/batch.yaml Ämnesord --skeleton keywords.csv
    """
    batch = load_batch(batch_file)
    counted = plan.distinct_values(batch, field)
    if skeleton is not None:
        plan.write_lookup_skeleton(counted, skeleton, batch, replace=force)
        click.echo(f"Wrote {len(counted)} values to {skeleton}; fill in its empty columns.", err=True)
    shown = counted[:limit] if limit else counted
    if as_json:
        emit_json([{"value": value, "count": count} for value, count in shown])
        return
    for value, count in shown:
        click.echo(f"{count:>7}  {value}")
    click.echo(f"{len(counted)} distinct values in {field!r}.", err=True)
