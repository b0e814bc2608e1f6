"""``glamupload init``: on every shipped example, the crosswalk it writes plans every record in a dry run."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from glamupload.cli import cli
from glamupload.config import load_batch
from glamupload.errors import ConfigError, InputError
from glamupload.plan import plan_batch
from glamupload.readers import open_export
from glamupload.scaffold import init_batch

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data" / "readers"
EXAMPLES = {
    # export: the suggestions init must make (role → field), and where the images are
    "smm": (
        ROOT / "examples" / "smm" / "Exportlista Wikimedia v5-2015-09-07.csv",
        {"identifier": "Identifikationsnr", "title": "Benämning", "date": "Datering-Produktion"},
        ("path", "images/${Dimukode}.jpg"),
    ),
    "kenom": (
        ROOT / "examples" / "kenom" / "kenom_oai_chunk20.xml",
        {"identifier": "lidoRecID", "title": "title", "rights": "imageRights"},
        ("iiif", "image.url"),
    ),
    "lido": (
        ROOT / "tests" / "golden" / "lido" / "minimaldatensatz.xml",
        {"identifier": "lidoRecID", "title": "title", "creator": "creator"},
        ("url", "image.url"),
    ),
    "dublin-core": (
        ROOT / "tests" / "golden" / "dublin-core" / "oai_dc.xml",
        {"identifier": "header.identifier", "title": "title", "rights": "rights", "date": "date"},
        ("url", "identifier"),
    ),
    "generic-csv": (
        ROOT / "tests" / "golden" / "generic-csv" / "export.csv",
        {"identifier": "id", "title": "title", "creator": "creator", "rights": "rights"},
        ("path", "images/${image}"),
    ),
    "json-records": (
        DATA / "json_records",
        {"identifier": "id", "creator": "creator[].full_name", "rights": "license"},
        ("url", "image.image_url"),
    ),
}


@pytest.mark.parametrize("case", EXAMPLES)
def test_init_writes_a_crosswalk_whose_dry_run_plans_every_record(case: str, tmp_path: Path) -> None:
    export, expected, (kind, value) = EXAMPLES[case]
    scaffold = init_batch(export, tmp_path / "new")
    assert {role: s.field for role, s in scaffold.suggestions.items() if role in expected} == expected
    assert scaffold.image is not None and (scaffold.image.kind, scaffold.image.value) == (kind, value)
    crosswalk = yaml.safe_load(scaffold.crosswalk_file.read_text(encoding="utf-8"))
    assert crosswalk["record_id"] == expected["identifier"]
    text = scaffold.crosswalk_file.read_text(encoding="utf-8")
    listed = [f for f in scaffold.fields if f'#   "{f}"' in text]
    mapped = [f for f in scaffold.fields if f'"{f}"' in text]
    assert set(mapped) | {scaffold.image.field} == set(scaffold.fields), "every field mapped or listed"
    assert listed, "the other fields are listed"
    records = [r.position for r in open_export(export)]
    planned = list(plan_batch(load_batch(scaffold.batch_file)))
    assert list(dict.fromkeys(p.position for p in planned)) == records
    if case in ("generic-csv", "json-records", "lido"):
        assert any(p.uploadable for p in planned)
    if case == "dublin-core":  # a named creator's photo of "ca. 1905", which can mean 1910: for a person
        reviewed = [p.license.work.rule for p in planned if p.license.verdict == "review"]
        assert reviewed == ["too-young-for-assumed"]


def test_init_refuses_to_overwrite_and_the_cli_prints_the_next_commands(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "tests" / "golden" / "generic-csv" / "images", tmp_path / "museum" / "images")
    export = tmp_path / "museum" / "export.csv"
    shutil.copy(ROOT / "tests" / "golden" / "generic-csv" / "export.csv", export)
    result = CliRunner().invoke(cli, ["init", str(export)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "museum" / "batch.yaml").is_file()
    assert "glamupload dry-run" in result.output and "glamupload values" in result.output
    assert "title        title  (its name)" in result.output
    again = CliRunner().invoke(cli, ["init", str(export), "--template", "Photograph"])
    assert again.exit_code == 2 and "exists; give another --out folder or --force" in again.output
    forced = CliRunner().invoke(cli, ["init", str(export), "--template", "Photograph", "--force"])
    assert forced.exit_code == 0
    crosswalk = yaml.safe_load((tmp_path / "museum" / "crosswalk.yaml").read_text(encoding="utf-8"))
    assert crosswalk["template"] == "Photograph" and "photographer" in crosswalk["params"]
    batch = yaml.safe_load((tmp_path / "museum" / "batch.yaml").read_text(encoding="utf-8"))
    assert batch["export"] == {"path": "export.csv", "format": "csv", "encoding": "utf-8", "delimiter": ","}


def test_init_with_an_unknown_template() -> None:
    with pytest.raises(ConfigError, match="not 'Book'"):
        init_batch(EXAMPLES["generic-csv"][0], template="Book")


def test_a_field_name_with_a_yaml_line_break_stays_inside_its_comment(tmp_path: Path) -> None:
    """NEL (a latin-1 byte 0x85 read as text) or U+2028 in a field name ended the YAML comment listing
    it, and the dry run then met "unknown key" in the crosswalk init had written."""
    export = tmp_path / "export.csv"
    export.write_text(
        "id,title,file,notes\u0085x,other\u2028y\nA-1,Coin,a.jpg,n,o\nA-2,Medal,b.jpg,m,p\n", encoding="utf-8"
    )
    scaffold = init_batch(export, tmp_path / "new")
    crosswalk = yaml.safe_load(scaffold.crosswalk_file.read_text(encoding="utf-8"))
    assert 'x"' not in crosswalk and 'y"' not in crosswalk
    load_batch(scaffold.batch_file)  # the crosswalk is read as written
    assert list(plan_batch(load_batch(scaffold.batch_file)))


def test_an_export_whose_name_is_not_utf8_is_an_error_and_a_batch_name_reads_as_latin1(
    tmp_path: Path,
) -> None:
    """ "Sj\\xf6" from an old zip: init crashed writing the crosswalk (a half-made folder), and a dry run
    crashed writing summary.json with the batch file's name."""
    export = tmp_path / os.fsdecode(b"Sj\xf6.csv")
    export.write_text("id,title\n1,a\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        init_batch(export, tmp_path / "out")
    assert "is not UTF-8 text" in caught.value.message and not (tmp_path / "out").exists()
    batch = tmp_path / "batch"
    shutil.copytree(Path(__file__).parent / "golden" / "generic-csv", batch)  # its batch file has no name:
    renamed = batch / os.fsdecode(b"Sj\xf6.yaml")
    (batch / "batch.yaml").rename(renamed)
    assert load_batch(renamed).name == "Sjö"


def test_init_never_takes_a_licence_address_for_the_image(tmp_path: Path) -> None:
    """A LIDO folder whose images are local paths: init suggested ``url: image.rights``, so four of the
    five files had the CC0 deed's web page as their image."""
    scaffold = init_batch(DATA / "lido_folder", tmp_path / "new")
    assert scaffold.image is None or "rights" not in scaffold.image.value


def test_init_takes_no_life_date_for_the_works_date_and_maps_a_death_year(tmp_path: Path) -> None:
    """``maker.born`` read as dates, so it became the page's date and the licence's created year; a LIDO
    export's ``creatorDeath`` was never mapped, so its public-domain works waited for review."""
    born = init_batch(DATA / "array.json", tmp_path / "json")
    assert "maker.born" not in {s.field for s in born.suggestions.values()}
    facts = yaml.safe_load(born.crosswalk_file.read_text(encoding="utf-8"))["rights"]["facts"]
    assert "death_year" not in facts  # no field is named for a death: a date alone is not one
    lido = init_batch(ROOT / "tests" / "data" / "lido-rights", tmp_path / "lido")
    facts = yaml.safe_load(lido.crosswalk_file.read_text(encoding="utf-8"))["rights"]["facts"]
    assert facts["death_year"] == {"field": "creatorDeath", "transforms": [{"year": "latest"}]}
