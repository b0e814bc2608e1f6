"""The page check by construction (decision 0016) against the whole-page check it stands in for.

``FilePages(check="construction")`` parses only what code cannot vouch for; when it vouches for a page,
``check_page`` (mwparserfromhell over the whole page) must find nothing wrong with it, and when it does
not, it reports ``check_page``'s own problems. Checked here on every golden and example page, on random
hostile pages, on the pieces the proof is built from (``Contained`` values and their joints), and by
MediaWiki itself for joined values.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_plan_golden import CASES
from test_wikitext_mediawiki import PROBE, SNIPPETS, normalise, parse, shown_text
from test_wikitext_mediawiki import wiki as wiki  # the fixture: the sandbox with the probe template

from glamupload import maintenance, wikitext
from glamupload.config import load_batch
from glamupload.plan import plan_batch
from glamupload.problems import ProblemCode
from glamupload.transforms import render
from glamupload.wiki import Wiki
from glamupload.wikitext import (
    Contained,
    FilePages,
    Wikitext,
    check_page,
    escape,
    filled_pattern,
    gallery,
    lang,
    other_date,
    template_call,
    trusted,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_golden_batch_plans_the_same_records_with_either_check(case: str) -> None:
    batch = load_batch(CASES[case][0])
    full = [item.to_json() for item in plan_batch(batch, check="full")]
    assert [item.to_json() for item in plan_batch(batch, check="construction")] == full


@pytest.fixture
def full_checks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Records each page the construction check could not vouch for (it then runs ``check_page``)."""
    pages: list[str] = []
    original = wikitext.check_page

    def recording(text: str, **kwargs: object) -> list[wikitext.Problem]:
        pages.append(text)
        return original(text, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(wikitext, "check_page", recording)
    yield pages


def test_the_example_pages_need_no_whole_page_parse(full_checks: list[str]) -> None:
    for name in ("smm", "kenom"):
        items = list(plan_batch(load_batch(ROOT / "examples" / name / "batch.yaml")))
        assert items and all(item.wikitext for item in items)
    assert full_checks == []  # every page proven by construction; still checked whole by the test above


# -- random hostile pages -------------------------------------------------------------------------------

hostile = st.lists(st.one_of(st.sampled_from(SNIPPETS), st.text(max_size=3)), max_size=6).map("".join)
authored = st.sampled_from(
    [
        "{{technique|paper}}",
        "{{Creator:Jacob Hägg}}",
        "{{unknown photographer}}",
        "{{technique|paper",  # broken: not contained, checked in its slot
        "[[Category:Hidden]]",
        "<ref>note</ref>",
        "<ref>",
        "a | b",
        "x}}",
        "''",
        "{{sv|1=Text}}\n== Heading ==",
    ]
)
plain = st.sampled_from(["Vasa", "S 3053-12", "1994:001:6", "Fo179255_35DIG", "NOTOC", "tel", "a b"])
piece = st.one_of(
    hostile,
    plain,
    hostile.map(lambda t: lang("sv", t)),
    hostile.map(lambda t: template_call("Technique", [t])),
    st.integers(1000, 1999).map(lambda y: other_date("circa", str(y))),
    authored.map(trusted),
)
value = st.one_of(
    hostile,
    st.tuples(
        st.lists(piece, min_size=1, max_size=4), st.sampled_from([", ", "<br>", " / ", "\n", "]]"])
    ).map(lambda args: render(*args)),
    st.tuples(
        st.sampled_from(
            [
                "[https://x.org/${a} ${b}]",
                "Tillverkare: ${a}",
                "__${a}__",
                "${a}${b}",
                "[[${a}]]",
                "'${a}'",
                "[${a}[",
                "{{${a}}}",
                "${a}:${b}",
                "http://x.org/${a}",
                "<${a}>${b}</${a}>",
            ]
        ),
        piece,
        piece,
    ).map(lambda args: fill(*args)),
    st.lists(st.sampled_from(["A.jpg", "B b.png", "C''.jpg"]), min_size=1, max_size=2).map(gallery),
)


def fill(pattern: str, *pieces: object) -> Wikitext:
    """A crosswalk pattern filled as the format transform fills it (escaped values, trusted markup)."""
    names = re.findall(r"\$\{([ab])\}", pattern)
    return filled_pattern(re.split(r"\$\{[ab]\}", pattern), [escape(pieces["ab".index(n)]) for n in names])


licences = st.sampled_from(
    ["{{cc-by-4.0}}", "", "{{PD-Art|PD-old-auto-expired|deathyear=1908}}", "{{cc-by-4.0"]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    params=st.dictionaries(
        st.sampled_from(["description", "date", "source", "author", "permission"]), value, max_size=5
    ),
    licence=licences,
    categories=st.lists(st.sampled_from(["Tests", "Media contributed by SMM", "Ships"]), max_size=3),
)
def test_a_page_vouched_for_by_construction_passes_the_whole_page_check(
    full_checks: list[str], params: dict[str, object], licence: str, categories: list[str]
) -> None:
    full_checks.clear()
    text, problems = FilePages().render("Information", params, licence, categories)
    whole = check_page(
        text, template="Information", params=params, categories=categories, license_wikitext=licence
    )
    assert problems == whole  # the same verdict, found either way
    if not full_checks:  # vouched for without the whole-page parse: then it must be sound
        assert [p.code for p in whole] in ([], [ProblemCode.NO_LICENSE])


# -- the pieces of the proof ----------------------------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(st.lists(piece, min_size=1, max_size=5), st.sampled_from([", ", "<br>", "", " ", ";"]))
def test_contained_joins_hold_exactly_the_constructs_of_their_pieces(
    pieces: list[object], separator: str
) -> None:
    joined = render(pieces, separator)
    if not isinstance(joined, Contained):
        return
    # whole as a template parameter's value, and no construct beyond its pieces' own
    assert wikitext._probe_fits(joined)
    parts = [escape(p) for p in pieces]
    expected: Counter[tuple[str, str]] = Counter()
    for part in parts:
        expected += wikitext._constructs(part)
    for _ in parts[1:]:
        expected += wikitext._constructs(wikitext.separator(separator))
    assert wikitext._constructs(joined) == expected


@settings(max_examples=300, deadline=None)
@given(hostile, hostile)
def test_an_escaped_value_is_contained_and_stays_whole_in_a_parameter(first: str, second: str) -> None:
    for text in (escape(first), lang("sv", first), template_call("X", [first], {"k": second})):
        assert isinstance(text, Contained)
        assert wikitext._probe_fits(text)


def test_authored_markup_is_contained_only_when_every_bracket_is_its_own() -> None:
    assert isinstance(trusted("{{technique|paper}}"), Contained)
    assert isinstance(trusted("{{Creator:Fredrik Henrik af Chapman}}<br>text"), Contained)
    for broken in ("{{technique|paper", "<ref>", "a | b", "''", "x]]", "[[a", "~~~", "__NOTOC__"):
        assert not isinstance(trusted(broken), Contained), broken
        assert isinstance(trusted(broken), Wikitext)


def test_a_pattern_placeholder_next_to_a_run_is_not_trusted_with_plain_text() -> None:
    assert isinstance(
        filled_pattern(["[https://x.org/", " ", "]"], [escape("S 30"), escape("1994:001")]), Contained
    )
    assert not isinstance(filled_pattern(["__", "__"], [escape("NOTOC")]), Contained)  # a magic word
    # inside a link only plain text is trusted: escaped markup there is checked in its slot
    assert isinstance(filled_pattern(["[[", "]]"], [escape("Vasa (ship)")]), Contained)
    assert not isinstance(filled_pattern(["[[", "]]"], [escape("a|b")]), Contained)
    assert not isinstance(filled_pattern(["[", "]"], [escape("tel:1")]), Contained)  # a URL after a bracket


def test_a_broken_lookup_cell_gets_the_whole_page_checks_problem(full_checks: list[str]) -> None:
    params = {"description": trusted("{{technique|paper"), "source": "s"}
    text, problems = FilePages().render("Information", params, "{{cc-by-4.0}}", ["Tests"])
    assert full_checks == [text]
    assert problems and problems == check_page(
        text, template="Information", params=params, categories=["Tests"], license_wikitext="{{cc-by-4.0}}"
    )


# -- MediaWiki itself -----------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(SNIPPETS), min_size=1, max_size=6), st.sampled_from([", ", "<br>", " / "]))
def test_joined_values_are_shown_as_text_by_mediawiki(
    wiki: Wiki, snippets: list[str], separator: str
) -> None:  # noqa: F811
    first, second = "".join(snippets[: len(snippets) // 2]) or "a", "".join(snippets[len(snippets) // 2 :])
    joined = render([first, second], separator)
    if not isinstance(joined, Contained):
        return
    page = wikitext.render_file_page(
        "Information", {"description": joined, "source": "s", "author": "A"}, "{{cc-by-sa-4.0}}", ["Tests"]
    )
    parsed = parse(wiki, page)
    assert {t["title"] for t in parsed["templates"]} == {f"Template:{PROBE}", "Template:Cc-by-sa-4.0"}
    # the sandbox's maintenance categories (no machine-readable author, …) judge the probe, not the value
    categories = [c["category"] for c in parsed["categories"] if maintenance.classify(c["category"]) is None]
    assert categories == ["Tests"]
    assert len(re.findall(r"<h2", parsed["text"])) == 2
    shown = "\n" if separator == "<br>" else separator
    intended = normalise(unicodedata.normalize("NFC", first + shown + second).replace("\r\n", "\n"))
    assert shown_text(parsed["text"], "probe-description") == intended
