"""Planning a batch: the real SMM and KENOM exports end to end, records.jsonl, and record-level problems
that never stop the batch."""

from __future__ import annotations

import csv
import json
import shutil
import textwrap
from pathlib import Path

import mwparserfromhell
import pytest

from glamupload import conventions, dryrun, titles
from glamupload.config import load_batch
from glamupload.errors import ConfigError
from glamupload.plan import (
    distinct_values,
    named_death,
    plan_batch,
    write_lookup_skeleton,
)
from glamupload.planned import PlannedFile, write_records
from glamupload.problems import Problem, ProblemCode
from glamupload.state import BatchState, FileStatus, Outcome

ROOT = Path(__file__).resolve().parent.parent
SMM = ROOT / "examples" / "smm"
KENOM = ROOT / "examples" / "kenom" / "batch.yaml"
GENERIC = Path(__file__).resolve().parent / "golden" / "generic-csv"
FILE_PAGE_TEMPLATES = {"Artwork", "Photograph", "Information", "Art Photo", "Book", "Map"}


@pytest.fixture(scope="module")
def smm() -> list[PlannedFile]:
    return list(plan_batch(load_batch(SMM / "batch.yaml")))


@pytest.fixture(scope="module")
def kenom() -> list[PlannedFile]:
    return list(plan_batch(load_batch(KENOM)))


def smm_rows() -> list[dict[str, str]]:
    with (SMM / "Exportlista Wikimedia v5-2015-09-07.csv").open(encoding="utf-8") as fh:
        return [
            dict(zip(("id", "type", "name"), row[:3], strict=True))
            for row in list(csv.reader(fh, delimiter="|"))[1:]
        ]


# --- SMM: the done criteria of the mapping issue --------------------------------------------------------


def test_smm_maps_every_record_without_errors(smm: list[PlannedFile]) -> None:
    rows = smm_rows()
    assert len(smm) == len(rows) == 597
    assert [p.record_id for p in smm] == [r["id"] for r in rows]
    assert [p for p in smm if p.errors] == []


def test_smm_pages_parse_with_one_template_a_license_section_and_a_category(smm: list[PlannedFile]) -> None:
    for planned in smm:
        code = mwparserfromhell.parse(planned.wikitext)
        description = mwparserfromhell.parse(planned.wikitext.split("=={{int:license-header}}==")[0])
        top = [  # the licence section may hold an {{Art Photo}} with the two licences
            t
            for t in description.filter_templates(recursive=False)
            if str(t.name).strip() in FILE_PAGE_TEMPLATES
        ]
        assert len(top) == 1, planned.record_id
        assert str(top[0].name).strip() == planned.template
        headings = [str(h.title).strip() for h in code.filter_headings()]
        assert headings == ["{{int:filedesc}}", "{{int:license-header}}"], planned.record_id
        links = [str(link.title) for link in code.filter_wikilinks()]
        categories = [t for t in links if t.startswith("Category:")]
        assert categories and [c[len("Category:") :] for c in categories] == list(planned.categories)
        if planned.license.verdict == "accept":
            license_section = planned.wikitext.split("=={{int:license-header}}==")[1]
            assert planned.license.wikitext and planned.license.wikitext in license_section


def test_smm_templates_follow_the_object_type(smm: list[PlannedFile]) -> None:
    types = {r["id"]: r["type"] for r in smm_rows()}
    for planned in smm:
        assert planned.template == ("Photograph" if types[planned.record_id] == "Foto" else "Artwork")


def test_smm_file_names_are_unique_valid_and_keep_the_identifier(smm: list[PlannedFile]) -> None:
    names = [p.filename for p in smm]
    assert len(set(names)) == 597
    for planned in smm:
        assert titles.sanitize(planned.filename) == planned.filename
        assert len(planned.filename.encode()) <= titles.MAX_BYTES
        assert planned.filename.endswith(".jpg")
        assert titles.sanitize(planned.record_id) in planned.filename


def test_smm_license_verdicts(smm: list[PlannedFile]) -> None:
    """Both layers (#13): a photo of an object is accepted only with the object's own status proven."""
    by_id = {p.record_id: p for p in smm}
    rows = {r["id"]: r for r in smm_rows()}
    with (SMM / "Exportlista Wikimedia v5-2015-09-07.csv").open(encoding="utf-8") as fh:
        rights = {row[0]: row[24] for row in list(csv.reader(fh, delimiter="|"))[1:]}
    for record_id, label in rights.items():
        verdict = by_id[record_id].license
        assert verdict.verdict in ("accept", "review"), record_id
        if verdict.verdict != "accept":
            assert verdict.reason and by_id[record_id].uploadable is False
            continue
        wikitext = verdict.wikitext
        if rows[record_id]["type"] == "Foto":  # a photograph: its own work
            expected = (
                "{{cc-by-sa-3.0|" if label == "Erkännande-Dela lika" else "{{PD-Sweden-photo}}{{PD-1996}}"
            )
            assert wikitext.startswith(expected), record_id
        elif label == "Erkännande-Dela lika":  # the museum's licensed photo of a public-domain work
            assert wikitext.startswith(("{{Licensed-PD-Art|PD-", "{{Art Photo|artwork license={{PD-")), (
                record_id
            )
            assert "Sjöhistoriska museet" in wikitext or "Vasamuseet" in wikitext
        else:  # the museum's "protection expired": a faithful reproduction of a public-domain 2D work
            assert wikitext.startswith("{{PD-Art|PD-"), record_id
        assert verdict.work.us.status in ("public-domain", "licensed"), record_id
    # the photograph of 1961 and the 1906 pastel by Herman af Sillén (died 1908, people table)
    assert by_id["Fo206798"].license.wikitext == "{{PD-Sweden-photo}}{{PD-1996}}"
    assert by_id["O 04929"].license.wikitext == "{{PD-Art|PD-old-auto-expired|deathyear=1908}}"
    # a 1947 drawing by Knud H. Reimers (died 1987): the photo's licence is not the drawing's
    assert by_id["1990:10:136:2"].license.verdict == "review"
    vasa = [p for p in smm if p.params["institution"] == "{{Institution:Vasamuseet}}"]
    licensed = [p.license.reproduction for p in vasa if p.license.license_id == "cc-by-sa-3.0"]
    # attributed to the photographer and the collection, "<photographer> / <collection>" (#15)
    assert licensed and {r.holder.rpartition(" / ")[2] for r in licensed} == {"Vasamuseet"}
    assert all(" / " in r.holder for r in licensed)


def test_smm_institution_and_tracking_category(smm: list[PlannedFile]) -> None:
    for planned in smm:
        assert planned.params["institution"] in (
            "{{Institution:Sjöhistoriska museet}}",
            "{{Institution:Vasamuseet}}",
        )
        # the batch's tracking category, then the tool category every glamupload file is in (#15)
        assert planned.categories[-2:] == ("Media contributed by SMM", "Uploaded with glamupload")
        assert planned.source.endswith(".jpg") and Path(planned.source).is_file()


# --- KENOM ----------------------------------------------------------------------------------------------


def test_kenom_every_record_is_refused_for_its_image_rights(kenom: list[PlannedFile]) -> None:
    assert len({p.record_id for p in kenom}) == 20
    assert len(kenom) == 32  # 12 records with obverse and reverse, 8 with one image
    for planned in kenom:
        assert planned.errors == ()
        assert planned.license.verdict == "reject" and not planned.uploadable
        assert planned.license.basis == "image rights"
        assert "NC" in planned.license.reason and planned.license.license_id == "cc-by-nc-4.0"
        assert planned.source.endswith("/full/max/0/default.jpg")


def test_kenom_multi_image_records_link_their_other_versions(kenom: list[PlannedFile]) -> None:
    first, second = [p for p in kenom if p.record_id == "record_DE-68_kenom_123644"]
    assert first.filename.endswith(" - image 1.jpg") and second.filename.endswith(" - image 2.jpg")
    assert f"File:{second.filename}" in first.params["other_versions"]
    assert f"File:{first.filename}" in second.params["other_versions"]


# --- records.jsonl --------------------------------------------------------------------------------------


def test_records_jsonl_has_the_contract_fields(kenom: list[PlannedFile], tmp_path: Path) -> None:
    path = write_records(kenom, tmp_path / "out")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert path.name == "records.jsonl" and len(lines) == len(kenom)
    first = json.loads(lines[0])
    for key in (
        "record_id",
        "filename",
        "wikitext",
        "categories",
        "license",
        "source",
        "errors",
        "warnings",
        "index",
        "template",
        "params",
    ):
        assert key in first
    assert {"verdict", "wikitext", "reason", "basis", "license_id"} <= set(first["license"])
    assert not first["filename"].startswith("File:")
    assert first["uploadable"] is False
    assert [json.loads(line)["index"] for line in lines] == list(range(len(kenom)))
    assert all({"code", "field", "message"} == set(w) for w in first["warnings"])


# --- a batch of our own: problems stay on their record --------------------------------------------------


def make_batch(tmp_path: Path, extra: str = "") -> Path:
    folder = tmp_path / "batch"
    shutil.copytree(GENERIC, folder)
    (folder / "batch.yaml").write_text(
        textwrap.dedent(
            """\
            export: {path: export.csv}
            crosswalk: generic-csv
            institution: {name: Example Museum}
            """
        )
        + extra,
        encoding="utf-8",
    )
    return folder / "batch.yaml"


def test_a_missing_image_is_an_error_on_that_record_only(tmp_path: Path) -> None:
    batch = make_batch(tmp_path)
    (batch.parent / "images" / "ex-2.png").unlink()
    planned = list(plan_batch(load_batch(batch)))
    assert [p.record_id for p in planned] == ["EX-1", "EX-2", "EX-3"]
    assert planned[0].errors == () and planned[2].errors == ()
    assert [(e.field, e.code) for e in planned[1].errors] == [("images", ProblemCode.IMAGE_MISSING)]
    assert "images/ex-2.png" in planned[1].errors[0].message and "not found" in planned[1].errors[0].message
    assert not planned[1].uploadable


def test_image_paths_may_not_leave_the_image_root(tmp_path: Path) -> None:
    batch = make_batch(tmp_path)
    export = batch.parent / "export.csv"
    export.write_text(
        export.read_text(encoding="utf-8").replace("ex-1.jpg", "../../secret.jpg"), encoding="utf-8"
    )
    (tmp_path / "secret.jpg").write_bytes((batch.parent / "images" / "ex-1.jpg").read_bytes())
    refused = list(plan_batch(load_batch(batch)))[0]
    assert refused.errors[0].code == ProblemCode.IMAGE_OUTSIDE_ROOT and "outside" in refused.errors[0].message
    batch.write_text(
        batch.read_text(encoding="utf-8") + "images: {allow_outside_root: true}\n", encoding="utf-8"
    )
    allowed = list(plan_batch(load_batch(batch)))[0]
    assert allowed.errors == () and allowed.source == str((tmp_path / "secret.jpg").resolve())


def test_extension_comes_from_the_content_not_the_name(tmp_path: Path) -> None:
    batch = make_batch(tmp_path)
    images = batch.parent / "images"
    (images / "ex-1.jpg").write_bytes((images / "ex-2.png").read_bytes())  # a PNG named .jpg
    (images / "ex-3.jpg").write_bytes(b"not an image at all")
    planned = list(plan_batch(load_batch(batch)))
    assert planned[0].filename.endswith(".png")
    assert any("cannot be uploaded" in e.message for e in planned[2].errors)


def plan_with_third_id(tmp_path: Path, record_id: str) -> list[PlannedFile]:
    """The example batch planned with its third record's id (and image) those of the second."""
    batch = make_batch(tmp_path)
    export = batch.parent / "export.csv"
    text = (
        export.read_text(encoding="utf-8").replace("EX-3,", f"{record_id},").replace("ex-3.jpg", "ex-2.png")
    )
    export.write_text(text, encoding="utf-8")
    return list(plan_batch(load_batch(batch)))


def test_duplicate_record_ids_are_an_error_on_the_later_record(tmp_path: Path) -> None:
    planned = plan_with_third_id(tmp_path, "EX-2")
    assert planned[1].filename == "View of Haarlem - Jacob van Ruisdael - EX-2.png"
    assert planned[2].filename == "View of Haarlem - Jacob van Ruisdael - EX-2.jpg"  # moot: not uploadable
    # the same id twice is an error of its own on the later record, naming where the first one is
    assert not planned[1].errors
    duplicate = f"duplicate record id 'EX-2': {planned[1].position} has it too; record ids must be unique"
    assert Problem("id", duplicate, ProblemCode.DUPLICATE_ID) in planned[2].errors
    assert planned[1].position != planned[2].position and not planned[2].uploadable


def test_record_ids_that_differ_only_in_surrounding_spaces_are_duplicates(tmp_path: Path) -> None:
    """A spreadsheet's "EX-2 " is the record "EX-2" typed twice: it was planned as a second record."""
    planned = plan_with_third_id(tmp_path, "EX-2 ")
    assert planned[2].record_id == "EX-2 "  # kept as exported (upload states are keyed by it)
    message = f"duplicate record id 'EX-2 ': {planned[1].position} has it too (as 'EX-2': only the spaces"
    [duplicate] = [p for p in planned[2].errors if p.code == ProblemCode.DUPLICATE_ID]
    assert duplicate.message.startswith(message) and not planned[2].uploadable and not planned[1].errors


def test_overrides_are_applied_and_visible(tmp_path: Path) -> None:
    batch = make_batch(tmp_path, "overrides: overrides.yaml\n")
    (batch.parent / "overrides.yaml").write_text(
        "overrides:\n  - record_id: EX-3\n    wikitext: '{{cc-by-4.0}}'\n    reviewer: Curator A\n"
        "    reason: the rights holder granted CC BY 4.0 in writing\n",
        encoding="utf-8",
    )
    planned = list(plan_batch(load_batch(batch)))
    overridden = planned[2]
    assert overridden.license.verdict == "accept" and overridden.license.basis == "override"
    assert "Curator A" in overridden.license.reason and "reject" in overridden.license.reason
    assert "{{cc-by-4.0}}" in overridden.wikitext and overridden.uploadable
    assert planned[0].license.basis == "image rights"


def test_lookup_warnings_name_the_field(tmp_path: Path) -> None:
    planned = list(plan_batch(load_batch(make_batch(tmp_path))))
    assert (
        Problem("categories.from.0", "'fan' has no 'category' in lookup table 'keywords'")
        in planned[0].warnings
    )


def test_a_row_that_cannot_be_read_is_an_error_on_that_record_and_the_rest_go_on(tmp_path: Path) -> None:
    batch = make_batch(tmp_path)
    export = batch.parent / "export.csv"
    export.write_text(
        export.read_text(encoding="utf-8")
        + "EX-4,too,many,fields,a,b,c,d,e,f,g,h\n"
        + 'EX-5,A ship,"Vroom, Hendrick",1620,,oil,,,Free to use,ex-1.jpg\n',
        encoding="utf-8",
    )
    planned = list(plan_batch(load_batch(batch)))
    assert [p.record_id for p in planned] == ["EX-1", "EX-2", "EX-3", "EX-4", "EX-5"]
    broken = planned[3]
    assert broken.position == "line 6" and not broken.uploadable
    assert broken.errors == (
        Problem(
            "record",
            "row has 12 fields but the header has 10 (hint: is the delimiter right? "
            "(reading with comma ','); a value containing the delimiter must be quoted)",
            ProblemCode.RECORD,
        ),
    )
    assert not planned[4].errors


def test_crosswalk_is_checked_before_any_record_is_read(tmp_path: Path) -> None:
    batch = make_batch(tmp_path)
    crosswalk = (
        (ROOT / "mappings" / "generic-csv.yaml")
        .read_text(encoding="utf-8")
        .replace("field: title", "field: titel")
    )
    (batch.parent / "cw.yaml").write_text(crosswalk, encoding="utf-8")
    batch.write_text(
        batch.read_text(encoding="utf-8").replace("crosswalk: generic-csv", "crosswalk: cw.yaml"),
        encoding="utf-8",
    )
    planned = plan_batch(load_batch(batch))
    with pytest.raises(ConfigError) as err:
        next(planned)
    assert err.value.file == str(batch.parent / "cw.yaml") and "did you mean 'title'?" in (
        err.value.hint or ""
    )


def test_limit_plans_only_the_first_records(tmp_path: Path) -> None:
    planned = list(plan_batch(load_batch(make_batch(tmp_path, "limit: 2\n"))))
    assert [p.record_id for p in planned] == ["EX-1", "EX-2"]


# --- values and lookup-table skeletons -------------------------------------------------------------------


def test_distinct_values_most_frequent_first() -> None:
    values = distinct_values(load_batch(SMM / "batch.yaml"), "Rättigheter")
    assert values == [("Erkännande-Dela lika", 320), ("Utgången skyddstid", 277)]
    photographers = distinct_values(load_batch(SMM / "batch.yaml"), "Namn-Fotograf")
    assert photographers[:2] == [("Karlsson, Anneli", 169), ("Okänd fotograf", 111)]
    assert sum(count for _, count in photographers) == 597 - 176  # 176 records have no photographer


def test_distinct_values_of_repeated_columns_and_lists() -> None:
    values = dict(distinct_values(load_batch(SMM / "batch.yaml"), "Namn-Tillverkare.1"))
    assert values["Svensson, Sam"] == 3  # "Svensson, Sam " with a trailing space is the same value
    kenom = dict(distinct_values(load_batch(KENOM), "subject"))
    assert kenom["Notgeld"] >= 1


def test_distinct_values_of_a_list_of_objects_names_their_keys() -> None:
    """LIDO's ``images`` printed "0 distinct values" and exit 0; JSON's ``images.url`` had its hint."""
    with pytest.raises(ConfigError, match="field 'images' holds objects, not values") as caught:
        distinct_values(load_batch(KENOM), "images")
    assert caught.value.hint is not None and "images[].url" in caught.value.hint
    assert distinct_values(load_batch(KENOM), "images[].url")


def test_a_skeleton_never_replaces_a_table_being_filled_in_or_what_the_batch_reads(tmp_path: Path) -> None:
    """It replaced a filled-in lookup table, the batch's own export and crosswalk, and /dev/full."""
    batch = load_batch(make_batch(tmp_path))
    filled = tmp_path / "keywords.csv"
    filled.write_text("value,category\nfan,Fans\n", encoding="utf-8")
    for path, why in [
        (filled, "exists: it may be a lookup table being filled in"),
        (batch.export_path, "--skeleton would overwrite the export"),
        (batch.path, "--skeleton would overwrite the batch file"),
        (Path("/dev/full"), "exists"),
    ]:
        with pytest.raises(ConfigError, match=why):
            write_lookup_skeleton([("fan", 1)], path, batch, replace=path != filled)
    assert filled.read_text(encoding="utf-8") == "value,category\nfan,Fans\n"
    write_lookup_skeleton([("fan", 1)], filled, batch, replace=True)  # --force
    assert filled.read_text(encoding="utf-8").startswith("value,count")


def test_the_dry_run_never_writes_over_what_the_batch_reads(tmp_path: Path) -> None:
    """An export named records.jsonl beside the batch, and --out the batch folder: the dry run deleted
    the export before reading it. A folder export would read the outputs as records next time."""
    folder = tmp_path / "b"
    folder.mkdir()
    crosswalk = (
        "record_id: id\ntemplate: Information\nparams: {description: title}\nimages: {url: title}\n"
        "filename: {pattern: '{id}', parts: {id: id}, protected: [id]}\n"
    )
    write_inline(folder, "records.jsonl", '{"id": "A-1", "title": "Coin"}\n', crosswalk)
    with pytest.raises(ConfigError, match="the dry run would overwrite the export"):
        dryrun.dry_run(load_batch(folder / "batch.yaml"), folder)
    assert (folder / "records.jsonl").read_text(encoding="utf-8").startswith('{"id": "A-1"')
    (folder / "recs").mkdir()
    (folder / "records.jsonl").rename(folder / "recs" / "a.jsonl")
    (folder / "batch.yaml").write_text("export: {path: recs}\ncrosswalk: cw.yaml\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="inside the export folder"):
        dryrun.dry_run(load_batch(folder / "batch.yaml"), folder / "recs" / "out")
    assert [p.name for p in (folder / "recs").iterdir()] == ["a.jsonl"]


def test_distinct_values_of_an_unknown_field_suggests() -> None:
    with pytest.raises(ConfigError) as err:
        distinct_values(load_batch(SMM / "batch.yaml"), "Rattigheter")
    assert "did you mean 'Rättigheter'?" in (err.value.hint or "")


def test_skeleton_is_a_lookup_table_to_fill_in(tmp_path: Path) -> None:
    batch = load_batch(SMM / "batch.yaml")
    values = distinct_values(batch, "Samling")
    path = write_lookup_skeleton(values, tmp_path / "samling.csv", batch)
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["value"] for r in rows] == ["Sjöhistoriska museet", "Vasamuseet"]
    assert rows[0] == {
        "value": "Sjöhistoriska museet",
        "count": "546",
        "wikitext": "",
        "category": "",
        "wikidata": "",
    }


def write_inline(folder: Path, export_name: str, export: str, crosswalk: str) -> Path:
    """A batch file of this export (named ``export_name``) and this crosswalk, written into ``folder``."""
    (folder / export_name).write_text(export, encoding="utf-8")
    (folder / "cw.yaml").write_text(crosswalk, encoding="utf-8")
    (folder / "batch.yaml").write_text(
        f"export: {{path: {export_name}}}\ncrosswalk: cw.yaml\n", encoding="utf-8"
    )
    return folder / "batch.yaml"


def plan_inline(folder: Path, export_csv: str, crosswalk: str) -> list[PlannedFile]:
    """Plan a batch made of this CSV export and this crosswalk, written into ``folder``."""
    return list(plan_batch(load_batch(write_inline(folder, "export.csv", export_csv, crosswalk))))


def test_camera_default_names_are_refused(tmp_path: Path) -> None:
    shutil.copy(GENERIC / "images" / "ex-1.jpg", tmp_path / "a.jpg")
    camera, descriptive = plan_inline(
        tmp_path,
        "id,file\nDSC_1234,a.jpg\nHarbour 1,a.jpg\n",
        "record_id: id\ntemplate: Information\nparams: {description: id}\nimages: {path: '${file}'}\n"
        "filename: {pattern: '{id}', parts: {id: id}, protected: [id]}\n",
    )
    assert camera.filename == "DSC 1234.jpg"
    assert any("camera's default name" in e.message for e in camera.errors) and not camera.uploadable
    assert not any(e.field == "filename" for e in descriptive.errors)


def test_batch_values_named_by_the_crosswalk_must_exist(tmp_path: Path) -> None:
    batch = make_batch(tmp_path)
    crosswalk = (ROOT / "mappings" / "generic-csv.yaml").read_text(encoding="utf-8")
    (batch.parent / "cw.yaml").write_text(
        crosswalk.replace("batch: institution.name", "batch: institution.nme"), encoding="utf-8"
    )
    batch.write_text(
        batch.read_text(encoding="utf-8").replace("crosswalk: generic-csv", "crosswalk: cw.yaml"),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as err:
        next(plan_batch(load_batch(batch)))
    assert "no value 'institution.nme'" in err.value.message and "did you mean 'institution.name'?" in (
        err.value.hint or ""
    )
    expected = next(
        n for n, line in enumerate(crosswalk.splitlines(), 1) if "batch: institution.name" in line
    )
    assert err.value.line == expected


def test_iiif_service_with_a_suffix_and_a_record_without_id(tmp_path: Path) -> None:
    coin, medal = plan_inline(
        tmp_path,
        "id,title,service\nA-1,Coin,https://iiif.example.org/iiif/coin-1\n,Medal,https://iiif.example.org/iiif/m/info.json\n",
        "record_id: id\ntemplate: Information\nparams: {description: title}\n"
        "images: {iiif: service, suffix: {value: obverse}}\n"
        "filename: {pattern: '{title} - {id}', parts: {title: title, id: id}, protected: [id]}\n",
    )
    assert coin.source == "https://iiif.example.org/iiif/coin-1/full/max/0/default.jpg"
    assert coin.filename == "Coin - A-1 - obverse.jpg"
    assert medal.source == "https://iiif.example.org/iiif/m/full/max/0/default.jpg"
    assert medal.record_id == "(line 3)"
    assert Problem("id", "empty: the record has no identifier", ProblemCode.NO_ID) in medal.errors


def test_batch_lookup_tables_replace_the_crosswalks_and_bad_categories_are_errors(tmp_path: Path) -> None:
    batch = make_batch(tmp_path, "lookups: {keywords: my-keywords.csv}\n")
    (batch.parent / "my-keywords.csv").write_text(
        "value,category\nportrait,category:portrait_paintings\nlandscape,Landscapes [Haarlem]\n",
        encoding="utf-8",
    )
    first, second, _ = plan_batch(load_batch(batch))
    assert "Portrait paintings" in first.categories and first.errors == ()  # normalised like the wiki does
    assert "Landscapes [Haarlem]" not in second.categories
    assert second.errors[0].field == "categories" and "cannot be a page title" in second.errors[0].message


def test_a_batch_lookup_table_the_crosswalk_lacks_is_an_error_naming_its_line(tmp_path: Path) -> None:
    """A typo in the table's name left the batch's table unread and the crosswalk's own in use, silently."""
    batch = make_batch(tmp_path, "lookups: {keyword: my-keywords.csv}\n")
    (batch.parent / "my-keywords.csv").write_text("value,category\nportrait,Portraits\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        list(plan_batch(load_batch(batch)))
    err = caught.value
    assert (err.file, err.field) == (str(batch), "lookups.keyword") and err.line is not None
    assert "no lookup table 'keyword'" in err.message and "did you mean 'keywords'?" in (err.hint or "")


def test_a_page_without_any_category_goes_into_the_backlog(tmp_path: Path) -> None:
    """No category from the crosswalk or the batch: the file still gets a visible one, the backlog named
    after the tool category (no tracking category here), and a warning; never a page without a category."""
    folder = tmp_path / "dc"
    shutil.copytree(Path(__file__).resolve().parent / "golden" / "dublin-core", folder)
    (folder / "batch.yaml").write_text(
        "export: {path: oai_dc.xml}\ncrosswalk: dublin-core\n", encoding="utf-8"
    )
    first = next(plan_batch(load_batch(folder / "batch.yaml")))
    assert first.categories == ("Uploaded with glamupload: improve categories", "Uploaded with glamupload")
    assert first.has(ProblemCode.NEEDS_CATEGORIES) and not first.has(ProblemCode.PAGE)


def test_json_export_with_nested_paths_and_an_image_list(tmp_path: Path) -> None:
    (tmp_path / "export.json").write_text(
        json.dumps(
            [
                {
                    "id": "J-1",
                    "title": "Compass",
                    "maker": {"name": "Doe, Jane", "died": "1850"},
                    "images": [
                        {"url": "https://img.example.org/j1-a.png", "rights": "CC0"},
                        {"url": "https://img.example.org/j1-b.tif", "rights": "CC BY-NC 4.0"},
                    ],
                },
            ]
        ),
        encoding="utf-8",
    )
    (tmp_path / "cw.yaml").write_text(
        textwrap.dedent(
            """\
        record_id: id
        template: Artwork
        params:
          title: title
          artist: {field: maker.name, transforms: [creator_name]}
        rights:
          image: image.rights
          facts: {death_year: maker.died}
        images: {each: images, url: image.url}
        categories: {fixed: [Compasses]}
        filename: {pattern: '{title} - {id}', parts: {title: title, id: id}, protected: [id]}
        """
        ),
        encoding="utf-8",
    )
    (tmp_path / "batch.yaml").write_text(
        "export: {path: export.json}\ncrosswalk: cw.yaml\n", encoding="utf-8"
    )
    free, non_free = plan_batch(load_batch(tmp_path / "batch.yaml"))
    assert free.params["artist"] == "Jane Doe"
    assert (free.filename, non_free.filename) == (
        "Compass - J-1 - image 1.png",
        "Compass - J-1 - image 2.tif",
    )
    assert free.license.verdict == "accept" and non_free.license.verdict == "reject"


def test_a_records_line_is_the_json_of_its_planned_file(
    smm: list[PlannedFile], kenom: list[PlannedFile]
) -> None:
    """records.jsonl's lines splice in the verdict's JSON made once (Verdict.json): the same text."""
    for item in [*smm, *kenom]:
        assert item.to_json() == json.dumps(item.to_dict(), ensure_ascii=False)
        assert PlannedFile.from_json(item.to_json()) == item


def test_an_image_url_that_cannot_be_fetched_is_an_error_on_that_record_and_the_rest_go_on(
    tmp_path: Path,
) -> None:
    """urlsplit raises on ``https://[host`` (an IPv6 bracket left open): that was a crash of the whole
    dry run; now it is the record's error, as a missing file is."""
    bad_host, bad_port, no_host, good = plan_inline(
        tmp_path,
        "id,title,url,page\n"
        "A-1,Coin,https://[img.example.org/a.jpg,https://[museum.example.org/A-1\n"
        "A-2,Medal,https://img.example.org:jpg/b.jpg,https://museum.example.org/A-2\n"
        "A-3,Token,https:///c.jpg,https://museum.example.org/A-3\n"
        "A-4,Note,https://img.example.org/d.jpg,https://[museum.example.org/A-4\n",
        "record_id: id\ntemplate: Information\nparams: {description: title, source: page}\n"
        "record_url: page\nimages: {url: url}\n"
        "filename: {pattern: '{title} - {id}', parts: {title: title, id: id}, protected: [id]}\n",
    )
    reasons = [(bad_host, "Invalid IPv6 URL"), (bad_port, "Port could not be cast"), (no_host, "no host")]
    for n, c in enumerate("\t\n\x07\x85"):  # urlsplit drops tabs and newlines: another URL is fetched
        reasons.append((plan_one_url(tmp_path / str(n), f"https://img.example.org/a{c}b.jpg"), repr(c)))
    for item, why in reasons:
        (error,) = item.errors
        assert (error.code, error.field) == (ProblemCode.IMAGE_URL, "images") and why in error.message
        assert not item.uploadable
    # a record page that does not parse (that crashed too) is no record page: there is none to link
    assert not good.errors and good.source == "https://img.example.org/d.jpg"
    # a spreadsheet cell's stray newline or indent around the URL is no part of it
    padded = plan_one_url(tmp_path / "padded", "\thttps://img.example.org/e.jpg\r\n")
    assert not padded.errors and padded.source == "https://img.example.org/e.jpg"


def plan_one_url(folder: Path, url: str) -> PlannedFile:
    """Plan one JSON record whose image is ``url`` (JSON can carry any character)."""
    folder.mkdir()
    crosswalk = (
        "record_id: id\ntemplate: Information\nparams: {description: id}\nimages: {url: url}\n"
        "filename: {pattern: 'Coin {id}', parts: {id: id}, protected: [id]}\n"
    )
    batch = write_inline(folder, "export.json", json.dumps([{"id": "A-1", "url": url}]), crosswalk)
    (planned,) = plan_batch(load_batch(batch))
    return planned


def test_a_page_template_mistake_stops_the_batch_naming_the_template(tmp_path: Path) -> None:
    """It was an error on every record ("page template syntax: …") with no file or line, exit 1."""
    batch = make_batch(tmp_path, "templates: tpl\n")
    (batch.parent / "tpl").mkdir()
    (batch.parent / "tpl" / "file-page.j2").write_text("{{Information\n<% if %>\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        list(plan_batch(load_batch(batch)))
    assert raised.value.file == str(batch.parent / "tpl" / "file-page.j2") and raised.value.line == 2


def test_a_page_larger_than_a_wiki_page_may_be_is_an_error(tmp_path: Path) -> None:
    """A 2.5 MB description made a page Commons refuses ("contenttoobig") after the file's bytes were
    sent; the limit is the wiki's (tests/test_wiki.py), counted in bytes of UTF-8."""
    limit = conventions.load().max_page_bytes
    rows = "".join(
        f"A-{n},https://img.example.org/{n}.jpg,{text}\n"
        for n, text in enumerate(["é" * (limit // 2), "Coin"])
    )
    big, small = plan_inline(
        tmp_path,
        "id,url,title\n" + rows,
        "record_id: id\ntemplate: Information\nparams: {description: title}\nimages: {url: url}\n"
        "filename: {pattern: 'Coin {id}', parts: {id: id}, protected: [id]}\n",
    )
    (error,) = [e for e in big.errors if e.field == "wikitext"]
    assert error.code == ProblemCode.PAGE and f"more than the {limit:,} a wiki page may hold" in error.message
    assert not big.uploadable and not [e for e in small.errors if e.field == "wikitext"]


def test_a_json_field_that_is_an_object_in_one_record_is_left_out_with_a_warning(tmp_path: Path) -> None:
    """Text in most records, an object in one: that record's title was Python's repr ("{'sv': …}"),
    on the page and in its file name, and an object id became "{'inv': 'J3'}"."""
    rows = [
        {"id": "J1", "title": "Portrait of a lady", "url": "https://example.org/1.jpg"},
        {"id": "J2", "title": {"sv": "Porträtt", "en": "Portrait"}, "url": "https://example.org/2.jpg"},
        {"id": {"inv": "J3"}, "title": [{"text": "A"}, "B"], "url": "https://example.org/3.jpg"},
    ]
    crosswalk = (
        "record_id: id\ntemplate: Information\nparams: {description: title}\nimages: {url: url}\n"
        "filename: {pattern: '{title} - {id}', parts: {title: title, id: id}, protected: [id]}\n"
    )
    text, obj, mixed = plan_batch(
        load_batch(write_inline(tmp_path, "export.json", json.dumps(rows), crosswalk))
    )
    assert not any("object" in w.message for w in text.warnings)
    assert "{" not in obj.filename and "'sv'" not in obj.wikitext
    assert any(w.message.startswith("'title' holds an object in this record") for w in obj.warnings)
    assert mixed.record_id != "{'inv': 'J3'}" and any(e.code == ProblemCode.NO_ID for e in mixed.errors)
    assert "B" in mixed.wikitext and "'text'" not in mixed.wikitext  # the text in the list stays


def test_a_fact_that_is_no_year_is_a_warning_whatever_its_digits(tmp_path: Path) -> None:
    """``isdigit`` let "²" and 5,000 digits through to ``int()``, which raised: a crash of the dry run."""
    rows = [("A-1", "1850", None), ("A-2", "²", "'²' is not a year"), ("A-3", "--5", "'--5' is not a year")]
    rows.append(("A-4", "1" * 5000, "is not a year"))
    planned = plan_inline(
        tmp_path,
        "id,title,died\n" + "".join(f"{i},Coin,{died}\n" for i, died, _ in rows),
        "record_id: id\ntemplate: Information\nparams: {description: title}\nimages: {url: title}\n"
        "rights: {facts: {death_year: died}}\n"
        "filename: {pattern: '{title} - {id}', parts: {title: title, id: id}, protected: [id]}\n",
    )
    for item, (_, _, warning) in zip(planned, rows, strict=True):
        facts = [w.message for w in item.warnings if w.code == ProblemCode.FACT]
        assert (facts == []) if warning is None else (len(facts) == 1 and warning in facts[0]), facts


# --- several creators: the term runs from the last to die ------------------------------------------------


def smm_with_people(tmp_path: Path, *rows: str) -> dict[str, PlannedFile]:
    """The SMM example planned with its people table given ``rows`` more (value,…,death_year,…)."""
    folder = tmp_path / "smm"
    shutil.copytree(SMM, folder, symlinks=True)
    table = (ROOT / "mappings" / "lookups" / "smm" / "people.csv").read_text(encoding="utf-8")
    (folder / "people.csv").write_text(table.rstrip("\n") + "\n" + "".join(r + "\n" for r in rows), "utf-8")
    batch = folder / "batch.yaml"
    batch.write_text(batch.read_text(encoding="utf-8") + "lookups: {people: people.csv}\n", encoding="utf-8")
    return {p.record_id: p for p in plan_batch(load_batch(batch))}


def test_a_work_of_two_creators_is_not_judged_by_the_first_ones_death(tmp_path: Path) -> None:
    """1974:1031-1033:1033, a drawing by Chapman (died 1808) and Neuendorff: it was accepted with
    deathyear=1808 whatever Neuendorff's death. His unknown, it is judged by its age (1774); his known,
    by the later of the two deaths."""
    plain = {p.record_id: p for p in plan_batch(load_batch(SMM / "batch.yaml"))}
    drawing = plain["1974:1031-1033:1033"].license
    assert drawing.verdict == "accept" and "deathyear=1808" not in drawing.wikitext
    assert drawing.work.rule == "unknown-author" and "created 1774" in drawing.reason
    late = smm_with_people(tmp_path, '"Neuendorff, Joachim",,,1980,')
    assert late["1974:1031-1033:1033"].license.verdict == "review"
    assert "the creator died 1980" in late["1974:1031-1033:1033"].license.reason
    early = smm_with_people(tmp_path / "early", '"Neuendorff, Joachim",,,1810,')
    assert "deathyear=1810" in early["1974:1031-1033:1033"].license.wikitext


def test_a_crosswalk_without_death_years_gets_no_pd_old_assumed(tmp_path: Path) -> None:
    """generic-csv reads no death year: a 1903 painting by Picasso was {{PD-old-assumed}} as if his death
    date could not be found. Now it goes to review; 1630 (no author lives 190 years) stays public domain."""
    batch = make_batch(tmp_path)
    export = batch.parent / "export.csv"
    text = export.read_text(encoding="utf-8").replace(
        '"Ruisdael, Jacob van",1670-1675', '"Picasso, Pablo",1903'
    )
    export.write_text(text, encoding="utf-8")
    planned = list(plan_batch(load_batch(batch)))
    assert planned[1].license.verdict == "review" and planned[1].license.work.rule == "death-year-not-sought"
    assert planned[0].license.work.rule == "unknown-author" and planned[0].license.verdict == "accept"


def test_a_photographs_licence_year_is_its_own_date_not_the_ships(tmp_path: Path) -> None:
    """Fo206798, a photograph the museum says is out of copyright: dated 1975 with the ship's 1850 as its
    production date, it was {{PD-1996}} by the ship's year (PD-1996 needs a photograph from before 1969)."""
    planned = smm_edited(
        tmp_path, {"Fo206798": {"Datering-Produktion": "1850", "Datering-Fotografering": "1975"}}
    )
    photo = planned["Fo206798"].license
    assert photo.verdict == "review" and "created 1975" in photo.reason, photo.reason
    assert planned["O 00286"].license.verdict == "accept"  # a 1640 globe photographed in 2014: its own year


def smm_edited(tmp_path: Path, edits: dict[str, dict[str, str]]) -> dict[str, PlannedFile]:
    """The SMM example planned with the given records' columns set to new values."""
    folder = tmp_path / "smm"
    shutil.copytree(SMM, folder, symlinks=True)
    export = folder / "Exportlista Wikimedia v5-2015-09-07.csv"
    with export.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="|"))
    for row in rows[1:]:
        for column, value in edits.get(row[0], {}).items():
            row[rows[0].index(column)] = value
    with export.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter="|").writerows(rows)
    return {p.record_id: p for p in plan_batch(load_batch(folder / "batch.yaml"))}


def test_conditions_read_case_as_the_lookups_do(tmp_path: Path) -> None:
    """ "foto" was a photograph to the licence (the kind lookup ignores case) but an {{Artwork}} with no
    photographer to the page (``equals: Foto``); a "ritning" by Chapman lost his death year (``in:``)."""
    plain = {p.record_id: p for p in plan_batch(load_batch(SMM / "batch.yaml"))}
    edited = smm_edited(
        tmp_path, {"Fo206798": {"Typ av objekt": "foto"}, "OR 2595": {"Benämning": "ritning"}}
    )
    for record_id in ("Fo206798", "OR 2595"):
        assert edited[record_id].template == plain[record_id].template
        assert edited[record_id].license == plain[record_id].license
    assert edited["Fo206798"].template == "Photograph"


def test_a_circa_date_never_meets_a_public_domain_cut_off_by_a_guess(tmp_path: Path) -> None:
    """OR 983, a drawing whose makers' deaths are unknown: of 1900 it is {{PD-old-assumed}} (before 1906);
    of "ca 1905", which can mean 1910, it goes to review (it was accepted as exactly 1905)."""
    planned = smm_edited(tmp_path, {"OR 983": {"Datering-Produktion": "ca 1905"}})
    assert planned["OR 983"].license.verdict == "review"
    assert "created 1910" in planned["OR 983"].license.reason
    assert "{{Other date|circa|1905}}" in planned["OR 983"].wikitext


def test_a_replan_never_gives_a_new_record_the_name_another_records_file_has(tmp_path: Path) -> None:
    """Names without ids: EX-2 and EX-3, both "View of Haarlem", were uploaded as "View of Haarlem - Jacob
    van Ruisdael.png" and "… (2).png". The museum withdrew EX-2 and added EX-4 with the same title: the
    replan numbered afresh and gave EX-4 the name EX-3 has on the wiki, so it failed "title taken" on
    every run. Names the state holds are taken now, in the dry run as in the upload."""
    batch = make_batch(tmp_path)
    crosswalk = (ROOT / "mappings" / "generic-csv.yaml").read_text(encoding="utf-8")
    (batch.parent / "crosswalk.yaml").write_text(
        crosswalk.replace('pattern: "{title} - {creator} - {id}"', 'pattern: "{title} - {creator}"').replace(
            "  protected: [id]\n", "  protected: []\n"
        ),
        encoding="utf-8",
    )
    batch.write_text(batch.read_text(encoding="utf-8").replace("generic-csv", "crosswalk.yaml"), "utf-8")
    export = batch.parent / "export.csv"
    export.write_text(export.read_text(encoding="utf-8").replace("ex-3.jpg", "ex-2.png"), encoding="utf-8")
    first = list(plan_batch(load_batch(batch)))
    view = "View of Haarlem - Jacob van Ruisdael"
    assert [p.filename for p in first[1:]] == [f"{view}.png", f"{view} (2).png"]
    with BatchState(load_batch(batch).state_path) as db:
        db.store_plan(first, {})
        rows = {row.record_id: row for row in db.rows()}
        uploaded = [
            (rows[r].id, Outcome(FileStatus.UPLOADED, title=f"File:{rows[r].filename}"))
            for r in ("EX-2", "EX-3")
        ]
        db.finish_many(uploaded)
    lines = export.read_text(encoding="utf-8").splitlines(keepends=True)
    ex2 = next(i for i, line in enumerate(lines) if line.startswith("EX-2,"))
    ex3 = next(i for i, line in enumerate(lines) if line.startswith("EX-3,"))
    export.write_text("".join(lines[:ex2] + lines[ex3:] + [lines[ex3].replace("EX-3,", "EX-4,")]), "utf-8")
    again = {p.record_id: p.filename for p in plan_batch(load_batch(batch))}
    assert again["EX-3"] == f"{view} (2).png"  # its own, as uploaded
    assert again["EX-4"] == f"{view} (3).png"  # not EX-3's, nor EX-2's (on the wiki still)


def test_facts_that_are_no_year_or_no_country_are_named_not_taken(tmp_path: Path) -> None:
    """A raw "0000" as the creation year made a work 2,000 years old; "SWE" as the country gave it the
    default term without a word."""
    batch = make_batch(tmp_path)
    crosswalk = (ROOT / "mappings" / "generic-csv.yaml").read_text(encoding="utf-8")
    (batch.parent / "crosswalk.yaml").write_text(
        crosswalk.replace(
            "      field: date\n      transforms: [{year: latest}]\n", "      value: '0000'\n"
        ).replace(
            "    kind:\n      value: 2d\n", "    kind:\n      value: 2d\n    country:\n      value: SWE\n"
        ),
        encoding="utf-8",
    )
    batch.write_text(batch.read_text(encoding="utf-8").replace("generic-csv", "crosswalk.yaml"), "utf-8")
    planned = list(plan_batch(load_batch(batch)))[0]
    facts = [w.message for w in planned.warnings if w.code == ProblemCode.FACT]
    assert facts == [
        "'0000' is not a year (use the year transform)",
        "country 'SWE' is not a two-letter ISO 3166 code (SE, DE…)",
    ]
    assert planned.license.verdict == "review" and planned.license.work.rule == "no-dates"


def test_a_photograph_of_a_painting_is_no_photograph_that_is_its_own_work(tmp_path: Path) -> None:
    """Dublin Core types "Gemälde" and "Photograph": any photo type made the file its own work, so a CC
    BY-SA scan of a 1975 painting by a living painter was accepted as the photograph's licence."""
    folder = tmp_path / "dc"
    shutil.copytree(ROOT / "tests" / "golden" / "dublin-core", folder)
    export = folder / "oai_dc.xml"
    text = export.read_text(encoding="utf-8").replace(
        "<dc:type>Photograph</dc:type>", "<dc:type>Gemälde</dc:type><dc:type>Photograph</dc:type>"
    )
    text = text.replace("<dc:date>ca. 1905</dc:date>", "<dc:date>1975</dc:date>")
    export.write_text(
        text.replace("http://creativecommons.org/publicdomain/zero/1.0/", "CC BY-SA 4.0"), encoding="utf-8"
    )
    painting = list(plan_batch(load_batch(folder / "batch.yaml")))[0]
    assert (
        painting.license.verdict == "review" and "the photograph is the work" not in painting.license.reason
    )
    assert (
        Problem(
            "rights.facts.kind", "the kinds disagree (2d, photo): the kind is left open", ProblemCode.FACT
        )
        in painting.warnings
    )


def test_a_co_creator_without_a_death_in_a_json_list_makes_the_death_unknown(tmp_path: Path) -> None:
    """``creators[].death`` gave only the deaths that are there: Bob's null, missing, "" or "unknown"
    death vanished, and Anna's 1930 made the 1925 work {{PD-old-auto-expired}}."""
    folder = tmp_path / "json"
    shutil.copytree(ROOT / "tests" / "data" / "json-creators", folder)
    (folder / "batch.yaml").write_text(
        "export: {path: export.json}\ncrosswalk: crosswalk.yaml\ninstitution: {name: Example Museum}\n",
        encoding="utf-8",
    )
    verdicts = {p.record_id: p.license for p in plan_batch(load_batch(folder / "batch.yaml"))}
    assert "deathyear=1931" in verdicts["J1"].wikitext  # both known: the later
    for record_id in ("J8", "J9", "J10", "J11"):
        assert verdicts[record_id].verdict == "review", record_id
        assert "no death year for the creator" in verdicts[record_id].reason


@pytest.mark.parametrize(
    "death_year",
    [
        '{field: ["creators[].death", "engravers[].death"], transforms: [{year: latest}]}',
        '{field: "engravers[].death", when: {field: id, equals: none}, '
        'otherwise: {field: "creators[].death", transforms: [{year: latest}]}}',
    ],
    ids=["two-lists", "otherwise"],
)
def test_a_missing_death_is_found_in_each_list_and_in_the_branch_that_gave_the_years(
    tmp_path: Path, death_year: str
) -> None:
    """A reviewer's cases: Bob's null death hidden by two engravers' years in a second list, or read
    through an ``otherwise`` the check did not look into; both were {{PD-old-auto-expired}}."""
    folder = tmp_path / "json"
    shutil.copytree(ROOT / "tests" / "data" / "json-creators", folder)
    records = json.loads((folder / "export.json").read_text(encoding="utf-8"))
    for record in records:
        record["engravers"] = [
            {"name": "Stecher, Carl", "death": 1880},
            {"name": "Stecher, Dora", "death": 1881},
        ]
    (folder / "export.json").write_text(json.dumps(records), encoding="utf-8")
    crosswalk = folder / "crosswalk.yaml"
    text = crosswalk.read_text(encoding="utf-8")
    old = '    death_year: {field: "creators[].death", transforms: [{year: latest}]}\n'
    assert old in text
    crosswalk.write_text(text.replace(old, f"    death_year: {death_year}\n"), encoding="utf-8")
    (folder / "batch.yaml").write_text(
        "export: {path: export.json}\ncrosswalk: crosswalk.yaml\ninstitution: {name: Example Museum}\n",
        encoding="utf-8",
    )
    verdicts = {p.record_id: p.license for p in plan_batch(load_batch(folder / "batch.yaml"))}
    assert verdicts["J1"].verdict == "accept"
    assert [r for r in ("J8", "J9", "J10", "J11") if verdicts[r].verdict != "review"] == []


def _json_facts_batch(folder: Path, records: list[dict[str, object]], facts: str) -> Path:
    """A JSON Lines export of public-domain claims on 2D works with one image, and a crosswalk whose
    facts are ``facts`` (YAML)."""
    from upload_support import make_image

    folder.mkdir()
    make_image(folder / "images" / "a.png", "a", 16)
    lines = [json.dumps({"rights": "Public domain", "image": "a.png", **r}) for r in records]
    (folder / "export.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "crosswalk.yaml").write_text(
        textwrap.dedent(
            """\
            record_id: id
            template: Artwork
            params: {title: title}
            rights:
              image: rights
              facts:
                kind: {value: 2d}
            """
        )
        + textwrap.indent(facts, "    ")
        + "images: {path: 'images/${image}'}\n"
        + "filename: {pattern: '{title} - {id}', parts: {title: title, id: id}, protected: [id]}\n",
        encoding="utf-8",
    )
    batch = folder / "batch.yaml"
    batch.write_text("export: {path: export.jsonl}\ncrosswalk: crosswalk.yaml\n", encoding="utf-8")
    return batch


def test_several_creation_years_count_by_the_latest(tmp_path: Path) -> None:
    """A record dated ["1790", "1962"] (built, rebuilt) took the first year: a public-domain claim on a
    1962 work was accepted as PD-old-70-expired; reversed, the same record went to review."""
    records = [
        {"id": "J1", "title": "Ship model", "date": ["1790", "1962"]},
        {"id": "J2", "title": "Ship model", "date": ["1962", "1790"]},
        {"id": "J3", "title": "Ship model", "date": ["1790"]},
    ]
    batch = _json_facts_batch(
        tmp_path / "b", records, "created: {field: 'date[]', transforms: [{year: latest}]}\n"
    )
    planned = {p.record_id: p for p in plan_batch(load_batch(batch))}
    for record_id in ("J1", "J2"):
        assert planned[record_id].license.verdict == "review", record_id
        assert any("the created years disagree" in w.message for w in planned[record_id].warnings)
    assert planned["J3"].license.verdict == "accept"  # one year, as before


def test_several_countries_count_by_the_longest_term(tmp_path: Path) -> None:
    """["SE", "MX"] took SE, whose 70 years had run out for a painter who died in 1950, while Mexico's
    100 years have not; the order of the list decided."""
    records = [
        {"id": f"C{n}", "title": "Mural study", "death": 1950, "date": "1928", "country": countries}
        for n, countries in enumerate([["SE", "MX"], ["MX", "SE"], ["MX", "Mexico"]])
    ]
    facts = "death_year: {field: death}\ncreated: {field: date}\ncountry: {field: 'country[]'}\n"
    planned = list(plan_batch(load_batch(_json_facts_batch(tmp_path / "b", records, facts))))
    for file in planned:
        assert file.license.verdict == "review" and "protected in MX" in file.license.reason
        said = " ".join(w.message for w in file.warnings)
        assert "the countries disagree" in said or "country 'Mexico' is not a two-letter" in said


def test_a_death_year_left_out_by_its_condition_is_not_sought_for_that_record(tmp_path: Path) -> None:
    """The death year was "sought" for the whole crosswalk as soon as it named one: a record its `when`
    left out (SMM's figurehead, a 3D work, by an artist the people table says died in 1970) was
    {{PD-old-assumed}} by its age alone."""
    records = [
        {"id": "D1", "title": "Drawing", "type": "drawing", "death": "1970", "date": "1900"},
        {"id": "F1", "title": "Figurehead", "type": "object", "death": "1970", "date": "1900"},
    ]
    facts = "death_year: {field: death, when: {field: type, equals: drawing}}\ncreated: {field: date}\n"
    planned = {
        p.record_id: p.license
        for p in plan_batch(load_batch(_json_facts_batch(tmp_path / "b", records, facts)))
    }
    assert planned["D1"].work.rule == "in-copyright"
    assert planned["F1"].verdict == "review" and planned["F1"].work.rule == "death-year-not-sought"


def test_smm_reads_an_objects_artist_for_its_death(tmp_path: Path) -> None:
    """The shipped SMM crosswalk read death years for drawings only: a figurehead carved in 1900 by an
    artist who died in 1970 (the people table) was accepted; now its artist is read, never the
    designer of the ship a model shows."""
    folder = tmp_path / "smm"
    shutil.copytree(SMM, folder, symlinks=True)
    export = folder / "Exportlista Wikimedia v5-2015-09-07.csv"
    header, *rows = export.read_bytes().decode("utf-8").split("\r\n")
    names = header.split("|")
    lines = []
    for line in rows:
        row = line.split("|")
        if row[0] == "O 02432":  # Fartygsornament, galjonsbild: no artist, no date in the export
            row[names.index("Namn-Konstnär")] = "Berg, Anna"
            row[names.index("Datering-Produktion")] = "1900"
        lines.append("|".join(row))
    export.write_bytes("\r\n".join([header, *lines]).encode("utf-8"))
    table = (ROOT / "mappings" / "lookups" / "smm" / "people.csv").read_text(encoding="utf-8")
    (folder / "people.csv").write_text(table.rstrip("\n") + '\n"Berg, Anna",,,1970,\n', "utf-8")
    batch = folder / "batch.yaml"
    batch.write_text(batch.read_text(encoding="utf-8") + "lookups: {people: people.csv}\n", encoding="utf-8")
    figurehead = {p.record_id: p for p in plan_batch(load_batch(batch))}["O 02432"].license
    assert figurehead.work.rule == "in-copyright" and "the creator died 1970" in figurehead.reason


@pytest.mark.parametrize(
    ("names", "death"),
    [
        (["Anna Berg (1880-1960)"], 1960),
        (["Carl Larsson 1853–1919"], 1919),
        (["Berg, Anna, † 1960"], 1960),
        (["Anna Berg, död 1960", "Carl Larsson (1853-1919)"], 1960),
        (["Anna Berg"], None),
        (["Anna Berg, verksam 1900"], None),
        (["Kungliga flottan 1900-talet"], None),
        (["Inv. 1880-1960.12"], None),  # an inventory number, not life dates
        # found by helper 27
        (["Berg, Anna (12.3.1880 – 1.5.1960)"], 1960),
        (["(ca 1880 - ca 1960)"], 1960),
        (["(1880 – c. 1960)"], 1960),
        (["(1880?-1960)"], 1960),
        (["† 12.5.1960"], 1960),
        (["1880-03-01 – 1960-05-02"], 1960),
        (["Berg, Anna (+1960)"], 1960),
        (["Berg, Anna, døde 1960"], 1960),
        (["Berg, Anna (1880–60)"], 1960),
    ],
)
def test_life_dates_in_a_creators_name(names: list[str], death: int | None) -> None:
    assert named_death(names) == death


def test_life_dates_in_the_creators_name_hold_an_assumed_death(tmp_path: Path) -> None:
    """ "Berg, Anna (1880-1960)" with an empty death column was {{PD-old-assumed}} (a death that cannot be
    found) for a work of 1900, while its page showed her death in 1960."""
    records = [
        {
            "id": "L1",
            "title": "Harbour",
            "creator": "Berg, Anna (1880-1960)",
            "date": "1900",
            "death": "okänd",
        },
        {"id": "L2", "title": "Harbour", "creator": "Berg, Anna", "date": "1900", "death": "okänd"},
        {
            "id": "L3",
            "title": "Mill",
            "creator": "Rijn, Rembrandt van (1606-1669)",
            "date": "1650",
            "death": "okänd",
        },
    ]
    folder = tmp_path / "b"
    batch = _json_facts_batch(folder, records, "death_year: {field: death}\ncreated: {field: date}\n")
    crosswalk = folder / "crosswalk.yaml"
    crosswalk.write_text(
        crosswalk.read_text(encoding="utf-8").replace(
            "params: {title: title}",
            "params: {title: title, artist: {field: creator, transforms: [creator_name]}}",
        ),
        encoding="utf-8",
    )
    planned = {p.record_id: p.license for p in plan_batch(load_batch(batch))}
    assert planned["L1"].verdict == "review" and planned["L1"].work.rule == "death-in-name"
    # a death long past is no reason to wait: the work is judged as before
    assert planned["L3"].verdict == "accept", planned["L3"].reason
    assert "the creator's name shows one, 1960" in planned["L1"].reason
    assert planned["L2"].verdict == "accept" and planned["L2"].work.rule == "pd-old-assumed"


def test_a_country_that_is_no_iso_code_gets_the_longest_term_not_the_default(tmp_path: Path) -> None:
    """ "Mexico" was left out with a warning, and the default 70 years made a painter who died in 1940
    public domain, though Mexico protects 100 years; an ISO code is judged by its own term."""
    records = [
        {"id": "M1", "title": "Mural study", "death": "1940", "date": "1920", "country": "Mexico"},
        {"id": "M2", "title": "Mural study", "death": "1940", "date": "1920", "country": "SE"},
    ]
    facts = "death_year: {field: death}\ncreated: {field: date}\ncountry: {field: country}\n"
    planned = {
        p.record_id: p for p in plan_batch(load_batch(_json_facts_batch(tmp_path / "b", records, facts)))
    }
    unreadable = planned["M1"].license
    assert unreadable.verdict == "review" and unreadable.work.rule == "in-copyright"
    assert "no ISO code: the longest term known, 100 years" in unreadable.reason
    assert any("country 'Mexico' is not a two-letter" in w.message for w in planned["M1"].warnings)
    assert planned["M2"].license.verdict == "accept"
