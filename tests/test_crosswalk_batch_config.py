"""The batch config: paths relative to the batch file, defaults, and line-precise errors."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from glamupload.config import load_batch
from glamupload.errors import ConfigError
from glamupload.resources import mappings_dir

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def batch_dir(tmp_path: Path) -> Path:
    (tmp_path / "export.csv").write_text("id,title\n1,A\n", encoding="utf-8")
    (tmp_path / "pictures").mkdir()
    return tmp_path


def write(folder: Path, text: str) -> Path:
    path = folder / "batch.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


BASIC = """\
export:
  path: export.csv
  delimiter: ","
crosswalk: generic-csv
images:
  root: pictures
"""


def test_example_batches_load() -> None:
    smm = load_batch(ROOT / "examples" / "smm" / "batch.yaml")
    assert smm.export_path.name == "Exportlista Wikimedia v5-2015-09-07.csv" and smm.export_path.is_file()
    assert smm.crosswalk_path == mappings_dir() / "smm.yaml"
    assert smm.reader_options["delimiter"] == "|"
    assert smm.model.categories.tracking == "Media contributed by SMM"
    kenom = load_batch(ROOT / "examples" / "kenom" / "batch.yaml")
    assert kenom.crosswalk_path == mappings_dir() / "kenom.yaml"
    assert kenom.values_for_crosswalk()["institution.name"] == "Schleswig-Holsteinische Landesbibliothek"


def test_paths_are_relative_to_the_batch_file(batch_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir("/")
    batch = load_batch(write(batch_dir, BASIC))
    assert batch.export_path == batch_dir.resolve() / "export.csv"
    assert batch.image_roots == [(batch_dir / "pictures").resolve()]
    assert batch.state_path == batch_dir.resolve() / "batch.state.sqlite"
    assert batch.name == "batch"


def test_a_crosswalk_file_next_to_the_batch(batch_dir: Path) -> None:
    (batch_dir / "mine.yaml").write_text("record_id: id\n", encoding="utf-8")
    batch = load_batch(write(batch_dir, BASIC.replace("crosswalk: generic-csv", "crosswalk: mine.yaml")))
    assert batch.crosswalk_path == batch_dir.resolve() / "mine.yaml"


def test_unknown_key_names_the_line_and_suggests(batch_dir: Path) -> None:
    path = write(batch_dir, BASIC + "institution:\n  name: X\n  wikidate: Q1\n")
    with pytest.raises(ConfigError) as err:
        load_batch(path)
    assert err.value.file == str(path) and err.value.line == 9
    assert err.value.message == "unknown key 'wikidate'"
    assert (err.value.hint or "").startswith("did you mean 'wikidata'?")


def test_unknown_top_level_key(batch_dir: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_batch(write(batch_dir, BASIC + "overides: o.yaml\n"))
    assert err.value.line == 7 and "did you mean 'overrides'?" in (err.value.hint or "")


def test_wrong_value_type(batch_dir: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_batch(write(batch_dir, BASIC + "institution:\n  name: X\n  wikidata: 1141388\n"))
    assert err.value.line == 9


def test_missing_export_file_points_at_its_line(batch_dir: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_batch(write(batch_dir, BASIC.replace("path: export.csv", "path: exprt.csv")))
    assert err.value.line == 2 and "exprt.csv does not exist" in err.value.message


def test_missing_image_root(batch_dir: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_batch(write(batch_dir, BASIC.replace("root: pictures", "root: [pictures, photos]")))
    assert err.value.line == 6 and "photos" in err.value.message


def test_a_reviews_file_that_is_a_folder_is_an_error(batch_dir: Path) -> None:
    """The decisions in it were read as none, and `review` failed only when it came to write them."""
    (batch_dir / "checked").mkdir()
    with pytest.raises(ConfigError) as err:
        load_batch(write(batch_dir, BASIC + "reviews: checked\n"))
    assert err.value.line == 7 and "checked is not a file to keep reviews in" in err.value.message
    assert load_batch(write(batch_dir, BASIC + "reviews: later.yaml\n")).reviews_path.name == "later.yaml"


def test_a_state_that_is_a_folder_is_an_error_naming_its_line(batch_dir: Path) -> None:
    """status and review reported a disk failure for it; the dry run took it."""
    (batch_dir / "st").mkdir()
    with pytest.raises(ConfigError) as err:
        load_batch(write(batch_dir, BASIC + "state: st\n"))
    assert err.value.line == 7 and "is not a file to keep the upload state in" in err.value.message


def test_a_templates_folder_that_is_not_there_is_an_error_naming_its_line(batch_dir: Path) -> None:
    """It was an error on every record, naming no file, and the dry run exited 1."""
    with pytest.raises(ConfigError) as err:
        load_batch(write(batch_dir, BASIC + "templates: tpl\n"))
    assert err.value.line == 7 and "templates folder" in err.value.message


def test_a_folder_named_with_a_tilde_is_a_folder_beside_the_batch(batch_dir: Path) -> None:
    """A folder "~scans" and no user "scans": expanduser raised RuntimeError, a crash of every command."""
    (batch_dir / "~scans").mkdir()
    batch = load_batch(write(batch_dir, BASIC.replace("root: pictures", "root: ~scans")))
    assert batch.image_roots == [(batch_dir / "~scans").resolve()]


def test_a_symbolic_link_loop_or_a_nul_in_a_path_is_an_error_naming_its_line(batch_dir: Path) -> None:
    """Path.resolve raised RuntimeError (a loop) and ValueError (a NUL): crashes of every command."""
    (batch_dir / "loop").symlink_to("loop")
    with pytest.raises(ConfigError) as err:
        load_batch(write(batch_dir, BASIC.replace("root: pictures", "root: loop")))
    assert err.value.line == 6 and err.value.message == f"{batch_dir / 'loop'} is a symbolic link loop"
    with pytest.raises(ConfigError, match="is a symbolic link loop"):
        load_batch(write(batch_dir, BASIC), state=batch_dir / "loop")
    with pytest.raises(ConfigError) as err:
        load_batch(write(batch_dir, BASIC.replace("root: pictures", 'root: "pictures\\0"')))
    assert err.value.line == 6 and "holds a NUL character" in err.value.message


def test_unknown_shipped_crosswalk(batch_dir: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_batch(write(batch_dir, BASIC.replace("crosswalk: generic-csv", "crosswalk: generic-cvs")))
    assert err.value.line == 4 and "did you mean 'generic-csv'?" in (err.value.hint or "")


def test_required_keys(batch_dir: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_batch(write(batch_dir, "crosswalk: smm\n"))
    assert "required key 'export' is missing" in err.value.message


def test_sheet_index_stays_a_number_and_names_stay_text(batch_dir: Path) -> None:
    batch = load_batch(write(batch_dir, BASIC.replace('  delimiter: ","', "  sheet: 0") + "name: 2015\n"))
    assert batch.reader_options["sheet"] == 0
    assert batch.name == "2015"


@pytest.mark.parametrize("key", ["tracking", "needs_categories"])
def test_an_empty_category_name_is_an_error_not_a_silent_none(batch_dir: Path, key: str) -> None:
    """The batch's `tracking: ""` fell back to the crosswalk's, the crosswalk's meant none at all."""
    with pytest.raises(ConfigError) as err:
        load_batch(write(batch_dir, BASIC + f'categories:\n  {key}: "  "\n'))
    assert (
        err.value.line == 8 and "empty: write the category's name, or leave the key out" in err.value.message
    )
