"""Hypothesis: arbitrary Unicode through every escaping path stays exactly the intended single value.

The oracle is independent of the escaper: parse the rendered page with mwparserfromhell after applying the
wiki's own NFC normalisation, decode what the wiki decodes at display time (entities; ``<br>`` as a line
break; free URLs as MediaWiki links them), and compare with the input text; and compare the page's
structure with what was put there.
"""

from __future__ import annotations

import html
import re
import unicodedata
from urllib.parse import quote_plus

import mwparserfromhell
from hypothesis import example, given, settings
from hypothesis import strategies as st

from glamupload import wikitext
from glamupload.errors import InputError
from glamupload.wikitext import Wikitext, check_page, render_file_page

PHP_TRIM = " \t\n\r\0\x0b"  # what MediaWiki strips from named template parameters
LINE_BREAKS = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")

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
    "<nowiki>",
    "</nowiki>",
    "<ref>",
    "<br>",
    "<!--",
    "-->",
    "~~~",
    "~~~~",
    "__NOTOC__",
    "__",
    "''",
    "'''",
    "&",
    "&amp;",
    "&#124;",
    "&#x7C;",
    "&lt",
    "{{!}}",
    "http://example.org/?a=b",
    "[http://x.org y]",
    "----",
    "*",
    "#",
    ":",
    ";",
    "!",
    "!!",
    " ",
    "\t",
    "\n",
    "\r\n",
    "\r",
    "\u2028",
    "\u0338",
    "\u0301",
    "{|",
    "|}",
    "|-",
    "-{",
    "}-",
    "[[Category:X]]",
    "{{Delete}}",
    "ISBN 0123456789",
    "\u037e",
    "\u3000",
    "e",
]
clean_char = st.characters(exclude_categories=("Cs", "Cc", "Cn"))
clean_text = st.lists(st.one_of(st.sampled_from(SNIPPETS), st.text(clean_char, max_size=4)), max_size=12).map(
    "".join
)
any_text = st.lists(
    st.one_of(st.sampled_from(SNIPPETS), st.text(max_size=4), st.characters()), max_size=12
).map("".join)


def intended(text: str) -> str:
    """The text a reader should see: NFC (the wiki normalises input), line breaks as ``\\n``."""
    return LINE_BREAKS.sub("\n", unicodedata.normalize("NFC", text))


# MediaWiki 1.39 links a free URL (a protocol of $wgUrlProtocols, then the characters of
# Parser::EXT_LINK_URL_CLASS) and shows it as Sanitizer::cleanUrl leaves it: entities decoded, then
# [ ] < > " | controls and spaces percent-encoded (PHP urlencode: a space is "+").
FREE_URL = re.compile(
    r"(?i)\b(?:bitcoin:|ftps?://|geo:|git://|gopher://|https?://|ircs?://|magnet:|mailto:|matrix:|mms://"
    r"|news:|nntp://|redis://|sftp://|sips?:|sms:|ssh://|svn://|tel:|telnet://|urn:|worldwind://|xmpp:)"
    r"[^\]\[<>\"\x00-\x20\x7f\s\ufffd]+"
)
URL_ENCODED = re.compile(r"[\]\[<>\"\x00-\x20\x7f|]")


def shown(value: str) -> str:
    """What the wiki displays for an escaped value (``<nowiki/>`` shows nothing)."""
    parts, end = [], 0
    for url in FREE_URL.finditer(value):
        parts.append(_shown_text(value[end : url.start()]))
        parts.append(URL_ENCODED.sub(lambda c: quote_plus(c.group()), html.unescape(url.group())))
        end = url.end()
    return "".join([*parts, _shown_text(value[end:])])


def _shown_text(text: str) -> str:
    return html.unescape(text.replace("<br>", "\n").replace("<nowiki/>", ""))


def parse_as_wiki(page: str) -> mwparserfromhell.wikicode.Wikicode:
    assert unicodedata.normalize("NFC", page) == page  # the wiki's normalisation changes nothing
    return mwparserfromhell.parse(page)


def only_param(template: mwparserfromhell.nodes.Template, name: str) -> str:
    assert [str(p.name).strip() for p in template.params] == [name]
    return str(template.get(name).value)


def page_with(params: dict[str, object], template: str = "Information", categories: tuple[str, ...] = ("X",)):
    text = render_file_page(template, params, "{{CC0}}", list(categories))
    problems = check_page(
        text, template=template, params=params, categories=list(categories), license_wikitext="{{CC0}}"
    )
    assert problems == []
    return parse_as_wiki(text)


def structure(page: mwparserfromhell.wikicode.Wikicode) -> tuple[list[str], list[str], set[str], int]:
    return (
        [str(t.name).strip() for t in page.filter_templates()],
        [str(link.title) for link in page.filter_wikilinks()],
        {str(tag.tag) for tag in page.filter_tags()},
        len(page.filter_comments()) + len(page.filter_arguments()),
    )


@settings(max_examples=400, deadline=None)
@given(clean_text)
@example("http://example.org/?a=b ")  # #12: the entity for the trailing space was glued to the URL
@example("mailto:a@b.se\t")
def test_parameter_value_is_exactly_the_text(text: str) -> None:
    page = page_with({"description": text, "source": "s"})
    templates, links, tags, others = structure(page)
    assert templates == ["int:filedesc", "Information", "int:license-header", "CC0"]
    assert links == ["Category:X"] and tags <= {"br", "nowiki"} and others == 0
    info = page.filter_templates()[1]
    names = [str(p.name).strip() for p in info.params]
    if intended(text).strip():
        assert names == ["description", "source"]
        assert shown(str(info.get("description").value).strip(PHP_TRIM)) == intended(text)
    else:
        assert names == ["source"]


@settings(max_examples=300, deadline=None)
@given(any_text)
def test_any_unicode_cannot_change_the_page_structure(text: str) -> None:
    page = page_with({"description": text, "date": text, "source": "s"})
    templates, links, tags, others = structure(page)
    assert templates == ["int:filedesc", "Information", "int:license-header", "CC0"]
    assert links == ["Category:X"] and tags <= {"br", "nowiki"} and others == 0
    value = str(page.filter_templates()[1].get("source").value).strip()
    assert value == "s"


@settings(max_examples=300, deadline=None)
@given(clean_text)
def test_language_wrapper_holds_exactly_the_text(text: str) -> None:
    wrapped = wikitext.lang("sv", text)
    page = page_with({"title": wrapped, "accession number": "1"}, template="Artwork")
    templates, links, tags, others = structure(page)
    assert links == ["Category:X"] and tags <= {"br", "nowiki"} and others == 0
    if not intended(text).strip():
        assert wrapped == "" and templates == ["int:filedesc", "Artwork", "int:license-header", "CC0"]
        return
    assert templates == ["int:filedesc", "Artwork", "sv", "int:license-header", "CC0"]
    sv = page.filter_templates()[2]
    assert shown(only_param(sv, "1").strip(PHP_TRIM)) == intended(text)


@settings(max_examples=300, deadline=None)
@given(clean_text, clean_text)
def test_size_arguments_hold_exactly_the_text(unit: str, height: str) -> None:
    markup = wikitext.size(unit, {"height": height})
    page = page_with({"dimensions": markup}, template="Artwork")
    templates = structure(page)[0]
    if not intended(height).strip():
        assert "Size" not in templates
        return
    assert templates == ["int:filedesc", "Artwork", "Size", "int:license-header", "CC0"]
    size = page.filter_templates()[2]
    assert [str(p.name).strip() for p in size.params] == ["unit", "height"]
    assert shown(str(size.get("unit").value).strip(PHP_TRIM)) == intended(unit)
    assert shown(str(size.get("height").value).strip(PHP_TRIM)) == intended(height)


@settings(max_examples=300, deadline=None)
@given(clean_text, clean_text)
def test_other_date_positional_arguments_hold_exactly_the_text(first: str, second: str) -> None:
    page = page_with({"date": wikitext.other_date("between", first, second)}, template="Artwork")
    templates = structure(page)[0]
    assert templates == ["int:filedesc", "Artwork", "Other date", "int:license-header", "CC0"]
    call = page.filter_templates()[2]
    positional = [str(p.value) for p in call.params]
    assert all(not p.showkey for p in call.params)
    expected = ["between", first] + ([second] if second else [])
    assert [shown(value) for value in positional] == [intended(value) for value in expected]


@settings(max_examples=400, deadline=None)
@given(any_text)
def test_category_names_are_rejected_or_form_exactly_one_link(name: str) -> None:
    try:
        clean = wikitext.category_name(name)
    except InputError:
        return
    assert wikitext.category_name(clean) == clean
    page = page_with({"description": "d"}, categories=(name,))
    templates, links, tags, others = structure(page)
    assert templates == ["int:filedesc", "Information", "int:license-header", "CC0"]
    assert links == [f"Category:{clean}"] and not tags and others == 0
    assert "\n" not in clean and clean == clean.strip()


@settings(max_examples=300, deadline=None)
@given(any_text)
def test_institution_is_rejected_or_one_transclusion(name: str) -> None:
    try:
        markup = wikitext.institution(name)
    except InputError:
        return
    page = page_with({"institution": markup}, template="Artwork")
    templates, links, tags, others = structure(page)
    assert templates[1:3] == ["Artwork", markup[2:-2]] and len(templates) == 5
    assert links == ["Category:X"] and not tags and others == 0


@given(st.lists(st.one_of(clean_text, st.builds(wikitext.lang, st.just("en"), clean_text)), max_size=4))
def test_concat_of_escaped_and_trusted_parts_keeps_each_part(parts: list[object]) -> None:
    joined = wikitext.concat(parts, Wikitext("\n"))
    page = page_with({"description": joined})
    wrappers = [t for t in page.filter_templates() if str(t.name) == "en"]
    assert len(wrappers) == sum(isinstance(part, Wikitext) and part != "" for part in parts)
