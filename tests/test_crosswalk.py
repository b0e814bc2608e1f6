"""Crosswalk loading: the shipped crosswalks fit their exports, and every mistake a curator can make is
reported before any record is read, with the file, the line, the key and the closest valid name."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from glamupload.crosswalk import load, resolve_path, template_parameters
from glamupload.errors import ConfigError
from glamupload.readers import open_export
from glamupload.readers.paths import ExportShape
from glamupload.resources import mappings_dir
from glamupload.transforms import Context, FieldCache
from glamupload.yamlconfig import load_yaml

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
SMM_EXPORT = ROOT / "examples" / "smm" / "Exportlista Wikimedia v5-2015-09-07.csv"

FIELDS = [
    "Identifikationsnr",
    "Typ av objekt",
    "Benämning",
    "Namn-Konstnär",
    "Namn-Tillverkare",
    "Namn-Tillverkare.1",
    "Rättigheter",
    "Samling",
    "Dimukode",
]

MINIMAL = """\
record_id: Identifikationsnr
template: Artwork
params:
  title: Benämning
images:
  path: images/${Dimukode}.jpg
filename:
  pattern: "{title} - {id}"
  parts:
    title: Benämning
    id: Identifikationsnr
  protected: [id]
"""


def write(tmp_path: Path, text: str, name: str = "cw.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def error_for(tmp_path: Path, text: str, fields: list[str] = FIELDS) -> ConfigError:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load(path, fields)
    assert err.value.file == str(path)
    return err.value


@pytest.mark.parametrize(
    ("crosswalk", "export", "options"),
    [
        ("smm", SMM_EXPORT, {"delimiter": "|"}),
        ("kenom", ROOT / "examples" / "kenom" / "kenom_oai_chunk20.xml", {}),
        ("lido", GOLDEN / "lido" / "minimaldatensatz.xml", {}),
        ("dublin-core", GOLDEN / "dublin-core" / "oai_dc.xml", {"format": "oai_dc"}),
        ("generic-csv", GOLDEN / "generic-csv" / "export.csv", {}),
    ],
)
def test_shipped_crosswalks_fit_their_exports(crosswalk: str, export: Path, options: dict[str, str]) -> None:
    reader = open_export(export, **options)
    loaded = load(resolve_path(crosswalk), reader.shape)
    assert loaded.model.record_id in reader.fields
    assert loaded.filename_parts


def test_minimal_crosswalk_loads(tmp_path: Path) -> None:
    loaded = load(write(tmp_path, MINIMAL), FIELDS)
    assert loaded.model.template == "Artwork"
    assert list(loaded.params) == ["title"]


def test_unknown_top_level_key(tmp_path: Path) -> None:
    err = error_for(tmp_path, MINIMAL + "categorys:\n  fixed: [X]\n")
    assert err.line == 13 and err.message == "unknown key 'categorys'"
    assert err.hint is not None and err.hint.startswith("did you mean 'categories'?")


def test_unknown_key_inside_a_source(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "  title: Benämning\n", "  title:\n    field: Benämning\n    transfroms: [trim]\n", 1
    )
    err = error_for(tmp_path, text)
    assert err.line == 6 and "unknown key 'transfroms'" in err.message
    assert "did you mean 'transforms'?" in (err.hint or "")


OTHERWISE = """\
  title:
    field: Namn-Konstnär
    when: {field: Typ av objekt, equals: Foto}
    transforms: [trim]
    otherwise:
      field: Benämning
      transforms: [{format: "object: ${value}"}]
"""


def test_otherwise_is_the_source_for_the_records_the_condition_excludes(tmp_path: Path) -> None:
    loaded = load(write(tmp_path, MINIMAL.replace("  title: Benämning\n", OTHERWISE, 1)), FIELDS)
    source = loaded.params["title"]
    assert "Benämning" in source.reads  # it is remembered by what the otherwise reads too
    photo = {"Typ av objekt": "Foto", "Namn-Konstnär": " Anna ", "Benämning": "Bild"}
    ship = {"Typ av objekt": "Föremål", "Namn-Konstnär": " Anna ", "Benämning": "Fartyg"}
    other = {**ship, "Benämning": "Modell"}
    for record, expected in [(photo, ["Anna"]), (ship, ["object: Fartyg"]), (other, ["object: Modell"])]:
        fields = FieldCache(record)
        assert source.values(fields, Context(fields, "params.title"), {}) == expected


def test_otherwise_without_a_condition_is_an_error(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "  title: Benämning\n", OTHERWISE.replace("    when: {field: Typ av objekt, equals: Foto}\n", ""), 1
    )
    err = error_for(tmp_path, text)
    assert "otherwise needs a when" in err.message


def test_unknown_transform(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "  title: Benämning\n", "  title:\n    field: Benämning\n    transforms: [trim, lookpu]\n", 1
    )
    err = error_for(tmp_path, text)
    assert err.line == 6 and "unknown transform 'lookpu'" in err.message
    assert "did you mean 'lookup'?" in (err.hint or "")


def test_unknown_template_parameter(tmp_path: Path) -> None:
    err = error_for(
        tmp_path, MINIMAL.replace("  title: Benämning\n", "  title: Benämning\n  artst: Namn-Konstnär\n", 1)
    )
    assert err.line == 5 and "template 'Artwork' has no parameter 'artst'" in err.message
    assert "did you mean 'artist'?" in (err.hint or "")


def test_unknown_template(tmp_path: Path) -> None:
    err = error_for(tmp_path, MINIMAL.replace("template: Artwork", "template: Artwrok"))
    assert err.line == 2 and "unknown file-page template 'Artwrok'" in err.message
    assert "did you mean 'Artwork'?" in (err.hint or "")


def test_shared_parameter_must_exist_in_every_variant_template(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "  title: Benämning\n", "  title: Benämning\n  artist: Namn-Konstnär\n", 1
    ) + textwrap.dedent(
        """\
        variants:
          - when: {field: Typ av objekt, equals: Foto}
            template: Photograph
        """
    )
    err = error_for(tmp_path, text)
    assert err.line == 5 and "template 'Photograph' has no parameter 'artist'" in err.message


def test_field_not_in_the_export_lists_the_columns(tmp_path: Path) -> None:
    err = error_for(tmp_path, MINIMAL.replace("  title: Benämning\n", "  title: Benamning\n", 1))
    assert err.line == 4 and err.message == "field 'Benamning' is not in the export"
    assert err.hint is not None and err.hint.startswith("did you mean 'Benämning'?")
    assert "'Typ av objekt'" in err.hint and "'Dimukode'" in err.hint
    assert "cw.yaml:4" in str(err)


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        ("  path: images/${Dimukode}.jpg", "  path: images/${Dimukod}.jpg", 6),
        ("    id: Identifikationsnr", "    id: Identifikationsnummer", 11),
        (
            "  title: Benämning\n",
            "  title:\n    field: Benämning\n    transforms: [{format: '${Samlin}'}]\n",
            6,
        ),
        ("  title: Benämning\n", "  title:\n    field: Benämning\n    when: {field: Typ, equals: Foto}\n", 6),
        # lang's field: a typo there left every value unmarked, with no word (fallback's was checked)
        (
            "  title: Benämning\n",
            "  title:\n    field: Benämning\n    transforms: [{lang: {field: Sprak}}]\n",
            6,
        ),
        ("  title: Benämning\n", "  title:\n    field: Benämning\n    transforms: [{fallback: Motv}]\n", 6),
        ("record_id: Identifikationsnr", "record_id: Identifikation", 1),
    ],
)
def test_every_place_a_field_is_named_is_checked(tmp_path: Path, old: str, new: str, line: int) -> None:
    err = error_for(tmp_path, MINIMAL.replace(old, new, 1))
    assert "is not in the export" in err.message and err.line == line


def test_paths_into_fields_are_accepted(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "  title: Benämning\n",
        "  title: [images.0.url, 'images[1].url', 'images[].url', 'xpath:string(//lido:title)']\n",
        1,
    )
    shape = ExportShape([*FIELDS, "images[].url"], frozenset({"images"}), frozenset({"images[]"}))
    assert load(write(tmp_path, text), shape).params["title"].spec.field == [
        "images.0.url",
        "images[1].url",
        "images[].url",
        "xpath:string(//lido:title)",
    ]


@pytest.mark.parametrize(
    "field", ["Benämning.²", "Benämning[²]", "Benämning[" + "9" * 4400 + "]", "Benämning." + "9" * 4400]
)
def test_a_field_path_with_a_digit_int_cannot_read_is_a_field_not_found(tmp_path: Path, field: str) -> None:
    """ "²" is a digit to ``isdigit`` but no number ``int`` reads, and 4,400 digits pass ``int``'s limit:
    both crashed the crosswalk check (ValueError)."""
    err = error_for(tmp_path, MINIMAL.replace("  title: Benämning\n", f"  title: '{field}'\n", 1))
    assert err.line == 4 and "not in the export" in err.message


def test_the_elements_of_a_list_of_values_are_values_as_the_docs_say(tmp_path: Path) -> None:
    """docs/crosswalks.md gives ``tags[]`` as its example path; on a list of text it was "not in the
    export" (only ``tags`` was)."""
    export = tmp_path / "export.json"
    export.write_text('[{"id": "1", "tags": ["a", "b"], "images": [{"url": "x"}]}]', encoding="utf-8")
    shape = open_export(export).shape
    assert [shape.problem(p) for p in ("tags", "tags[]", "tags[0]", "images[].url")] == [None] * 4
    assert "is not in the export" in shape.problem("tags[].x").message  # type: ignore[union-attr]
    assert "is a list (of objects)" in shape.problem("images.url").message  # type: ignore[union-attr]


def test_a_json_key_that_is_a_superscript_digit_is_a_key(tmp_path: Path) -> None:
    export = tmp_path / "export.json"
    export.write_text('[{"id": "1", "size": {"²": "4 m"}}]', encoding="utf-8")
    [record] = open_export(export)
    assert record.get("size.²") == "4 m"


def test_lookup_table_must_be_declared(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "  title: Benämning\n",
        "  title:\n    field: Benämning\n    transforms: [{lookup: {table: keyword}}]\n",
        1,
    )
    text += "lookups:\n  keywords: {entries: {a: b}}\n"
    err = error_for(tmp_path, text)
    assert err.line == 6 and "no lookup table named 'keyword'" in err.message
    assert "did you mean 'keywords'?" in (err.hint or "")


def test_lookup_file_is_relative_to_the_crosswalk_and_batches_can_replace_it(tmp_path: Path) -> None:
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "kw.csv").write_text("value,category\nRitning,Drawings\n", encoding="utf-8")
    (tmp_path / "mine.csv").write_text("value,category\nRitning,Ship plans\n", encoding="utf-8")
    path = write(tmp_path, MINIMAL + "lookups:\n  keywords: {file: tables/kw.csv}\n")
    assert load(path, FIELDS).tables["keywords"].get("ritning") == {"category": "Drawings"}
    replaced = load(path, FIELDS, lookup_overrides={"keywords": tmp_path / "mine.csv"})
    assert replaced.tables["keywords"].get("ritning") == {"category": "Ship plans"}


def test_filename_pattern_parts_must_be_defined(tmp_path: Path) -> None:
    err = error_for(tmp_path, MINIMAL.replace('"{title} - {id}"', '"{title} - {museum} - {id}"'))
    assert err.line == 8 and "{museum}" in err.message
    err = error_for(tmp_path, MINIMAL.replace("protected: [id]", "protected: [idno]"))
    assert (
        err.line == 12 and "protected part 'idno'" in err.message and "did you mean 'id'?" in (err.hint or "")
    )


def test_a_pattern_with_no_part_or_a_protected_part_it_leaves_out_is_an_error(tmp_path: Path) -> None:
    """Found record by record before (an empty name for every file), or not at all: a protected
    identifier the pattern leaves out was dropped, and names were no longer unique by it."""
    err = error_for(tmp_path, MINIMAL.replace('"{title} - {id}"', '""'))
    assert err.line == 8 and "file-name pattern '' uses no part" in err.message
    err = error_for(tmp_path, MINIMAL.replace('"{title} - {id}"', '"Photograph"'))
    assert err.line == 8 and "uses no part" in err.message and "{title} - {id}" in (err.hint or "")
    err = error_for(tmp_path, MINIMAL.replace('"{title} - {id}"', '"{title}"'))
    assert err.line == 12 and "protected part 'id' is not in the file-name pattern '{title}'" in err.message
    assert "add {id} to the pattern" in (err.hint or "")
    text = MINIMAL.replace("protected: [id]", "protected: [id]\n  descriptive: [title, id]")
    load(write(tmp_path, text.replace('"{title} - {id}"', '"{title} - {id}"')), FIELDS)  # both used: fine
    err = error_for(tmp_path, text.replace('"{title} - {id}"', '"{id}"'))
    assert err.line == 13 and "descriptive part 'title' is not in the file-name pattern" in err.message


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("path: images/${Dimukode}.jpg", "path: images/${}.jpg"),
        ("path: images/${Dimukode}.jpg", "path: images/${Dimukode.jpg"),
        ("  title: Benämning\n", "  title:\n    field: Benämning\n    transforms: [{format: 'x ${} y'}]\n"),
        ("  title: Benämning\n", "  title:\n    field: Benämning\n    transforms: [{format: '${value'}]\n"),
    ],
)
def test_an_empty_or_unclosed_placeholder_is_an_error_at_load(tmp_path: Path, old: str, new: str) -> None:
    """``${}`` stayed in every file's path or text as it was: found only record by record."""
    err = error_for(tmp_path, MINIMAL.replace(old, new, 1))
    assert "has an empty or unclosed ${…}" in err.message


def test_source_needs_exactly_one_origin(tmp_path: Path) -> None:
    text = MINIMAL.replace("  title: Benämning\n", "  title:\n    field: Benämning\n    value: '{{x}}'\n", 1)
    err = error_for(tmp_path, text)
    assert err.line == 4 and "exactly one of: field, value, batch" in err.message


def test_condition_needs_exactly_one_test(tmp_path: Path) -> None:
    text = MINIMAL + "variants:\n  - when: {field: Typ av objekt}\n    template: Photograph\n"
    err = error_for(tmp_path, text)
    assert err.line == 14 and "exactly one of: equals, in, matches, present" in err.message


def test_unknown_fact(tmp_path: Path) -> None:
    err = error_for(tmp_path, MINIMAL + "rights:\n  facts:\n    deathyear: Namn-Konstnär\n")
    assert err.line == 14 and "did you mean 'death_year'" in err.message


def test_license_labels_must_name_known_licenses(tmp_path: Path) -> None:
    err = error_for(tmp_path, MINIMAL + "licenses:\n  labels:\n    Erkännande: cc-by-sa-3\n")
    assert err.line == 14 and "unknown license id 'cc-by-sa-3'" in err.message


def test_yaml_syntax_error_has_a_line(tmp_path: Path) -> None:
    err = error_for(tmp_path, MINIMAL + "params: [unclosed\n")
    assert err.line == 14 and "not valid YAML" in err.message


def test_a_yaml_indentation_slip_or_a_tab_gets_a_hint(tmp_path: Path) -> None:
    """The reader notices a one-space slip a few lines later, where the next key does not fit: the
    message named a correct line and said nothing of indentation."""
    slipped = tmp_path / "slip.yaml"
    slipped.write_text("rights:\n  work: a\n image: b\n  facts:\n    created: c\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_yaml(slipped)
    assert caught.value.hint is not None and "check the indentation" in caught.value.hint
    assert "began on line 1" in caught.value.hint
    tabbed = tmp_path / "tab.yaml"
    tabbed.write_text("rights:\n\twork: a\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_yaml(tabbed)
    assert caught.value.hint is not None and "not tabs" in caught.value.hint


def test_a_pipe_or_a_device_is_no_yaml_file(tmp_path: Path) -> None:
    """A named pipe as the batch file waited for ever; /dev/zero filled the memory."""
    pipe = tmp_path / "batch.yaml"
    os.mkfifo(pipe)
    for path in (pipe, Path("/dev/zero")):
        with pytest.raises(ConfigError, match="not a regular file, not a YAML file"):
            load_yaml(path)
    with pytest.raises(ConfigError, match="a folder, not a YAML file"):
        load_yaml(tmp_path)


def test_duplicate_key_has_a_line(tmp_path: Path) -> None:
    err = error_for(tmp_path, MINIMAL + "template: Photograph\n")
    assert err.line == 13 and "'template' appears twice" in err.message


def test_aliases_may_reuse_but_not_multiply_without_end(tmp_path: Path) -> None:
    """Nine aliases of nine aliases, eight deep, stand for 43 million values: building them hung the dry
    run (and any command reading the file). Every YAML a person edits is read by ``load_yaml``."""
    laughs = "x0: &x0 [a, a, a, a, a, a, a, a, a]\n" + "".join(
        f"x{i}: &x{i} [{', '.join([f'*x{i - 1}'] * 9)}]\n" for i in range(1, 9)
    )
    err = error_for(tmp_path, MINIMAL + laughs)
    assert "aliases (*name) stand for more than 100,000 values" in err.message
    reused = MINIMAL.replace("params:", "params: &p", 1) + "categories_extra: *p\n"
    assert "aliases" not in error_for(tmp_path, reused).message  # reuse is read (and the key judged)


def test_yaml_nested_too_deep_or_with_half_a_utf16_pair_is_an_error(tmp_path: Path) -> None:
    """50,000 nested brackets ran PyYAML's composer out of stack; ``"\\ud800"`` is a lone surrogate no
    page or report can be written with. Both were crashes."""
    err = error_for(tmp_path, MINIMAL + "x: " + "[" * 50_000 + "]" * 50_000 + "\n")
    assert "nested too deep" in err.message
    err = error_for(tmp_path, MINIMAL + 'x: {y: "Sj\\ud800"}\n')
    assert (err.line, err.field) == (13, "x.y") and "half of a UTF-16 pair" in err.message


def test_missing_required_key(tmp_path: Path) -> None:
    err = error_for(tmp_path, MINIMAL.replace("record_id: Identifikationsnr\n", ""))
    assert "required key 'record_id' is missing" in err.message


def test_shipped_crosswalk_by_name() -> None:
    assert resolve_path("smm") == mappings_dir() / "smm.yaml"
    with pytest.raises(ConfigError) as err:
        resolve_path("smn")
    assert "did you mean 'smm'?" in (err.value.hint or "")
    assert "licenses" not in (err.value.hint or "")  # data tables are not offered as crosswalks


def test_template_table_comes_from_the_catalogue() -> None:
    params = template_parameters()
    assert {"Artwork", "Photograph", "Information", "Art Photo", "Book"} <= set(params)
    assert "accession number" in params["Artwork"] and "photographer" in params["Photograph"]
    assert "other versions" in params["Artwork"]  # aliases are valid too


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        ("[Foto", "unterminated character set"),
        ("a{4294967296}", "the repetition number is too large"),  # OverflowError: it was a crash
        ("(" * 5000 + ")" * 5000, ""),  # RecursionError in the regex parser: it was a crash
    ],
)
def test_condition_with_a_bad_regular_expression(tmp_path: Path, pattern: str, why: str) -> None:
    text = (
        MINIMAL
        + f"variants:\n  - when: {{field: Typ av objekt, matches: '{pattern}'}}\n    template: Photograph\n"
    )
    err = error_for(tmp_path, text)
    assert err.line == 14 and "not a regular expression" in err.message and why in err.message


def test_a_parameter_value_is_rendered_once_per_distinct_input_and_warns_every_time(tmp_path: Path) -> None:
    """`CompiledSource.rendered` remembers the escaped value with the chain's result: the same wikitext
    as rendering the values afresh, the chain's warnings repeated for every record, whether the memo
    remembers (repeated inputs) or has stopped (distinct ones, after its trial)."""
    from glamupload import caching
    from glamupload.transforms import Context, FieldCache, render

    text = MINIMAL.replace(
        "  title: Benämning\n",
        "  title:\n    field: [Benämning, Samling]\n    separator: ' | '\n"
        "    transforms: [{lang: {field: Typ av objekt}}]\n",
        1,
    )
    source = load(write(tmp_path, text), FIELDS).params["title"]
    rows = [{"Benämning": "[[Bark]] {{x}}", "Samling": "S", "Typ av objekt": "nope"}] * 3 + [
        {"Benämning": f"ship {n} <b>", "Samling": "", "Typ av objekt": "sv"}
        for n in range(caching.TRIAL + 50)
    ]
    for row in rows:
        ctx = Context(FieldCache(row), "params.title")
        value = source.rendered(FieldCache(row), ctx, {})
        fresh = Context(row, "params.title")
        assert value == render(source._values(row, fresh, {}), " | ")  # the chain run afresh
        assert [p.message for p in ctx.warnings] == [p.message for p in fresh.warnings]
        assert bool(ctx.warnings) is (row["Typ av objekt"] == "nope")
    assert not source._memo.enabled  # the distinct inputs made it stop remembering
    assert source.rendered(FieldCache({"Samling": ""}), Context({}, "params.title"), {}) is None


def test_an_export_without_fields_says_so_rather_than_listing_none(tmp_path: Path) -> None:
    """An empty JSON array (or every record broken) has no fields: "the export's fields are: " with nothing
    after it told the curator nothing."""
    err = error_for(tmp_path, MINIMAL, fields=[])
    assert "is not in the export" in err.message
    assert err.hint is not None and "no fields at all" in err.hint and "fields are:" not in err.hint


def test_an_empty_tracking_category_is_an_error(tmp_path: Path) -> None:
    err = error_for(tmp_path, MINIMAL + 'categories:\n  tracking: ""\n')
    assert err.line == 14 and "empty: write the category's name" in err.message
