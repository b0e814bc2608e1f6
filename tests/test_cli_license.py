"""`glamupload license`: one value judged, both layers shown, for people (stderr) and scripts (--json)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from glamupload.cli import cli
from glamupload.licenses import Verdict


@pytest.mark.parametrize(
    ("args", "verdict", "license_id", "exit_code"),
    [
        (["CC BY-SA 4.0", "--kind", "photo"], "accept", "cc-by-sa-4.0", 0),
        (
            ["https://creativecommons.org/licenses/by/3.0/de/deed.de", "--kind", "photo"],
            "accept",
            "cc-by-3.0-de",
            0,
        ),
        (["CC BY-NC 4.0"], "reject", "cc-by-nc-4.0", 1),
        (["http://rightsstatements.org/vocab/InC/1.0/"], "reject", "rs-InC", 1),
        (["http://www.europeana.eu/rights/rr-f/"], "reject", "eu-rr-f", 1),
        (["Public domain"], "review", None, 1),
        (["Public domain", "--death-year", "1890", "--created", "1885", "--kind", "2d"], "accept", None, 0),
        (["Public domain", "--death-year", "1990", "--created", "1950", "--kind", "2d"], "review", None, 1),
        (["https://creativecommons.org/licenses/by/4.0/", "--kind", "3d"], "review", "cc-by-4.0", 1),
        (["CC0", "--kind", "3d", "--work-license", "CC BY 4.0"], "accept", "cc0-1.0", 0),
        (["CC0", "--kind", "3d", "--work-license", "All rights reserved"], "reject", None, 1),
    ],
)
def test_license_json(args: list[str], verdict: str, license_id: str | None, exit_code: int) -> None:
    result = CliRunner().invoke(cli, ["license", *args, "--json"])
    assert result.exit_code == exit_code, result.output
    data = json.loads(result.stdout)
    assert data["verdict"] == verdict
    assert data["reason"]
    if license_id:
        assert data["license_id"] == license_id
    assert bool(data["wikitext"]) == (verdict == "accept")
    assert Verdict.from_dict(data).verdict == verdict  # the JSON is a whole verdict, both layers included


def test_public_domain_with_dates_gives_the_pd_art_tag() -> None:
    result = CliRunner().invoke(
        cli,
        ["license", "Public domain", "--death-year", "1890", "--created", "1885", "--kind", "2d", "--json"],
    )
    data = json.loads(result.stdout)
    assert data["wikitext"] == "{{PD-Art|PD-old-auto-expired|deathyear=1890}}"
    assert (data["work"]["status"], data["reproduction"]["status"]) == ("public-domain", "no-new-rights")


def test_human_output_names_verdict_both_layers_and_reason() -> None:
    result = CliRunner().invoke(cli, ["license", "All rights reserved"])
    assert result.exit_code == 1
    assert result.stderr.startswith("REJECT")
    assert "reason:" in result.stderr
    assert result.stdout == ""
    shown = CliRunner().invoke(cli, ["license", "CC BY 4.0", "--kind", "3d", "--created", "1850"])
    assert shown.exit_code == 0
    assert "wikitext:     {{Art Photo|artwork license={{PD-old-assumed}}{{PD-US-expired}}" in shown.stderr
    assert "work:         public-domain (US: public-domain" in shown.stderr
    assert "reproduction: licensed" in shown.stderr


@pytest.mark.parametrize("country", ["Mexico", "MEX", "Sverige"])
def test_a_country_that_is_no_iso_code_is_refused(country: str) -> None:
    """``--country Mexico`` was taken as a country the table does not know, with the default 70 years:
    a painter who died in 1950 was public domain, though Mexico protects 100 years."""
    args = ["license", "Public domain", "--kind", "2d", "--death-year", "1950", "--created", "1928"]
    refused = CliRunner().invoke(cli, [*args, "--country", country])
    assert refused.exit_code == 2 and "is not a two-letter ISO 3166 code" in refused.output
    judged = CliRunner().invoke(cli, [*args, "--country", "mx", "--json"])
    assert judged.exit_code == 1 and json.loads(judged.output)["verdict"] == "review"
