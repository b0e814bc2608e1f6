"""Named transforms: each one's behaviour, the trust rules (export text escaped, crosswalk markup kept),
and properties over arbitrary text."""

from __future__ import annotations

from pathlib import Path

import mwparserfromhell
import pytest
from hypothesis import given
from hypothesis import strategies as st

from glamupload.errors import ConfigError
from glamupload.transforms import (
    TRANSFORMS,
    Context,
    LookupTable,
    ParsedDate,
    Step,
    Values,
    compile_step,
    parse_date,
    parse_size,
    render,
    run_chain,
)
from glamupload.wikitext import Wikitext
from glamupload.yamlconfig import LocatedYaml

FIELDS = {"Dimukode": "021025691918", "Motiv": "Skärgårdsstrid", "Pipe": "a|b"}


class FakeRecord:
    def __init__(self, fields: dict[str, object]) -> None:
        self.fields = fields

    def get(self, path: str) -> object:
        return self.fields.get(path)


def run(
    name: str, values: Values, tables: dict[str, LookupTable] | None = None, **args: object
) -> tuple[Values, Context]:
    ctx = Context(FakeRecord(FIELDS), "params.test", tables or {})
    spec = TRANSFORMS[name]
    model = spec.args.model_validate({spec.args.model_fields[k].alias or k: v for k, v in args.items()})
    return spec.func(values, ctx, **{k: getattr(model, k) for k in type(model).model_fields}), ctx


def step(raw: object, tmp_path: Path) -> Step:
    located = LocatedYaml(tmp_path / "cw.yaml", {"t": [raw]}, {("t", 0): 7})
    return compile_step(raw, located, ("t", 0))


# --- text -----------------------------------------------------------------------------------------------


def test_trim_collapses_whitespace_and_keeps_trust() -> None:
    out, _ = run("trim", ["  Skärgårdsstrid\n 1788-90 ", Wikitext(" {{sv|1=x}} ")])
    assert out == ["Skärgårdsstrid 1788-90", "{{sv|1=x}}"]
    assert not isinstance(out[0], Wikitext)
    assert isinstance(out[1], Wikitext)


def test_split_trims_and_drops_empty_parts(tmp_path: Path) -> None:
    assert run("split", ["Brigg, Segel,, Storm "])[0] == ["Brigg", "Segel", "Storm"]
    assert run("split", ["a;b"], separator=";")[0] == ["a", "b"]
    with pytest.raises(ConfigError) as err:  # str.split("") raised on the first record: a crash
        step({"split": ""}, tmp_path)
    assert err.value.line == 7


def test_join_of_plain_text_stays_plain_text() -> None:
    out, _ = run("join", ["A|B", "C"], separator=" / ")
    assert out == ["A|B / C"] and not isinstance(out[0], Wikitext)


def test_join_with_markup_escapes_the_export_text_only() -> None:
    out, _ = run("join", [Wikitext("{{Creator:X}}"), "a|b"], separator="<br>")
    assert out == ["{{Creator:X}}<br>a&#124;b"] and isinstance(out[0], Wikitext)
    plain_with_markup_separator, _ = run("join", ["a", "b"], separator="<br>")
    assert plain_with_markup_separator == ["a<br>b"] and isinstance(plain_with_markup_separator[0], Wikitext)


def test_first_unique_drop() -> None:
    assert run("first", ["a", "b"])[0] == ["a"]
    assert run("first", [])[0] == []
    assert run("unique", ["Svensson, Sam", "svensson,  sam", "X"])[0] == ["Svensson, Sam", "X"]
    assert run("drop", ["Okänd fotograf", "okänd FOTOGRAF", "Anna"], values_=["Okänd fotograf"])[0] == [
        "Anna"
    ]


def test_keep_selects_by_regular_expression() -> None:
    names = ["VASA", "Holm, Tore", "PRINCESS SVANEVIT"]
    assert run("keep", names, matches="^[^,]+,[^,]+$")[0] == ["Holm, Tore"]
    assert run("keep", names, matches=",", invert=True)[0] == ["VASA", "PRINCESS SVANEVIT"]


def test_replace_gives_untrusted_text() -> None:
    out, _ = run("replace", ['"Quoted {{x}}"'], pattern='^"(.*)"$', with_=r"\1")
    assert out == ["Quoted {{x}}"] and not isinstance(out[0], Wikitext)


def test_default_only_when_nothing_is_left() -> None:
    assert run("default", [], value="{{unknown photographer}}")[0] == ["{{unknown photographer}}"]
    assert isinstance(run("default", [], value="{{x}}")[0][0], Wikitext)
    assert run("default", ["Anna"], value="{{x}}")[0] == ["Anna"]


def test_fallback_reads_another_field() -> None:
    assert run("fallback", [], field="Motiv")[0] == ["Skärgårdsstrid"]
    assert run("fallback", ["kept"], field="Motiv")[0] == ["kept"]


def test_format_trusts_the_pattern_and_escapes_what_fills_it() -> None:
    out, _ = run("format", ["O 04929", "x]y"], template="[https://digitaltmuseum.se/${Dimukode} ${value}]")
    assert out == [
        "[https://digitaltmuseum.se/021025691918 O 04929]",
        "[https://digitaltmuseum.se/021025691918 x&#93;y]",
    ]
    assert all(isinstance(v, Wikitext) for v in out)
    piped, _ = run("format", ["v"], template="${Pipe}: ${value}")
    assert piped == ["a&#124;b: v"]


def test_lang_wraps_and_escapes() -> None:
    out, _ = run("lang", ["Sjöstrid", "a=b|c"], code="sv")
    assert out == ["{{sv|1=Sjöstrid}}", "{{sv|1=a&#61;b&#124;c}}"]


@pytest.mark.parametrize(
    ("given", "marked"),
    [
        ("ger", "{{de|1=x}}"),
        ("zh-Hant-TW-x-y", "{{zh-hant-tw-x-y|1=x}}"),  # one-letter subtags: the wrapper refused it (a crash)
        ("en-abcdefghi", None),  # a subtag of nine letters is no code
        ("und", None),  # an unknown three letters may be "undetermined", which no template renders
    ],
)
def test_lang_from_a_field_marks_what_the_wrapper_takes_and_warns_on_the_rest(
    given: str, marked: str | None
) -> None:
    ctx = Context(FakeRecord({"language": given}), "params.test", {})
    out = TRANSFORMS["lang"].func(["x"], ctx, code=None, field="language", text_only=False)
    assert out == [marked or "x"]
    warned = f"{given!r} in 'language' is not a language code; text left unmarked"
    assert [w.message for w in ctx.warnings] == ([] if marked else [warned])


def test_lang_rejects_a_bad_code_when_the_crosswalk_is_loaded(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        step({"lang": "Swedish"}, tmp_path)
    assert err.value.line == 7 and "code" in err.value.message


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Höhe <b>12</b> cm<br>breit</p><p>zwei</p>", "Höhe 12 cm\nbreit\n\nzwei"),
        ("x<y and a<b", "x<y and a<b"),  # a "<" that starts no tag is text (and no longer costs 30 s)
        ("<a" * 3, "<a<a<a"),
        ("1 &lt; 2 <script>alert(1)</script>", "1 < 2"),
    ],
)
def test_strip_html_keeps_the_text_and_a_lone_less_than(html: str, text: str) -> None:
    assert run("strip_html", [html])[0] == [text]


def test_creator_name_flips_catalogue_order_only() -> None:
    out, _ = run(
        "creator_name",
        [
            "Sillén, Herman af",
            "Velde d.ä., Willem van de",
            "Sohlberg",
            "a, b, c",
            Wikitext("{{Creator:Doe, John}}"),
        ],
    )
    assert out == [
        "Herman af Sillén",
        "Willem van de Velde d.ä.",
        "Sohlberg",
        "a, b, c",
        "{{Creator:Doe, John}}",
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Larsson, Carl (1853-1919)", "Carl Larsson (1853-1919)"),  # was "Carl (1853-1919) Larsson"
        ("Lindholmens varv, Göteborg", "Lindholmens varv, Göteborg"),  # a yard and its town
        ("Rembrandt, attributed to", "Rembrandt, attributed to"),  # a qualifier, not given names
        ("Rijn, Rembrandt van", "Rembrandt van Rijn"),
        ("de Vries, Jan", "Jan de Vries"),
        ("Sjöhistoriska museet, Stockholm", "Sjöhistoriska museet, Stockholm"),
        # found by helper 26: firms, compounds, attributions, lists and doubts were turned inside out
        ("Hansen & Pedersen, Göteborg", "Hansen & Pedersen, Göteborg"),
        ("Kockums Mekaniska Verkstad, Malmö", "Kockums Mekaniska Verkstad, Malmö"),
        ("Marinmuseum, Karlskrona", "Marinmuseum, Karlskrona"),
        ("Rembrandt, Umkreis", "Rembrandt, Umkreis"),
        ("Rembrandt, Werkstatt", "Rembrandt, Werkstatt"),
        ("Zorn, Anders; Liljefors", "Zorn, Anders; Liljefors"),
        ("Larsson, Carl?", "Larsson, Carl?"),
        ("Larsson, Carl 1853-1919", "Carl Larsson 1853-1919"),  # the dates stay at the end
        ("Museumsson, Erik", "Erik Museumsson"),
        ("Garfunkel, Art", "Art Garfunkel"),
        ("Werke, Ludwig", "Ludwig Werke"),  # a surname, though a German word for works
        ("Everken, Anna", "Anna Everken"),
    ],
)
def test_creator_name_flips_only_what_reads_as_a_persons_name(name: str, expected: str) -> None:
    assert run("creator_name", [name])[0] == [expected]


def test_page_builds_institution_and_creator_transclusions() -> None:
    out, ctx = run("page", ["Vasamuseet", "bad|name"], namespace="Institution")
    assert out == ["{{Institution:Vasamuseet}}", "bad|name"]
    assert isinstance(out[0], Wikitext) and not isinstance(out[1], Wikitext)
    assert len(ctx.warnings) == 1 and "cannot be a page title" in ctx.warnings[0].message
    assert run("page", ["herman af Sillén"], namespace="Creator")[0] == ["{{Creator:Herman af Sillén}}"]


# --- lookup ---------------------------------------------------------------------------------------------


@pytest.fixture
def people(tmp_path: Path) -> LookupTable:
    path = tmp_path / "people.csv"
    path.write_text(
        "value,count,wikitext,category,wikidata\n"
        '"Chapman, Fredrik Henrik af",58,{{Creator:Fredrik Henrik af Chapman}},'
        "Fredrik Henrik af Chapman;Naval architects,Q1351497\n"
        '"Hägg, Jacob",9,,,not-a-qid\n',
        encoding="utf-8",
    )
    return LookupTable.from_file("people", path)


def test_lookup_wikitext_is_trusted_and_matching_ignores_case_and_spacing(people: LookupTable) -> None:
    out, ctx = run("lookup", ["chapman,  Fredrik Henrik AF"], {"people": people}, table="people")
    assert out == ["{{Creator:Fredrik Henrik af Chapman}}"] and isinstance(out[0], Wikitext)
    assert ctx.warnings == []


def test_lookup_category_column_splits_on_semicolons(people: LookupTable) -> None:
    out, _ = run(
        "lookup", ["Chapman, Fredrik Henrik af"], {"people": people}, table="people", column="category"
    )
    assert out == ["Fredrik Henrik af Chapman", "Naval architects"]
    assert not any(isinstance(v, Wikitext) for v in out)


def test_lookup_unmatched_values_are_kept_or_dropped_and_reported(people: LookupTable) -> None:
    kept, ctx = run("lookup", ["Okänd", "Hägg, Jacob"], {"people": people}, table="people")
    assert kept == ["Okänd", "Hägg, Jacob"]  # an empty cell counts as not filled in yet
    assert [w.message for w in ctx.warnings] == [
        "'Okänd' has no 'wikitext' in lookup table 'people'",
        "'Hägg, Jacob' has no 'wikitext' in lookup table 'people'",
    ]
    assert all(w.field == "params.test" for w in ctx.warnings)
    dropped, quiet = run(
        "lookup", ["Okänd"], {"people": people}, table="people", unmatched="drop", warn=False
    )
    assert dropped == [] and quiet.warnings == []


def test_lookup_wikidata_column_accepts_only_qids(people: LookupTable) -> None:
    good, _ = run(
        "lookup", ["Chapman, Fredrik Henrik af"], {"people": people}, table="people", column="wikidata"
    )
    assert good == ["Q1351497"]
    bad, ctx = run("lookup", ["Hägg, Jacob"], {"people": people}, table="people", column="wikidata")
    assert bad == [] and "not a Wikidata id" in ctx.warnings[0].message


def test_lookup_tables_from_yaml_and_inline(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("Vasamuseet: '{{Institution:Vasamuseet}}'\nFoto: {kind: photo}\n", encoding="utf-8")
    table = LookupTable.from_file("t", path)
    assert table.get("vasamuseet") == {"wikitext": "{{Institution:Vasamuseet}}"}
    assert table.get("FOTO") == {"kind": "photo"}
    inline = LookupTable.from_entries("i", "cw.yaml", {"A": "x"})
    assert inline.get("a") == {"wikitext": "x"}


@pytest.mark.parametrize(
    ("entries", "problem"),
    [
        (
            {"oil": ["{{technique|oil}}", "{{technique|canvas}}"]},
            "entry 'oil': 'wikitext' holds a list, not text",
        ),
        ({"oil": {"wikitext": {"x": 1}}}, "entry 'oil': 'wikitext' holds a mapping, not text"),
        ({"oil": {"category": ["A", "B"]}}, "entry 'oil': 'category' holds a list, not text"),
    ],
)
def test_a_lookup_entry_that_is_a_list_or_mapping_is_a_load_error(
    entries: dict[str, object], problem: str
) -> None:
    """It went on the page as Python writes it: ``['{{technique|oil}}', '{{technique|canvas}}']``."""
    with pytest.raises(ConfigError) as caught:
        LookupTable.from_entries("materials", "cw.yaml", entries)
    assert caught.value.message == f"lookup table 'materials', {problem}" and caught.value.file == "cw.yaml"


def test_lookup_table_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("name,wikitext\nx,y\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        LookupTable.from_file("bad", bad)
    assert err.value.file == str(bad) and "'value' column" in err.value.message
    with pytest.raises(ConfigError, match="not found"):
        LookupTable.from_file("missing", tmp_path / "missing.csv")
    # a YAML table is a file a person edits: read as the crosswalk is (these three were crashes)
    for text, why in [
        ("Sjö: x\n".encode("latin-1"), "not UTF-8"),
        (b"a: " + b"[" * 50_000 + b"]" * 50_000, "nested too deep"),
        (b"a: x\nb: y\na: z\n", "'a' appears twice"),
    ]:
        (tmp_path / "t.yaml").write_bytes(text)
        with pytest.raises(ConfigError, match=why) as err:
            LookupTable.from_file("t", tmp_path / "t.yaml")
        assert err.value.file == str(tmp_path / "t.yaml")


# --- dates ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "wikitext", "earliest", "latest"),
    [
        ("1906", "1906", 1906, 1906),
        ("1927-09-13", "1927-09-13", 1927, 1927),
        ("1804-12", "1804-12", 1804, 1804),
        ("1770 - 1780", "{{Other date|between|1770|1780}}", 1770, 1780),
        ("1788-90", "{{Other date|between|1788|1790}}", 1788, 1790),
        # a whole month or year is written as such: Commons reads YYYY-MM and YYYY (#15)
        ("1921-07-01/1921-07-31", "1921-07", 1921, 1921),
        ("1920-02-01/1920-02-29", "1920-02", 1920, 1920),
        ("1921-01-01/1921-12-31", "1921", 1921, 1921),
        ("1921-07-01/1921-08-31", "{{Other date|between|1921-07|1921-08}}", 1921, 1921),
        ("1921-01-01/1923-12-31", "{{Other date|between|1921|1923}}", 1921, 1923),
        ("1921-07-02/1921-07-31", "{{Other date|between|1921-07-02|1921-07-31}}", 1921, 1921),
        ("1920-02-01/1920-02-28", "{{Other date|between|1920-02-01|1920-02-28}}", 1920, 1920),
        ("1921/1921", "1921", 1921, 1921),
        # circa: the years widened by the vocabulary's circa_years (5) either way
        ("Ca 1780", "{{Other date|circa|1780}}", 1775, 1785),
        ("ca. 1630", "{{Other date|circa|1630}}", 1625, 1635),
        ("omkring 1900", "{{Other date|circa|1900}}", 1895, 1905),
        ("circa 1850", "{{Other date|circa|1850}}", 1845, 1855),
        ("Före 1748", "{{Other date|before|1748}}", None, 1747),
        ("efter 1681", "{{Other date|after|1681}}", 1682, None),
        ("1780-talet", "{{Other date|decade|1780}}", 1780, 1789),
        ("1780s", "{{Other date|decade|1780}}", 1780, 1789),
        ("1600-talet", "{{Other date|century|17}}", 1600, 1699),
        ("1800-talet", "{{Other date|century|19}}", 1800, 1899),
    ],
)
def test_dates_commons_understands(
    text: str, wikitext: str, earliest: int | None, latest: int | None
) -> None:
    parsed = parse_date(text)
    assert parsed is not None
    assert (parsed.wikitext, parsed.earliest, parsed.latest) == (wikitext, earliest, latest)


@pytest.mark.parametrize(
    "text",
    [
        "1782 ?",
        "1700-tal slutet",
        "1790-1780",
        "ca spring",
        "spring",
        "12/03/04",
        "31 February 1920",
        "1850-02-31",  # no such day (nor 1900-02-29): the ISO form was not checked against the calendar
        "1900-02-29",
        "1850-1860-02-30",
        "١٨٥٠",  # Arabic-Indic digits: {{Other date}} and Wikibase read ASCII ones only
    ],
)
def test_dates_not_understood_are_none(text: str) -> None:
    assert parse_date(text) is None


@pytest.mark.parametrize("text", ["~" * 600 + "1850", "late " * 340 + "19th century", "ca " * 500 + "1850"])
def test_a_date_of_endless_prefixes_is_no_date_not_a_crash(text: str) -> None:
    """Each prefix word was a call deeper: RecursionError, which ended the whole dry run."""

    def deep(depth: int) -> ParsedDate | None:  # as deep in the stack as the planner calls it
        return parse_date(text) if depth == 0 else deep(depth - 1)

    assert deep(300) is None
    assert parse_date("ca 1850") is not None and parse_date("~" * 2 + "1850") is None


def test_date_transform_drops_undated_and_warns_on_the_unknown() -> None:
    out, ctx = run("date", ["Odaterad", "1782 ?", "ca 1778"])
    assert out == ["1782 ?", "{{Other date|circa|1778}}"]
    assert not isinstance(out[0], Wikitext) and isinstance(out[1], Wikitext)
    assert [w.message for w in ctx.warnings] == ["date '1782 ?' not recognised; kept as text"]


def test_a_zero_date_is_no_date_not_the_year_zero() -> None:
    """Collection systems write 0000 in an empty date field: as year 0, every such work was 2,000 years
    old, so public domain by its age."""
    for text in ["0000", "0000-00-00", "00.00.0000"]:
        out, ctx = run("date", [text])
        assert out == [] and ctx.warnings == []
        assert run("year", [text])[0] == []
    assert parse_date("0000-01-01") is None and parse_date("0000-1900") is None
    assert parse_date("0001") is not None  # a year a record can mean


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        ("före 1969", None, 1968),
        ("före 1969-01-01", None, 1968),
        ("före 1969-07-01", None, 1969),  # was 1968: a created_before 1969 rule took it as public domain
        ("before 1969-01", None, 1968),
        ("after 1681", 1682, None),
        ("after 1681-03-01", 1681, None),  # was 1682
        ("after 1681-12-31", 1682, None),
        ("after 1681-12", 1682, None),
    ],
)
def test_before_and_after_a_day_mean_its_year_unless_the_day_ends_it(
    text: str, earliest: int | None, latest: int | None
) -> None:
    parsed = parse_date(text)
    assert parsed is not None and (parsed.earliest, parsed.latest) == (earliest, latest)


def test_year_transform_gives_the_span_a_date_can_mean() -> None:
    assert run("year", ["1600-talet", "Före 1748", "efter 1681", "1927-09-13"])[0] == ["1699", "1747", "1927"]
    assert run("year", ["1600-talet", "efter 1681"], which="earliest")[0] == ["1600", "1682"]
    out, ctx = run("year", ["odaterad", "unclear"])
    assert out == [] and [w.message for w in ctx.warnings] == ["no year in date 'unclear'"]


@given(st.text(max_size=40))
def test_parse_date_never_fails_and_its_span_is_ordered(text: str) -> None:
    parsed = parse_date(text)
    if parsed is not None and parsed.earliest is not None and parsed.latest is not None:
        assert parsed.earliest <= parsed.latest


# --- dimensions -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Höhe: 58 mm\nBreite: 92 mm", {"unit": "mm", "height": "58", "width": "92"}),
        ("58 x 92 cm", {"unit": "cm", "height": "58", "width": "92"}),
        ("203 × 314 × 4,5 cm", {"unit": "cm", "height": "203", "width": "314", "depth": "4.5"}),
        ("H 58 cm, B 92 cm", {"unit": "cm", "height": "58", "width": "92"}),
        ("Durchmesser: 23,5 mm", {"unit": "mm", "diameter": "23.5"}),
        ("höjd 12 cm; bredd 8 cm; djup 3 cm", {"unit": "cm", "height": "12", "width": "8", "depth": "3"}),
    ],
)
def test_sizes_understood(text: str, expected: dict[str, str]) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Gewicht: 2,5 g",
        "23 mm",
        "Höhe: 5 cm; Breite: 6 mm",
        "Höhe: 55 cm; Höhe: 62 cm",  # two heights (frame and picture?): it was {{Size|height=62}}
        "1 x 2 x 3 x 4 cm",
        "large",
        "١٢ x ٣٤ cm",  # Arabic-Indic digits: {{Size}} reads ASCII ones only
        "H" + "1" * 25_000 + "z",  # a label never takes digits (this took 30 s, trying every split)
    ],
)
def test_sizes_not_understood(text: str) -> None:
    assert parse_size(text) is None


def test_size_transform_builds_the_size_template() -> None:
    out, ctx = run("size", ["58 x 92 cm", "Gewicht: 5 g"])
    assert out == ["{{Size|unit=cm|height=58|width=92}}", "Gewicht: 5 g"]
    assert "not recognised" in ctx.warnings[0].message


# --- images ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://www.kenom.de/iiif/image/rec/rec_vs.jpg/full/full/0/default.jpg",
        "https://www.kenom.de/iiif/image/rec/rec_vs.jpg/full/300,/0/default.jpg",
        "https://www.kenom.de/iiif/image/rec/rec_vs.jpg/info.json",
        "https://www.kenom.de/iiif/image/rec/rec_vs.jpg",
        "https://www.kenom.de/iiif/image/rec/rec_vs.jpg/",
    ],
)
def test_iiif_full_asks_for_the_whole_image_at_max_size(url: str) -> None:
    assert run("iiif_full", [url])[0] == [
        "https://www.kenom.de/iiif/image/rec/rec_vs.jpg/full/max/0/default.jpg"
    ]


# --- compiling steps ------------------------------------------------------------------------------------


def test_numbers_in_yaml_are_text(tmp_path: Path) -> None:
    assert step({"default": 1900}, tmp_path).args.value == "1900"
    assert step({"split": 0}, tmp_path).args.separator == "0"


def test_step_forms(tmp_path: Path) -> None:
    assert step("trim", tmp_path).spec.name == "trim"
    assert step({"split": ";"}, tmp_path).args.separator == ";"  # a scalar is the first argument
    assert step({"drop": ["x"]}, tmp_path).args.values_ == ["x"]
    assert step({"replace": {"pattern": "a", "with": "b"}}, tmp_path).args.with_ == "b"


def test_unknown_transform_suggests_the_closest(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        step("tirm", tmp_path)
    assert err.value.line == 7
    assert "unknown transform 'tirm'" in err.value.message and "did you mean 'trim'?" in err.value.hint


def test_unknown_argument_suggests_the_closest(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        step({"lookup": {"tabel": "people"}}, tmp_path)
    assert "no argument 'tabel'" in err.value.message and "did you mean 'table'?" in err.value.hint


def test_arguments_to_a_transform_without_any(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="transform 'trim' takes no arguments"):
        step({"trim": "both"}, tmp_path)
    with pytest.raises(ConfigError) as err:
        step({"trim": {"side": "left"}}, tmp_path)
    assert "no argument 'side'" in err.value.message and err.value.hint == "this transform takes no arguments"


def test_missing_required_argument(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'table'"):
        step({"lookup": {"column": "category"}}, tmp_path)


def test_every_transform_is_documented_with_an_example() -> None:
    for spec in TRANSFORMS.values():
        assert spec.doc and "``" in spec.doc, spec.name


# --- trust: nothing from the export becomes markup -------------------------------------------------------

SAFE_CHAINS = [
    ["trim"],
    [{"split": ","}, "trim", "join"],
    ["trim", {"lang": "sv"}],
    [{"format": "[https://x.org/ ${value}]"}],
    ["date"],
    ["size"],
    ["creator_name", {"join": "<br>"}],
    [{"replace": {"pattern": "a", "with": "b"}}],
]


ALLOWED_TEMPLATES = {  # what the chains above may add, with their parameter names
    "sv": {"1"},
    "Other date": {"1", "2", "3"},
    "Size": {"unit", "height", "width", "depth", "diameter", "thickness"},
}


@given(st.text(max_size=60), st.sampled_from(range(len(SAFE_CHAINS))))
def test_export_text_never_adds_templates_links_or_tags(text: str, chain_index: int) -> None:
    located = LocatedYaml(Path("cw.yaml"), {}, {})
    steps = [compile_step(raw, located, ()) for raw in SAFE_CHAINS[chain_index]]
    code = mwparserfromhell.parse(render(run_chain(steps, [text], Context(FakeRecord({}), "p"))))
    for template in code.filter_templates():
        name = str(template.name).strip()
        assert name in ALLOWED_TEMPLATES
        assert {str(p.name).strip() for p in template.params} <= ALLOWED_TEMPLATES[name]
    assert not code.filter_wikilinks()
    # free URLs in the text stay (the wiki links them); a [bracketed link] only where the crosswalk wrote one
    assert {str(link.url) for link in code.filter_external_links() if link.brackets} <= {"https://x.org/"}
    assert {str(tag.tag) for tag in code.filter_tags()} <= {"br"}


@pytest.mark.parametrize("pattern", ["(unclosed", "a{4294967296}", "(" * 5000 + ")" * 5000])
def test_a_bad_regular_expression_is_a_load_error(tmp_path: Path, pattern: str) -> None:
    """``re.compile`` raises OverflowError and RecursionError besides re.error: those two were crashes."""
    with pytest.raises(ConfigError) as err:
        step({"replace": {"pattern": pattern}}, tmp_path)
    assert err.value.line == 7 and "not a regular expression" in err.value.message


@pytest.mark.parametrize(
    ("with_", "problem"),
    [(r"\2", "invalid group reference 2"), (r"\g<wrod>", "unknown group name 'wrod'"), ("\\", "bad escape")],
)
def test_a_replacement_naming_a_missing_group_is_a_load_error(
    tmp_path: Path, with_: str, problem: str
) -> None:
    """Found record by record before (a warning on each), and a misspelt group name (IndexError, not
    re.error) stopped the whole dry run."""
    with pytest.raises(ConfigError) as err:
        step({"replace": {"pattern": r"(?P<word>\w+)", "with": with_}}, tmp_path)
    assert err.value.line == 7 and f"transform 'replace', argument 'with': {problem}" in err.value.message
    assert step({"replace": {"pattern": r"(?P<word>\w+)", "with": r"<\g<word>>"}}, tmp_path)


@pytest.mark.parametrize("label", ["", "  "])
def test_an_information_field_needs_a_label(tmp_path: Path, label: str) -> None:
    """``information_field: ""`` wrote a row with no label (``name=``) on every page."""
    with pytest.raises(ConfigError) as err:
        step({"information_field": label}, tmp_path)
    assert err.value.line == 7 and "transform 'information_field', argument 'name'" in err.value.message
