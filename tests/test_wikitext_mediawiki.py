"""Escaping judged by MediaWiki itself: the sandbox wiki parses rendered pages (action=parse).

mwparserfromhell is a model of the wiki's parser; this is the parser. A probe template stands in for
{{Information}} and shows each value in the places that change meaning in real Commons templates: at the
start of a line, in a table cell and in italics. The wiki must then report exactly the templates and
categories the page was built with, and show exactly the text of each value.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

import lxml.html
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from glamupload import maintenance
from glamupload.wiki import Wiki
from glamupload.wikitext import check_page, render_file_page, trusted

PROBE = "Glamupload escape probe"
PROBE_TEXT = """<div id="probe-description">
{{{description|}}}
</div>
{| class="probe"
|-
! Date
| {{{date|}}}
|}
<span id="probe-author">''{{{author|}}}''</span>
"""
HOSTILE = (
    "a | b = c }} {{Delete}} [[Category:Spam]] [http://evil.example x] <nowiki>n</nowiki> <ref>r</ref> "
    "<!-- c --> ~~~~ __NOTOC__ '''bold''' &amp; &#124; {{!}} {{{1}}} -{x}- ISBN-like\n* list\n#num\n:indent\n"
    ";term\n----\n pre\n{| table\n|}\n== Heading ==\n!! header || cell\n'edge'"
)
SNIPPETS = [
    "|",
    "=",
    "{{",
    "}}",
    "[[",
    "]]",
    "[",
    "]",
    "<",
    ">",
    "<ref>",
    "<br>",
    "<!--",
    "~~~~",
    "__NOTOC__",
    "__",
    "''",
    "'",
    "&",
    "&amp;",
    "&#124;",
    "{{!}}",
    "http://example.org/?a=b",
    "----",
    "*",
    "#",
    ":",
    ";",
    "!",
    "!!",
    " ",
    "\n",
    "{|",
    "|}",
    "|-",
    "-{",
    "}-",
    "[[Category:X]]",
    "{{Delete}}",
    "e",
    "Å",
    "ж",
]


@pytest.fixture(scope="module")
def wiki(uploader: Wiki) -> Wiki:
    uploader.edit(f"Template:{PROBE}", PROBE_TEXT, "escape probe for glamupload tests")
    return uploader


def parse(wiki: Wiki, page: str) -> dict:
    probe_page = page.replace("{{Information\n", "{{" + PROBE + "\n", 1)
    reply = wiki.api(
        "parse",
        title="File:Escape probe.jpg",
        text=probe_page,
        contentmodel="wikitext",
        pst=1,
        prop="text|templates|categories|externallinks",
        formatversion=2,
        disablelimitreport=1,
    )
    return reply["parse"]


def shown_text(html: str, element_id: str) -> str:
    """The text the wiki shows in one element, ``<br>`` as line breaks, whitespace as a browser shows it."""
    element = lxml.html.fromstring(html).get_element_by_id(element_id)
    for br in element.iter("br"):
        br.tail = "\n" + (br.tail or "")
    return normalise(element.text_content())


def normalise(text: str) -> str:
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.split("\n")]
    return "\n".join(lines).strip()


def check_with_mediawiki(wiki: Wiki, description: str, author: str = "A. Author") -> dict:
    page = render_file_page(
        "Information",
        {"description": description, "date": description, "author": author, "source": "s"},
        "{{cc-by-sa-4.0}}",
        ["Tests"],
    )
    parsed = parse(wiki, page)
    assert {t["title"] for t in parsed["templates"]} == {f"Template:{PROBE}", "Template:Cc-by-sa-4.0"}
    # the sandbox's maintenance categories (no machine-readable author, …) judge the probe, not the value
    categories = [c["category"] for c in parsed["categories"] if maintenance.classify(c["category"]) is None]
    assert categories == ["Tests"]
    html = parsed["text"]
    # the only structure in the output is the probe's own and the two section headings
    assert len(re.findall(r"<h2", html)) == 2
    assert not re.search(r"<(ul|ol|dl|pre|hr|h[13456]|ref|b)[ >]", html)
    assert html.count("<table") == 1 and html.count("<th") == 1 and html.count("<td") == 1
    assert re.findall(r"<i>", html) == ["<i>"]
    intended = normalise(unicodedata.normalize("NFC", description))  # the wiki stores NFC
    if intended:
        assert shown_text(html, "probe-description") == intended
    assert shown_text(html, "probe-author") == author
    return parsed


def test_hostile_value_is_shown_as_text_by_mediawiki(wiki: Wiki) -> None:
    check_with_mediawiki(wiki, HOSTILE)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(SNIPPETS), min_size=1, max_size=15).map("".join))
@example("http://example.org/?a=b ")  # #12: shown as "…?a=b+" when the space's entity was glued to the URL
def test_generated_values_are_shown_as_text_by_mediawiki(wiki: Wiki, description: str) -> None:
    check_with_mediawiki(wiki, description)


URL = "http://example.org/?a"


@pytest.mark.parametrize(
    "after",
    [" ", "\t", " \t ", "=b ", "{b} ", "''b''", "~~~", "__b", "!!", "'", "&b", "&#124;", "|b", "[b]", "<b>"]
    + ["\n b", "\u0301 ", ". ", ") "],
)
def test_free_urls_hold_no_entity_the_wiki_would_decode_into_the_link(wiki: Wiki, after: str) -> None:
    """A URL followed by each character escape() turns into an entity (#12): the wiki shows the text as
    written, and links only a URL that is in the text (never one with a "+" or "%09" for a space)."""
    description = URL + after
    parsed = check_with_mediawiki(wiki, description)
    # as the wiki stores them ({ } and the like percent-encoded); the licence stand-in links its deed
    links = [link for link in parsed["externallinks"] if "example.org" in link]
    assert links and all(link.startswith("http://example.org/?") for link in links)
    assert all(unquote(link) in unicodedata.normalize("NFC", description) for link in links), links
    assert not any(re.search(r"\+|%09|%20", link) for link in links), links


@pytest.mark.parametrize(
    "fragment",
    [
        "{{cc-zero}} <!-- check this",
        "{{cc-zero}} <!-- closed --> here",
        "oil <includeonly>canvas",
        "oil <NoInclude >canvas",
        "oil <onlyinclude>canvas",
        "oil <includeonly>canvas</includeonly> here",
        "oil <nowiki>canvas",
        "oil <pre>canvas",
        "oil <ref>canvas",
        "oil <gallery>canvas",
    ],
)
def test_the_page_check_finds_what_mediawiki_lets_run_to_the_end_of_the_page(
    wiki: Wiki, fragment: str
) -> None:
    """A lookup table's wikitext cell is a person's markup: an unclosed comment in it hid the rest of the
    page on the wiki (its other parameters, the licence, the categories), and mwparserfromhell, which
    reads it as text, saw nothing. The check flags the page exactly when MediaWiki loses the licence."""
    params = {"description": trusted(fragment), "date": "1900", "author": "A. Author", "source": "s"}
    page = render_file_page("Information", params, "{{cc-by-sa-4.0}}", ["Tests"])
    parsed = parse(wiki, page)
    licence_shown = "Template:Cc-by-sa-4.0" in {t["title"] for t in parsed["templates"]}
    category_shown = "Tests" in [c["category"] for c in parsed["categories"]]
    problems = check_page(
        page, template="Information", params=params, categories=["Tests"], license_wikitext="{{cc-by-sa-4.0}}"
    )
    hides = [p.message for p in problems if "hides the rest of the page" in p.message]
    assert bool(hides) == (not (licence_shown and category_shown)), (fragment, problems)
