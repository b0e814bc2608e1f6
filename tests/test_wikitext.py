"""File pages: golden renderings, adversarial escaping, helpers, user templates, and the page checker."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import mwparserfromhell
import pytest

from glamupload import wikitext
from glamupload.errors import ConfigError, InputError
from glamupload.problems import Problem, ProblemCode
from glamupload.wikitext import Wikitext, category_name, check_page, escape, render_file_page

GOLDEN = Path(__file__).parent / "data" / "wikitext"
CASES = sorted(path.stem for path in GOLDEN.glob("*.json"))
# the example batch's copy of the real SMM export (byte-identical to ../shared/data's)
SMM_CSV = Path(__file__).resolve().parents[1] / "examples" / "smm" / "Exportlista Wikimedia v5-2015-09-07.csv"


def build_value(spec: Any) -> object:
    """Fixture values: a string is export text; a one-key object calls a helper."""
    if not isinstance(spec, dict):
        return spec
    if "concat" in spec:
        return wikitext.concat(
            [build_value(part) for part in spec["concat"]], Wikitext(spec.get("separator", " "))
        )
    ((helper, args),) = spec.items()
    if helper == "wikitext":
        return Wikitext(args)
    if helper in ("institution", "creator"):
        return getattr(wikitext, helper)(args)
    return getattr(wikitext, helper)(*args)


def load_case(name: str) -> dict[str, Any]:
    case = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    case["params"] = {key: build_value(value) for key, value in case["params"].items()}
    return case


def render_case(case: dict[str, Any], templates_dir: Path | None = None) -> str:
    return render_file_page(
        case["template"], case["params"], case["license"], case["categories"], templates_dir
    )


def check_case(case: dict[str, Any], text: str, templates_dir: Path | None = None) -> list[str]:
    return messages(
        check_page(
            text,
            template=case["template"],
            params=case["params"],
            categories=case["categories"],
            license_wikitext=case["license"],
            templates_dir=templates_dir,
        )
    )


def messages(problems: list[Problem]) -> list[str]:
    """The sentences of the page checker's problems (every one of them is about the page's wikitext)."""
    assert all(p.field == "wikitext" for p in problems)
    return [p.message for p in problems]


@pytest.mark.parametrize("name", CASES)
def test_golden_page(name: str) -> None:
    case = load_case(name)
    text = render_case(case)
    assert text == (GOLDEN / f"{name}.wikitext").read_text(encoding="utf-8").rstrip("\n")
    assert check_case(case, text) == []


def test_golden_cases_cover_every_file_page_template() -> None:
    used = {load_case(name)["template"] for name in CASES}
    assert used == set(wikitext.load_template_catalogue().file_page_templates)


def test_adversarial_values_stay_inside_their_parameters() -> None:
    case = load_case("adversarial")
    page = mwparserfromhell.parse(render_case(case))
    templates = page.filter_templates()
    assert [str(t.name).strip() for t in templates] == [
        "int:filedesc",
        "Information",
        "int:license-header",
        "cc-by-sa-4.0",
    ]
    info = templates[1]
    assert [str(p.name).strip() for p in info.params] == ["description", "date", "source", "author"]
    assert [str(link.title) for link in page.filter_wikilinks()] == ["Category:Tests"]
    # one <br> per line break of the description; <nowiki/> ends the URL in source before "["
    assert [str(tag.tag) for tag in page.filter_tags()] == ["br"] * 9 + ["nowiki"]
    assert not page.filter_comments()
    assert [str(h.title) for h in page.filter_headings()] == ["{{int:filedesc}}", "{{int:license-header}}"]
    # no line of the page starts a list, table, rule or <pre> except the page's own markup
    starts = {line[:1] for line in str(page).splitlines() if line}
    assert starts <= {"=", "{", "|", "}", "["}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain text, 1788-90", "plain text, 1788-90"),
        ("a|b", "a&#124;b"),
        ("a=b", "a&#61;b"),
        ("{{x}}", "&#123;&#123;x&#125;&#125;"),
        ("[[x]]", "&#91;&#91;x&#93;&#93;"),
        ("<nowiki>", "&#60;nowiki>"),
        ("Smith & Sons", "Smith & Sons"),
        ("&amp; &#91;", "&amp;amp; &amp;#91;"),
        ("it's", "it's"),
        ("'quoted'\n'", "&#39;quoted&#39;<br>&#39;"),
        ("''x''", "&#39;&#39;x&#39;&#39;"),
        ("~~ ~~~~", "~~ &#126;&#126;&#126;&#126;"),
        ("a_b __TOC__", "a_b &#95;&#95;TOC&#95;&#95;"),
        ("Hej! !!", "Hej! &#33;&#33;"),
        ("*a", "&#42;a"),
        ("#a", "&#35;a"),
        (":a", "&#58;a"),
        (";a", "&#59;a"),
        ("!a", "&#33;a"),
        ("----", "&#45;---"),
        ("-- a", "-- a"),
        (" a ", "&#32;a&#32;"),
        ("one\ntwo\r\nthree\rfour", "one<br>two<br>three<br>four"),
        ("para\n\n*item", "para<br><br>*item"),
        ("line\u2028sep", "line<br>sep"),
        ("bell\x07 del\x7f nul\x00", "bell del nul"),
        ("e\u0301", "\u00e9"),
        ("\u0338x", "&#824;x"),
        ("a\n\u0338", "a<br>&#824;"),
        ("http://example.org/?a=b", "http://example.org/?a&#61;b"),
        # found by hypothesis (#12): an entity glued to a free URL is decoded into the link ("…?a=b+")
        ("http://example.org/?a=b ", "http://example.org/?a&#61;b<nowiki/>&#32;"),
        ("see http://x.org/{\t", "see http://x.org/&#123;<nowiki/>&#9;"),
        ("http://x.org/a b ", "http://x.org/a b&#32;"),
        ("http://x.org|y ", "http://x.org<nowiki/>&#124;y&#32;"),
        (
            "https://x.se/a[1] | mailto:a@b.se|x",
            "https://x.se/a<nowiki/>&#91;1&#93; &#124; mailto:a@b.se<nowiki/>&#124;x",
        ),
        (None, ""),
        (1850, "1850"),
    ],
)
def test_escape(text: object, expected: str) -> None:
    assert escape(text) == expected
    assert isinstance(escape(text), Wikitext)


def test_escape_leaves_wikitext_alone_and_refuses_collections() -> None:
    trusted = Wikitext("{{en|1=x}}")
    assert escape(trusted) is trusted
    with pytest.raises(TypeError):
        escape(["a", "b"])


def test_string_operations_on_wikitext_are_untrusted_again() -> None:
    assert type(Wikitext("{{x}}").upper()) is str
    assert escape(Wikitext("{{x}}") + "") == "&#123;&#123;x&#125;&#125;"


def test_helpers_build_trusted_markup_around_escaped_values() -> None:
    assert wikitext.lang("sv", "a=b | c") == "{{sv|1=a&#61;b &#124; c}}"
    assert wikitext.lang("de-ch", "") == ""
    assert (
        wikitext.size("cm", {"height": "54", "width": "68,5", "depth": None})
        == "{{Size|unit=cm|height=54|width=68,5}}"
    )
    assert wikitext.size("cm", {"height": "", "width": " "}) == ""
    assert wikitext.other_date("between", 1850, "1860") == "{{Other date|between|1850|1860}}"
    assert wikitext.other_date("circa", "1850}}{{x") == "{{Other date|circa|1850&#125;&#125;&#123;&#123;x}}"
    assert wikitext.institution("Institution:Sjöhistoriska_museet") == "{{Institution:Sjöhistoriska museet}}"
    assert wikitext.creator("herman af Sillén") == "{{Creator:Herman af Sillén}}"
    assert wikitext.creator("\u200eherman af Sillén\u200f") == "{{Creator:Herman af Sillén}}"
    assert wikitext.concat(["a|", Wikitext("{{x}}")], " / ") == "a&#124; / {{x}}"
    assert wikitext.concat(["a", "*b", " c", ";d"], Wikitext("\n")) == "a\n&#42;b\n&#32;c\n&#59;d"


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: wikitext.lang("sv}}{{x", "t"), InputError),
        (lambda: wikitext.lang("Swedish", "t"), InputError),
        (lambda: wikitext.size("cm", {"hieght": 3}), ConfigError),
        (lambda: wikitext.other_date("circus", 1850), ConfigError),
        (lambda: wikitext.institution("Museum]] [[Category:Spam"), InputError),
        (lambda: wikitext.institution("Museum}}{{Delete"), InputError),
        # MediaWiki drops direction marks from titles: {{Creator:\u200e}} named the empty "Creator:"
        (lambda: wikitext.creator("\u200e\u202b"), InputError),
        (lambda: wikitext.template_call("x|y"), ConfigError),
        (lambda: wikitext.template_call("x", named={"a=b": 1}), ConfigError),
    ],
)
def test_helpers_reject_what_would_break_markup(call: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        call()


def test_other_date_suggests_the_type() -> None:
    with pytest.raises(ConfigError, match="circa"):
        wikitext.other_date("cirka", 1850)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ships in Stockholm", "Ships in Stockholm"),
        ("Category:Ships_of   Sweden", "Ships of Sweden"),
        ("category:ships", "Ships"),
        ("Fartyg\u00a0i\u2003Sverige", "Fartyg i Sverige"),
        ("A = B; C's", "A = B; C's"),
    ],
)
def test_category_names_are_normalised(name: str, expected: str) -> None:
    assert wikitext.category_name(name) == expected


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        "A]]B",
        "A''B",
        "A|sortkey",
        "A{{x}}",
        "A#section",
        "A<b>",
        "A~~~",
        "A&amp;B",
        "A%2FB",
        "..",
        "./A",
        ":A",
        "A\x00",
        "A\ud800",
        "A\ufffd",
    ],
)
def test_invalid_category_names_are_input_errors(name: str) -> None:
    with pytest.raises(InputError):
        wikitext.category_name(name)


def test_render_drops_empty_parameters_and_duplicate_categories() -> None:
    text = render_file_page(
        "Information", {"description": "d", "date": None, "source": ""}, "{{CC0}}", ["X", "x", "Y"]
    )
    assert "|date" not in text and "|source" not in text
    assert text.count("[[Category:X]]") == 1 and text.endswith("[[Category:Y]]")


def test_render_writes_parameters_in_the_documented_order() -> None:
    text = render_file_page(
        "Artwork", {"source": "s", "accession number": "1", "artist": "a"}, "{{CC0}}", ["X"]
    )
    assert text.index("|artist") < text.index("|accession number") < text.index("|source")


def test_unknown_parameter_is_a_config_error_with_suggestion() -> None:
    with pytest.raises(ConfigError) as raised:
        render_file_page("Artwork", {"acession number": "1"}, "{{CC0}}", ["X"])
    assert raised.value.field == "acession number"
    assert "accession number" in str(raised.value)


def test_alias_and_canonical_name_together_are_an_error() -> None:
    with pytest.raises(ConfigError, match="twice"):
        render_file_page("Artwork", {"other_versions": "a", "other versions": "b"}, "{{CC0}}", ["X"])


def test_unknown_template_suggests_the_right_one() -> None:
    with pytest.raises(ConfigError, match="Artwork"):
        render_file_page("Artwrok", {}, "{{CC0}}", ["X"])
    assert "{{Art Photo" in render_file_page("art_Photo", {"title": "t"}, "{{CC0}}", ["X"])


def test_template_catalogue_lists_aliases_and_suggestions() -> None:
    catalogue = wikitext.load_template_catalogue()
    artwork = catalogue.template("Artwork")
    assert artwork.canonical("other versions") == "other_versions"
    assert artwork.canonical("inventory number") is None
    assert "accession number" in artwork.suggest("accesion number")
    assert catalogue.template("Photograph").canonical("author") == "photographer"


def test_broken_catalogue_names_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "commons-templates.yaml"
    broken.write_text(
        "file_page_templates:\n  Artwork:\n    parameters: [a]\n    aliases: {b: c}\n"
        "helper_templates: {Size: {parameters: []}, Other date: {types: []}}\n"
    )
    with pytest.raises(ConfigError) as raised:
        wikitext.load_template_catalogue(broken)
    assert raised.value.file == str(broken)


def test_users_templates_folder_overrides_by_name(tmp_path: Path) -> None:
    (tmp_path / "artwork.j2").write_text(
        '<% extends "file-page.j2" %>\n'
        "<# an Artwork page with a fixed upload note before the categories #>\n",
        encoding="utf-8",
    )
    (tmp_path / "file-page.j2").write_text(
        "=={{int:filedesc}}==\n{{<< template >>\n<% for name, value in params.items() %>\n"
        "|<< name >> = << value >>\n<% endfor %>\n}}\n{{Uploaded with glamupload}}\n"
        "=={{int:license-header}}==\n<< license >>\n"
        "<% for c in categories %>\n[[Category:<< c >>]]\n<% endfor %>\n"
        "<< params.get('title', '') >>\n",
        encoding="utf-8",
    )
    case = load_case("smm-painting")
    text = render_case(case, tmp_path)
    assert "{{Uploaded with glamupload}}" in text
    assert text.endswith("{{sv|1=Sjöstrid}}")  # a Wikitext value stays markup in a user's template
    hostile = render_file_page("Information", {"description": "{{Delete}}"}, "{{CC0}}", ["X"], tmp_path)
    assert "{{Delete}}" not in hostile  # the user's file-page.j2 applies to Information too, still escaping
    # the checker accepts the user's fixed markup once it knows the templates folder …
    assert check_case(case, text, tmp_path) == []
    # … and reports it when checking against the shipped template
    assert "unexpected template {{Uploaded with glamupload}}" in check_case(case, text)


def test_user_template_errors_name_the_file(tmp_path: Path) -> None:
    (tmp_path / "information.j2").write_text("{{Information\n<% for x in %>\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        render_file_page("Information", {"description": "d"}, "{{CC0}}", ["X"], tmp_path)
    assert raised.value.file.endswith("information.j2") and raised.value.line == 2
    (tmp_path / "information.j2").write_text("<< params.nope >>", encoding="utf-8")
    with pytest.raises(ConfigError, match="nope"):
        render_file_page("Information", {"description": "d"}, "{{CC0}}", ["X"], tmp_path)
    with pytest.raises(ConfigError, match="does not exist"):
        render_file_page("Information", {"description": "d"}, "{{CC0}}", ["X"], tmp_path / "missing")


@pytest.mark.parametrize(
    ("text", "why", "line"),
    [
        ("{{Information\n<< 1/0 >>\n", "ZeroDivisionError: division by zero", 2),
        ("<< categories >>", "escape() takes one value, not a list", 1),
        ('x\n<% include "information.j2" %>', "it includes or extends itself", 2),
    ],
)
def test_a_template_that_raises_anything_is_a_config_error_naming_its_line(
    tmp_path: Path, text: str, why: str, line: int
) -> None:
    """Only Jinja's own errors were caught: these crashed the dry run."""
    (tmp_path / "information.j2").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        render_file_page("Information", {"description": "d"}, "{{CC0}}", ["X"], tmp_path)
    assert why in raised.value.message and raised.value.file.endswith("information.j2")
    assert raised.value.line == line
    (tmp_path / "information.j2").write_text("<< 10**5000 >>", encoding="utf-8")  # folded when compiled
    with pytest.raises(ConfigError, match="cannot be compiled: ValueError"):
        render_file_page("Information", {"description": "d"}, "{{CC0}}", ["X"], tmp_path)
    (tmp_path / "information.j2").write_bytes("{{Information|été}}".encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        render_file_page("Information", {"description": "d"}, "{{CC0}}", ["X"], tmp_path)


def test_user_templates_run_sandboxed(tmp_path: Path) -> None:
    (tmp_path / "information.j2").write_text("<< ''.__class__.__mro__ >>", encoding="utf-8")
    with pytest.raises(ConfigError):
        render_file_page("Information", {"description": "d"}, "{{CC0}}", ["X"], tmp_path)


# --- the checker must catch what a broken renderer would produce ------------------------------------------

INFO = {"description": "d", "source": "s"}


def info_page(**replace: str) -> str:
    text = render_file_page("Information", INFO, "{{CC0}}", ["X"])
    for old, new in replace.items():
        text = text.replace(old.replace("_", " "), new)
    return text


def problems_of(
    text: str, categories: list[str] | None = None, license_wikitext: str = "{{CC0}}"
) -> list[str]:
    return messages(
        check_page(
            text,
            template="Information",
            params=INFO,
            categories=categories or ["X"],
            license_wikitext=license_wikitext,
        )
    )


def test_checker_accepts_the_rendered_page() -> None:
    assert problems_of(info_page()) == []


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("|description = d", "|description = d [[Category:Spam]]", "unexpected link [[Category:Spam]]"),
        ("|description = d", "|description = d {{Delete}}", "unexpected template {{Delete}}"),
        ("|description = d", "|description = d <ref>x</ref>", "unexpected tag <ref>"),
        (
            "|description = d",
            "|description = d\n|author = x",
            "unexpected parameter 'author' of {{Information}}",
        ),
        ("|description = d", "|description = e", "parameter 'description' holds 'e' instead of 'd'"),
        ("|description = d", "|description = d|x", "unexpected positional parameter 1= 'x'"),
        ("|source = s\n", "", "parameter 'source' is missing"),
        (
            "[[Category:X]]",
            "[[Category:X]]\n{{Information|description=x}}",
            "expected exactly one {{Information}} template, found 2",
        ),
        ("=={{int:license-header}}==", "", "missing heading {{int:license-header}}"),
        (
            "|description = d",
            "|description = e\u0301",
            "page text is not NFC-normalised (the wiki would change it)",
        ),
        ("|source = s", "|source = s\n|source = s", "parameter 'source' appears twice"),
    ],
)
def test_checker_reports_tampering(old: str, new: str, problem: str) -> None:
    text = info_page().replace(old, new, 1)
    assert problem in problems_of(text)


def test_checker_reports_missing_licence_and_category() -> None:
    text = render_file_page("Information", INFO, "", [])
    problems = check_page(text, template="Information", params=INFO, categories=[], license_wikitext="")
    assert "page has no licence" in messages(problems) and "page has no category" in messages(problems)
    assert [p.code for p in problems] == [ProblemCode.NO_LICENSE, ProblemCode.PAGE]


def test_checker_reports_a_category_the_caller_did_not_ask_for() -> None:
    text = render_file_page("Information", INFO, "{{CC0}}", ["X", "Y"])
    assert problems_of(text, categories=["X"]) == ["unexpected link [[Category:Y]]"]


def test_every_smm_record_renders_to_a_page_that_checks_clean() -> None:
    """All 597 rows of the real SMM export, every column as export text, through Artwork."""
    with SMM_CSV.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream, delimiter="|"))
    header, rows = rows[0], rows[1:]
    column = {name: index for index, name in reversed(list(enumerate(header)))}  # first of repeated names
    assert len(rows) == 597
    for row in rows:
        description = wikitext.concat(
            [wikitext.lang("sv", row[column[name]]) for name in ("Beskrivning", "Motiv-beskrivning")],
            Wikitext("\n"),
        )
        params = {
            "artist": row[column["Namn-Konstnär"]] or row[column["Namn-Tillverkare"]],
            "title": wikitext.lang("sv", row[column["Benämning"]] or row[column["Typ av objekt"]]),
            "description": description,
            "date": row[column["Datering-Produktion"]] or row[column["Datering-Fotografering"]],
            "medium": row[column["Material"]],
            "institution": wikitext.institution(row[column["Samling"]]),
            "accession number": row[column["Identifikationsnr"]],
            "notes": row[column["Rättigheter"]],
        }
        categories = [f"Media contributed by {row[column['Samling']]}"]
        text = render_file_page("Artwork", params, "{{PD-old-70}}", categories)
        assert (
            check_page(
                text,
                template="Artwork",
                params=params,
                categories=categories,
                license_wikitext="{{PD-old-70}}",
            )
            == []
        )


@pytest.mark.parametrize("injected", ["{{Delete}}", "[[Category:Spam]]", "<ref>x</ref>"])
def test_checker_notices_an_injected_construct_wherever_it_lands(injected: str) -> None:
    case = load_case("smm-ship-portrait")
    text = render_case(case)
    for position in range(len(text) + 1):
        tampered = text[:position] + injected + text[position:]
        assert check_case(case, tampered), (
            f"not noticed at {position}: {tampered[max(0, position - 30) : position + 40]!r}"
        )


def test_render_template_renders_any_page_template_with_escaping(tmp_path: Path) -> None:
    (tmp_path / "note.j2").write_text("{{Note|1=<< text >>}} << markup >>", encoding="utf-8")
    text = wikitext.render_template("note.j2", {"text": "a|b", "markup": Wikitext("''x''")}, tmp_path)
    assert text == "{{Note|1=a&#124;b}} ''x''"
    with pytest.raises(ConfigError, match="missing.j2"):
        wikitext.render_template(["missing.j2"], {}, tmp_path)


@pytest.mark.parametrize(
    ("fragment", "problem"),
    [
        ("{{technique|oil}} <!-- check this", "an unclosed comment (<!--) hides the rest of the page"),
        ("oil <IncludeOnly>canvas", "an unclosed <includeonly> hides the rest of the page"),
    ],
)
def test_a_trusted_fragment_that_hides_the_rest_of_the_page_is_a_page_error(
    fragment: str, problem: str
) -> None:
    """mwparserfromhell reads an unclosed comment as text; MediaWiki hides everything after it (the
    licence and categories included): tests/test_wikitext_mediawiki.py has the wiki's word for it."""
    params = {"medium": wikitext.trusted(fragment), "title": "x"}
    page = wikitext.render_file_page("Artwork", params, "{{cc-zero}}", ["Tests"])
    pages = wikitext.FilePages(None, "construction")
    _, problems = pages.render("Artwork", params, "{{cc-zero}}", ["Tests"])
    assert problem in [p.message for p in problems]
    full = wikitext.check_page(
        page, template="Artwork", params=params, categories=["Tests"], license_wikitext="{{cc-zero}}"
    )
    assert problem in [p.message for p in full]
    closed = {"medium": wikitext.trusted("{{technique|oil}} <!-- checked -->"), "title": "x"}
    assert pages.render("Artwork", closed, "{{cc-zero}}", ["Tests"])[1] == []


@pytest.mark.parametrize("check", wikitext.PAGE_CHECKS)
def test_a_page_template_that_drops_the_licence_makes_every_page_an_error(
    tmp_path: Path, check: wikitext.PageCheck
) -> None:
    """A batch's own file-page.j2 without ``<< license >>`` passed both checks: accepted files went up
    with no licence tag on their pages (deleted on Commons)."""
    shipped = (Path(__file__).parent.parent / "templates" / "file-page.j2").read_text(encoding="utf-8")
    assert "<< license >>" in shipped
    (tmp_path / "file-page.j2").write_text(shipped.replace("<< license >>", ""), encoding="utf-8")
    params = {"title": escape("Portrait")}
    _, problems = wikitext.FilePages(tmp_path, check).render("Artwork", params, "{{cc-zero}}", ["Tests"])
    assert "the page template does not place the licence (<< license >>)" in [p.message for p in problems]
    _, shipped_problems = wikitext.FilePages(None, check).render("Artwork", params, "{{cc-zero}}", ["Tests"])
    assert shipped_problems == []
    # one that opens a comment before the page and never closes it: MediaWiki shows nothing of the page
    (tmp_path / "file-page.j2").write_text(
        shipped.replace("=={{int:filedesc}}==", "<!-- =={{int:filedesc}}==")
    )
    _, problems = wikitext.FilePages(tmp_path, check).render("Artwork", params, "{{cc-zero}}", ["Tests"])
    assert "an unclosed comment (<!--) hides the rest of the page" in [p.message for p in problems]


@pytest.mark.parametrize(
    "name",
    [
        "File:Ship",
        "Template:Ship",
        "en:Ship models",
        "commons:Ship models",
        "w:Ship",
        "Module:X",
        "Template_talk:X",
        "wikt:X",
        "Category:Category:X",
    ],
)
def test_a_category_name_with_a_namespace_or_a_wikis_prefix_is_refused(name: str) -> None:
    """``[[Category:File:Ship]]``, ``[[Category:En:Ship models]]`` were written as red categories."""
    with pytest.raises(InputError, match="starts with a namespace or another wiki's prefix"):
        category_name(name)


def test_an_invisible_character_in_a_category_name_is_left_out() -> None:
    """MediaWiki keeps a zero-width space in a title: "Ship models\\u200b" was another, empty category."""
    assert category_name("Ship models\u200b") == "Ship models"
    assert category_name("Ship\u00admodels") == "Shipmodels"
    assert category_name("Category:Ship models") == "Ship models"
    for name in ("TV: series", "MS: Kungsholm", "Art: Painting"):  # a word and a colon: a name
        assert category_name(name) == name
