"""The three-way rule of ``glamupload update`` (update/parts.py) on page texts, without a wiki: the pages
are rendered by the planner's own renderer, the "others' edits" are the edits the sandbox test makes by
hand, and a property test checks that on a page no one touched the update lands exactly on the new plan."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import example, given, settings
from hypothesis import strategies as st

from glamupload import licenses, wikitext
from glamupload.planned import PlannedFile
from glamupload.state import Conflict, Decision, UpdateDecision
from glamupload.update.parts import PageParts, deletion_tag, merge, parts_of, summary
from glamupload.update.report import render
from glamupload.update.run import FileUpdate, UpdateOutcome, UpdateResult, deletion_tags
from glamupload.upload.run import BatchStatus

CC0 = licenses.judge_value("http://creativecommons.org/publicdomain/zero/1.0/", licenses.Facts(kind="photo"))
CC_BY_SA = licenses.judge_value("CC BY-SA 4.0", licenses.Facts(kind="photo"))


def planned(
    params: dict[str, str], categories: tuple[str, ...], verdict: licenses.Verdict = CC0
) -> PlannedFile:
    text = wikitext.render_file_page("Artwork", params, verdict.wikitext, categories)
    return PlannedFile(0, "R1", "R1.jpg", text, categories, verdict, "R1.jpg", "Artwork", params)


BASE = planned(
    {"artist": "Jacob Hägg", "title": "Vasa", "date": "1899", "source": "SMM"},
    ("Ship portraits", "Media by SMM"),
)


def test_untouched_parts_take_the_new_plan_and_land_on_its_page() -> None:
    new = planned(
        {"artist": "Jacob Hägg", "title": "Vasa (1628)", "date": "1899", "medium": "oil", "source": "SMM"},
        ("Ships in art", "Media by SMM"),
        CC_BY_SA,
    )
    merged = merge(parts_of(BASE), parts_of(new), BASE.wikitext)
    assert merged.text == new.wikitext  # nobody else touched the page: it becomes the new plan's page
    assert merged.parts == parts_of(new) and not merged.conflicts and not merged.kept
    assert {c.part for c in merged.changes} == {"title", "medium", "licence", "category"}
    assert summary("smm", merged.changes) == (
        "glamupload update smm: title, medium; licence; categories +Ships in art, −Ship portraits"
    )
    # applied once more, on its own result, nothing changes
    assert merge(merged.parts, parts_of(new), merged.text).text == merged.text


def test_others_edits_are_kept_and_a_parameter_both_changed_is_a_conflict() -> None:
    edited = (
        "{{Delete|reason=x}}\n"
        + BASE.wikitext.replace("|date = 1899", "|date = 1898")
        .replace("|title = Vasa", "|title = Regalskeppet Vasa")
        .replace("\n}}\n", "\n|notes = a curator's\n}}\nA curator's note.\n", 1)
        .replace("[[Category:Ship portraits]]", "[[Category:Ship portraits|Vasa]]\n[[Category:Sweden]]")
        + "\n{{Check categories}}"
    )
    new = planned(
        {"artist": "Jacob Hägg", "title": "Vasa (1628)", "date": "1899", "source": "SMM Stockholm"},
        ("Ship portraits", "Media by SMM", "Vasa (ship, 1627)"),
    )
    merged = merge(parts_of(BASE), parts_of(new), edited)
    assert merged.conflicts == (Conflict("title", "Vasa", "Regalskeppet Vasa", "Vasa (1628)"),)
    text = merged.text
    assert "|title = Regalskeppet Vasa" in text  # the conflict keeps the wiki's value
    assert "|date = 1898" in text  # the plan did not change the date: the wiki's stays, no conflict
    assert "|source = SMM Stockholm" in text  # untouched: the new value
    assert text.startswith("{{Delete|reason=x}}\n") and "A curator's note." in text
    assert "|notes = a curator's" in text and "[[Category:Ship portraits|Vasa]]" in text
    assert "[[Category:Sweden]]" in text and text.rstrip().endswith("{{Check categories}}")
    assert "[[Category:Vasa (ship, 1627)]]" in text
    assert set(merged.kept) >= {
        "parameter date as edited on the wiki",
        "parameter notes (added on the wiki)",
        "category Sweden",
        "template {{Delete}}",
        "template {{Check categories}}",
        "text added on the wiki: A curator's note.",
    }
    # the conflicting part keeps its old base: the next run reports it again, and changes nothing else
    assert merged.parts.param("title") == "Vasa" and merged.parts.param("source") == "SMM Stockholm"
    again = merge(merged.parts, parts_of(new), text)
    assert again.text == text and again.conflicts == merged.conflicts and not again.changes


def test_a_reviewers_decision_settles_the_conflict_for_that_value_only() -> None:
    edited = BASE.wikitext.replace("|title = Vasa", "|title = Regalskeppet Vasa")
    new = planned({**BASE.params, "title": "Vasa (1628)"}, BASE.categories)
    accept = {"title": UpdateDecision("Vasa (1628)", Decision.ACCEPT, "A. Curator", "ok", "2025-01-01")}
    taken = merge(parts_of(BASE), parts_of(new), edited, accept)
    assert "|title = Vasa (1628)" in taken.text and not taken.conflicts
    keep = {"title": UpdateDecision("Vasa (1628)", Decision.SKIP, "A. Curator", "theirs", "2025-01-01")}
    kept = merge(parts_of(BASE), parts_of(new), edited, keep)
    assert kept.text == edited and not kept.conflicts and kept.parts.param("title") == "Vasa (1628)"
    other = planned({**BASE.params, "title": "Vasa (ship)"}, BASE.categories)
    assert merge(parts_of(BASE), parts_of(other), edited, accept).conflicts  # decided on another value


def test_a_licence_someone_changed_is_a_conflict_and_a_removed_parameter_goes() -> None:
    edited = BASE.wikitext.replace(CC0.wikitext.strip(), "{{PD-old-70}}")
    new_params = {k: v for k, v in BASE.params.items() if k != "date"}
    new = planned(new_params, BASE.categories, CC_BY_SA)
    merged = merge(parts_of(BASE), parts_of(new), edited)
    assert merged.conflicts == (
        Conflict("licence", CC0.wikitext.strip(), "{{PD-old-70}}", CC_BY_SA.wikitext.strip()),
    )
    assert "{{PD-old-70}}" in merged.text and "|date" not in merged.text


def test_another_template_replaces_the_call_unless_its_parameters_were_edited() -> None:
    photo_params = {"photographer": "Jacob Hägg", "title": "Vasa"}
    text = wikitext.render_file_page("Photograph", photo_params, CC0.wikitext, BASE.categories)
    new = PlannedFile(0, "R1", "R1.jpg", text, BASE.categories, CC0, "R1.jpg", "Photograph", photo_params)
    merged = merge(parts_of(BASE), parts_of(new), BASE.wikitext)
    assert merged.text == new.wikitext and merged.parts.template == "Photograph"
    edited = BASE.wikitext.replace("|date = 1899", "|date = 1898")
    conflict = merge(parts_of(BASE), parts_of(new), edited)
    assert conflict.text == edited and conflict.conflicts[0].part == "template"


def test_deletion_tags_are_found_by_name_as_the_wiki_compares_them() -> None:
    assert deletion_tag("{{delete|reason=x}}\n" + BASE.wikitext, deletion_tags()) == "{{Delete}}"
    assert deletion_tag("{{No_permission_since|month=May}}", deletion_tags()) == "{{No permission since}}"
    assert deletion_tag(BASE.wikitext + "{{Check categories}}", deletion_tags()) is None


def test_the_report_cannot_be_broken_by_page_text() -> None:
    nasty = "```\n# not a heading\n| a | b |"
    item = FileUpdate(
        "R`1",
        "File:A.jpg",
        UpdateOutcome.WOULD_UPDATE,
        summary="glamupload update x: title",
        diff=f"--- a\n+++ b\n-{nasty}\n+x\n",
        conflicts=(Conflict("title", "a|b", "c\nd", None),),
        reason="[[evil]] <b>",
    )
    counts = {"total": 1}
    text = render(UpdateResult("batch.yaml", "sandbox", True, (item,), BatchStatus("s", True, counts, ())))
    assert "````diff\n" in text  # the fence is longer than the page's own backticks
    assert "| `title` | `a\\|b` | `c d` | (none) |" in text
    assert "\\[\\[evil\\]\\] \\<b\\>" in text


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["artist", "title", "date", "medium", "institution", "source", "notes"]),
        st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20),
        min_size=1,
    ),
    st.dictionaries(
        st.sampled_from(["artist", "title", "date", "medium", "institution", "source", "notes"]),
        st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20),
        min_size=1,
    ),
    st.lists(st.sampled_from(["Ships", "Boats", "Maps", "Sweden"]), min_size=1, unique=True),
    st.lists(st.sampled_from(["Ships", "Boats", "Maps", "Sweden"]), min_size=1, unique=True),
)
# found by hypothesis: an added parameter took its neighbour's trailing no-break space as padding
@example(old={"artist": "0\xa0"}, new={"title": "0"}, old_cats=["Ships"], new_cats=["Ships"])
def test_an_untouched_page_becomes_exactly_the_new_plans(
    old: dict[str, str], new: dict[str, str], old_cats: list[str], new_cats: list[str]
) -> None:
    before, after = planned(old, tuple(old_cats)), planned(new, tuple(new_cats), CC_BY_SA)
    merged = merge(parts_of(before), parts_of(after), before.wikitext)
    assert not merged.conflicts
    assert merged.parts == parts_of(after)
    reread = replace(parts_of(after), params=_reread(merged.text))
    assert reread == parts_of(after)


def _reread(text: str) -> tuple[tuple[str, str], ...]:
    page = PlannedFile(0, "R1", "R1.jpg", text, (), CC_BY_SA, "R1.jpg", "Artwork", {})
    return parts_of(page).params


def test_parts_survive_the_state() -> None:
    parts = parts_of(BASE)
    assert PageParts.from_json(parts.to_json()) == parts


def test_a_page_updated_in_some_parts_but_left_in_conflict_in_another_needs_a_person() -> None:
    """The date applied, the description in conflict: the run said "1 updated" and exited 0, and the next
    identical run, with nothing to write, said "1 conflict" and exited 1."""
    status = BatchStatus("s", True, {"total": 2}, ())
    clean = FileUpdate("A", "File:A.jpg", UpdateOutcome.UPDATED)
    conflict = Conflict("description", "old", "the curator's", "new")
    partial = FileUpdate("B", "File:B.jpg", UpdateOutcome.UPDATED, conflicts=(conflict,))
    assert UpdateResult("batch.yaml", "sandbox", False, (clean,), status).exit_status == 0
    result = UpdateResult("batch.yaml", "sandbox", False, (clean, partial), status)
    assert result.in_conflict == 1 and result.exit_status == 1
    assert result.to_dict()["in_conflict"] == 1 and result.counts == {"updated": 2}
