"""`glamupload values`: distinct values of a real export's field, and a lookup skeleton to fill in."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from click.testing import CliRunner
from conftest import EXAMPLES

from glamupload.cli import cli

SMM = str(EXAMPLES / "smm" / "batch.yaml")
EXPORT = EXAMPLES / "smm" / "Exportlista Wikimedia v5-2015-09-07.csv"


def _column_counts(name: str) -> dict[str, int]:
    """Count a column's values straight from the file, as a check independent of the readers."""
    with EXPORT.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="|", quoting=csv.QUOTE_NONE))
    index = rows[0].index(name)
    counts: dict[str, int] = {}
    for row in rows[1:]:
        if row[index].strip():
            counts[row[index].strip()] = counts.get(row[index].strip(), 0) + 1
    return counts


def test_values_json_counts_match_the_export() -> None:
    result = CliRunner().invoke(cli, ["values", SMM, "Rättigheter", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data == [
        {"value": "Erkännande-Dela lika", "count": 320},
        {"value": "Utgången skyddstid", "count": 277},
    ]


def test_values_are_most_frequent_first_and_complete() -> None:
    result = CliRunner().invoke(cli, ["values", SMM, "Namn-Fotograf", "--json"])
    data = json.loads(result.stdout)
    counts = [item["count"] for item in data]
    assert counts == sorted(counts, reverse=True)
    assert {item["value"]: item["count"] for item in data} == _column_counts("Namn-Fotograf")


def test_repeated_column_is_reachable_by_its_suffix() -> None:
    result = CliRunner().invoke(cli, ["values", SMM, "Namn-Tillverkare.2", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout), "the third Namn-Tillverkare column has values"


def test_skeleton_is_a_lookup_table_to_fill(tmp_path: Path) -> None:
    target = tmp_path / "photographers.csv"
    result = CliRunner().invoke(
        cli, ["values", SMM, "Namn-Fotograf", "--skeleton", str(target), "--limit", "3"]
    )
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 3
    with target.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["value", "count", "wikitext", "category", "wikidata"]
    assert len(rows) == len(_column_counts("Namn-Fotograf"))
    assert all(row["category"] == "" for row in rows)


def test_unknown_field_suggests_the_closest_column() -> None:
    result = CliRunner().invoke(cli, ["values", SMM, "Namn-Fotografx"])
    assert result.exit_code == 2
    assert "field 'Namn-Fotografx' is not in the export" in result.stderr
    assert "did you mean 'Namn-Fotograf'" in result.stderr
    assert "Traceback" not in result.output


def test_output_closed_by_its_reader_ends_quietly() -> None:
    """``glamupload values … | head -1`` ended with "Error: cannot read or write a file: Broken pipe"
    (exit 6); a shell tool stops quietly there (exit 141, as killed by SIGPIPE)."""
    import subprocess
    import sys

    batch = Path(__file__).resolve().parent.parent / "examples" / "smm" / "batch.yaml"
    # the reader is gone before the first line is written (``true`` ends at once; the start takes ~1 s)
    shell = f"{sys.executable} -m glamupload values {batch} Benämning | true; exit ${{PIPESTATUS[0]}}"
    done = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (141, "")
