"""The page checker's shortcuts (cached skeleton, cached value constructs, values too plain to parse)
report exactly what the straightforward checker reports: render the skeleton for every page, parse
every value and the whole page each time."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

import mwparserfromhell
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from glamupload import wikitext
from glamupload.wikitext import Wikitext, check_page, render_file_page

SNIPPETS = [
    "|",
    "=",
    "{{",
    "}}",
    "{{{",
    "}}}",
    "[[",
    "]]",
    "[",
    "]",
    "<",
    ">",
    "<br>",
    "<nowiki/>",
    "<ref>",
    "</ref>",
    "<!--",
    "-->",
    "''",
    "'''",
    "'",
    "&",
    "&#124;",
    "~~~~",
    "__NOTOC__",
    "http://example.org/a",
    "[http://x.org y]",
    "mailto:a@b.c",
    "----",
    "*",
    "#",
    ":",
    ";",
    "!",
    "!!",
    " ",
    "\n",
    "\r\n",
    "{|",
    "|}",
    "|-",
    "[[Category:X]]",
    "{{Delete}}",
    "== h ==",
    "\u0301",
    "e",
    "Sjöstrid",
]
text = st.lists(st.one_of(st.sampled_from(SNIPPETS), st.text(max_size=3)), max_size=8).map("".join)
# Everything the fast path lets through unparsed, and then some: markers without a node of their own.
plain_char = st.one_of(
    st.sampled_from(list('&#;*=-!/"_~ \t\r\u2028\u0301.,0123456789abcxyzHTPShtps')), st.characters()
)
plain_words = st.sampled_from(["&#124;", "&amp;", "http", "ISBN 1", "__X__", "~~~"])
plain = st.lists(st.one_of(plain_words, plain_char), max_size=20).map("".join)


def reference_problems(
    page: str,
    *,
    template: str,
    params: Mapping[str, object],
    categories: Iterable[str],
    license_wikitext: str,
    templates_dir: Path | None = None,
) -> list[str]:
    """check_page without any shortcut: a fresh skeleton render and a full parse of everything."""
    spec = wikitext.load_template_catalogue().template(template)
    expected = wikitext._ordered_params(spec, params)
    wanted_categories = wikitext._unique_categories(categories)
    problems: list[str] = []
    if wikitext.unicodedata.normalize("NFC", page) != page:
        problems.append("page text is not NFC-normalised (the wiki would change it)")
    calls = [
        node
        for node in mwparserfromhell.parse(page).filter_templates(recursive=False)
        if wikitext._normalise_title(str(node.name)) == spec.name
    ]
    if len(calls) != 1:
        problems.append(f"expected exactly one {{{{{spec.name}}}}} template, found {len(calls)}")
    else:
        problems += wikitext._check_params(spec, calls[0], expected)
    markers = {name: f"glamuploadvalue{index}x" for index, name in enumerate(expected)}
    skeleton = render_file_page(template, markers, "glamuploadlicensex", [], templates_dir)
    if not license_wikitext.strip():
        problems.append("page has no licence")
    elif "glamuploadlicensex" not in skeleton:
        problems.append("the page template does not place the licence (<< license >>)")
    if not wanted_categories:
        problems.append("page has no category")
    # MediaWiki hides the rest of the page after a comment nobody closes: the last one opened is open
    opened = page.rfind("<!--")
    if opened >= 0 and "-->" not in page[opened + 4 :]:
        problems.append("an unclosed comment (<!--) hides the rest of the page")

    def value_constructs(value: object) -> Counter[tuple[str, str]]:
        found = wikitext._constructs(wikitext.escape(value))
        if isinstance(value, Wikitext):
            return found
        return Counter(
            {
                k: n
                for k, n in found.items()
                if k in {("tag", "br"), ("tag", "nowiki")} or k[0] == "external link"
            }
        )

    intended = wikitext._constructs(skeleton)
    for name, marker in markers.items():
        for _ in range(skeleton.count(marker)):
            intended += value_constructs(params[name])
    for _ in range(skeleton.count("glamuploadlicensex")):
        intended += value_constructs(Wikitext(license_wikitext))
    intended += Counter(("link", wikitext._normalise_title(f"Category:{n}")) for n in wanted_categories)
    actual = wikitext._constructs(page)
    problems += [f"unexpected {wikitext._describe(k)}" for k in sorted((actual - intended).elements())]
    problems += [f"missing {wikitext._describe(k)}" for k in sorted((intended - actual).elements())]
    return problems


@settings(max_examples=300, deadline=None)
@given(plain)
def test_text_left_unparsed_has_no_construct(value: str) -> None:
    assume(not wikitext._MAY_BUILD_NODES.search(value))
    assert wikitext._constructs(value) == Counter()


def test_every_kind_of_construct_is_parsed() -> None:
    """The shortcut's character test lets none of the node-building markup through."""
    for value in [
        "{{a}}",
        "{{{a}}}",
        "[[a]]",
        "[http://a b]",
        "see http://a.org",
        "<b>a</b>",
        "<!-- a -->",
        "''a''",
        "'''a'''",
        "== a ==",
        "* a",
        "# a",
        "; a",
        ": a",
        "----",
        "{|\n|a\n|}",
    ]:
        assert wikitext._constructs(value), value
        assert wikitext._MAY_BUILD_NODES.search(value), value


value = st.one_of(
    text,
    text.map(Wikitext),
    text.filter(str.strip).map(lambda t: wikitext.lang("sv", t)),
    st.lists(text, min_size=1, max_size=3).map(lambda parts: wikitext.concat(parts, Wikitext("\n"))),
)
info_params = st.fixed_dictionaries(
    {"description": value, "source": value}, optional={"author": value, "date": value, "permission": value}
)


@settings(max_examples=150, deadline=None)
@given(
    params=info_params,
    license_wikitext=st.sampled_from(["{{CC0}}", "{{cc-by-4.0}}\n{{PD-old-70}}", "", "[[a|b]] ''c''"]),
    categories=st.lists(st.sampled_from(["X", "Y z", "Ships"]), max_size=3),
    injected=text,
    where=st.floats(0, 1),
)
# found when the check learnt of unclosed comments (MediaWiki hides the rest of the page after one)
@example(
    params={"description": "", "source": ""},
    license_wikitext="{{CC0}}",
    categories=[],
    injected="<!--",
    where=0.0,
)
def test_checker_reports_what_the_plain_checker_reports(
    params: dict[str, object], license_wikitext: str, categories: list[str], injected: str, where: float
) -> None:
    page = render_file_page("Information", params, license_wikitext, categories)
    position = int(where * len(page))
    for candidate in [page, page[:position] + injected + page[position:]]:
        given_args = {
            "template": "Information",
            "params": params,
            "categories": categories,
            "license_wikitext": license_wikitext,
        }
        assert [p.message for p in check_page(candidate, **given_args)] == reference_problems(
            candidate, **given_args
        )


def test_skeleton_follows_an_edited_page_template(tmp_path: Path) -> None:
    """The cached skeleton belongs to the compiled template: editing the file gives a new one."""
    template = tmp_path / "file-page.j2"
    shipped = (wikitext.resources.templates_dir() / "file-page.j2").read_text(encoding="utf-8")
    template.write_text(shipped, encoding="utf-8")
    args = {
        "template": "Information",
        "params": {"description": "d", "source": "s"},
        "categories": ["X"],
        "license_wikitext": "{{CC0}}",
        "templates_dir": tmp_path,
    }
    before = render_file_page("Information", args["params"], "{{CC0}}", ["X"], tmp_path)
    assert check_page(before, **args) == []
    template.write_text(shipped + "\n{{Uploaded with glamupload}}\n", encoding="utf-8")
    stat = template.stat()
    os.utime(template, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    after = render_file_page("Information", args["params"], "{{CC0}}", ["X"], tmp_path)
    assert check_page(after, **args) == []
    assert [p.message for p in check_page(before, **args)] == [
        "missing template {{Uploaded with glamupload}}"
    ]


@settings(max_examples=300, deadline=None)
@given(text)
def test_the_walk_visits_the_nodes_the_parser_filter_finds(value: str) -> None:
    tree = mwparserfromhell.parse(value)
    assert sorted(map(id, wikitext._all_nodes(tree))) == sorted(map(id, tree.filter(recursive=True)))


wordy = st.lists(
    st.one_of(
        st.characters(categories=("L", "N", "M", "Zs", "Cn", "Co")),
        st.sampled_from(list(",.()/-_ :|'&\u212b\u0345\ufdd0") + ["\U0001fffe", "  "]),
    ),
    max_size=12,
).map("".join)


@settings(max_examples=1000, deadline=None)
@given(st.one_of(wordy, text, st.text()))
def test_plain_text_shortcut_escapes_exactly_as_the_rules_do(value: str) -> None:
    assert wikitext._escape_fragment(value) == wikitext._apply_escaping_rules(value)


def test_plain_text_shortcut_is_taken_for_ordinary_values_only() -> None:
    for value in ["Herman af Sillén", "1788-90", "O 04929-0", "Anneli Karlsson / Sjöhistoriska museet"]:
        assert wikitext._PLAIN.fullmatch(value)
    # not NFC, a combining mark first, edge or odd characters: the rules decide
    for value in ["\u212b", "\u0345x", " a", "a ", "a_b", "-a", "a:b", "a\u00a0b"]:
        assert wikitext._escape_fragment(value) == wikitext._apply_escaping_rules(value)
