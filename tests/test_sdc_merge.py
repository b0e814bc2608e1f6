"""The three-way merge of structured data (sdc.merge): what glamupload last wrote, the entity as read, the
new plan — per caption language and per property. No wiki: the entity is Wikibase JSON as
``wbgetentities`` gives it, and an edit is applied to it by the MediaInfo stand-in's own ``apply_edit``."""

from __future__ import annotations

import copy
import itertools
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from mediainfo_standin import apply_edit

from glamupload.sdc.merge import Decided, merge
from glamupload.sdc.model import Caption, ItemValue, Snak, Statement, StringValue, StructuredData, TimeValue


def creator(q: str) -> Statement:
    return Statement(Snak("P170", ItemValue(q)))


def collection(number: str) -> Statement:
    return Statement(Snak("P195", ItemValue("Q4115189")), (Snak("P217", StringValue(number)),))


def entity_of(data: StructuredData, *extra: Statement) -> dict[str, Any]:
    """An entity holding ``data`` (as our earlier write left it) and others' ``extra`` statements."""
    entity: dict[str, Any] = {"labels": {}, "statements": {}, "lastrevid": 7}
    ids = (f"M1$c{n}" for n in itertools.count())
    apply_edit(entity, data.to_data(), lambda: next(ids))
    apply_edit(entity, {"claims": [s.to_data() for s in extra]}, lambda: next(ids))
    return entity


def saved_entity(entity: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``entity`` with the edit saved."""
    after = copy.deepcopy(entity)
    ids = (f"M1$n{n}" for n in itertools.count())
    apply_edit(after, data, lambda: next(ids))
    return after


def saved(entity: dict[str, Any], data: dict[str, Any]) -> StructuredData:
    """What the entity holds once the edit is saved."""
    after = saved_entity(entity, data)
    claims = [c for claims in after["statements"].values() for c in claims]
    return StructuredData.from_data({"labels": after["labels"], "claims": claims})


BASE = StructuredData((Caption("sv", "Gammal bildtext"),), (creator("Q1"), collection("O 1")))


def test_untouched_caption_and_creator_take_the_new_plan_in_one_edit() -> None:
    new = StructuredData((Caption("sv", "Ny bildtext"),), (creator("Q2"), collection("O 1")))
    entity = entity_of(BASE)
    edit = merge(BASE, entity, new)
    assert edit.conflicts == ()
    assert edit.data["labels"] == {"sv": {"language": "sv", "value": "Ny bildtext"}}
    (added, removed) = edit.data["claims"]
    assert added == creator("Q2").to_data()
    assert removed == {"id": entity["statements"]["P170"][0]["id"], "remove": ""}
    assert edit.base == new
    assert sorted(c.what for c in edit.changes) == ["P170 creator", "caption (sv)"]
    after = saved(entity, edit.data)
    assert set(after.statements) == set(new.statements) and after.captions == new.captions


def test_what_someone_else_edited_is_kept_when_the_plan_did_not_change_it() -> None:
    theirs = Statement(Snak("P571", TimeValue.of(1850)))
    entity = entity_of(StructuredData((Caption("sv", "Deras"),), (creator("Q9"), collection("O 1"))), theirs)
    edit = merge(BASE, entity, BASE)  # the plan is as written: the wiki's stays, whatever it is
    assert edit.data == {} and edit.conflicts == () and edit.base == BASE


def test_both_changed_differently_is_a_conflict_and_nothing_is_overwritten() -> None:
    entity = entity_of(StructuredData((Caption("sv", "Deras"),), (creator("Q9"), collection("O 1"))))
    new = StructuredData((Caption("sv", "Ny"),), (creator("Q2"), collection("O 2")))
    edit = merge(BASE, entity, new)
    assert sorted(c.what for c in edit.conflicts) == ["P170 creator", "caption (sv)"]
    (conflict,) = [c for c in edit.conflicts if c.what == "P170 creator"]
    assert (conflict.base, conflict.existing) == (("P170 creator: Q1",), ("P170 creator: Q9",))
    # the collection's inventory number (untouched) follows the plan: the claim with its new qualifier set
    (claim,) = edit.data["claims"]
    assert claim["id"] == entity["statements"]["P195"][0]["id"]
    assert [q["datavalue"]["value"] for q in claim["qualifiers"]["P217"]] == ["O 2"]
    assert "labels" not in edit.data
    # a conflicting part keeps its old base: it stays a conflict on the next run
    assert creator("Q1") in edit.base.statements and Caption("sv", "Gammal bildtext") in edit.base.captions


def test_a_reviewers_decision_settles_the_conflict_it_was_taken_on_and_no_other() -> None:
    """``review --accept-update ID P170`` / ``--keep-wiki ID caption:sv``: the decision names the part
    and holds for the planned value it was taken on."""
    entity = entity_of(StructuredData((Caption("sv", "Deras"),), (creator("Q9"), collection("O 1"))))
    new = StructuredData((Caption("sv", "Ny"),), (creator("Q2"), collection("O 1")))
    parts = {c.part: c.planned for c in merge(BASE, entity, new).conflicts}
    assert parts == {"caption:sv": "Ny", "P170": "P170 creator: Q2"}
    accept = merge(BASE, entity, new, Decided(accept={"P170": parts["P170"]}, keep={"caption:sv": "Ny"}))
    assert accept.conflicts == ()
    assert accept.data == {"claims": [creator("Q2").to_data()]}  # theirs (Q9) stays beside it
    assert (
        creator("Q2") in accept.base.statements and Caption("sv", "Gammal bildtext") in accept.base.captions
    )
    label = merge(BASE, entity, new, Decided(accept={"caption:sv": "Ny"}, keep={"P170": parts["P170"]}))
    assert label.data == {"labels": {"sv": {"language": "sv", "value": "Ny"}}} and label.conflicts == ()
    # a decision on another planned value is no decision on this one
    later = StructuredData((Caption("sv", "Nyare"),), (creator("Q3"), collection("O 1")))
    stale = merge(BASE, entity, later, Decided(accept={"P170": parts["P170"], "caption:sv": "Ny"}))
    assert {c.part for c in stale.conflicts} == {"P170", "caption:sv"} and stale.data == {}


def test_others_statements_and_qualifiers_are_never_removed() -> None:
    their_depicts = Statement(Snak("P180", ItemValue("Q5")))
    entity = entity_of(BASE, their_depicts)
    ours = entity["statements"]["P195"][0]
    ours["qualifiers"]["P1001"] = [Snak("P1001", ItemValue("Q30")).to_data()]  # theirs, on our claim
    new = StructuredData(BASE.captions, (creator("Q1"),))  # the plan drops the collection
    edit = merge(BASE, entity, new)
    assert edit.conflicts == ()
    assert edit.data == {"claims": [{"id": ours["id"], "remove": ""}]}
    new = StructuredData(BASE.captions, (creator("Q1"), collection("O 2")))
    (claim,) = merge(BASE, entity, new).data["claims"]
    assert sorted(claim["qualifiers"]) == ["P1001", "P217"]  # theirs kept, ours replaced
    assert "P180" not in {c.get("mainsnak", {}).get("property") for c in edit.data["claims"]}


def test_another_value_beside_ours_is_a_conflict_when_the_plan_changes_the_property() -> None:
    entity = entity_of(BASE, creator("Q9"))
    edit = merge(BASE, entity, StructuredData(BASE.captions, (creator("Q2"), collection("O 1"))))
    assert [c.what for c in edit.conflicts] == ["P170 creator"] and edit.data == {}


def test_an_edit_that_already_landed_is_not_sent_again() -> None:
    new = StructuredData((Caption("sv", "Ny bildtext"),), (creator("Q2"), collection("O 1")))
    edit = merge(BASE, entity_of(new), new)  # killed after the wiki saved it: the base is still the old
    assert edit.data == {} and edit.conflicts == () and edit.base == new


def test_with_no_base_a_caption_of_another_text_is_a_conflict_as_before() -> None:
    entity = entity_of(StructuredData((Caption("sv", "Deras"),)))
    edit = merge(None, entity, StructuredData((Caption("sv", "Vår"),)))
    assert [c.what for c in edit.conflicts] == ["caption (sv)"] and edit.data == {}
    assert edit.base == StructuredData()


items = st.sampled_from(["Q1", "Q2", "Q3", "Q4"])
statements = st.one_of(
    st.builds(creator, items),
    st.builds(collection, st.sampled_from(["O 1", "O 2"])),
    st.builds(lambda q: Statement(Snak("P180", ItemValue(q))), items),
    st.builds(lambda y: Statement(Snak("P571", TimeValue.of(y))), st.integers(1800, 1803)),
)
payloads = st.builds(
    lambda caps, stmts: StructuredData(
        tuple(Caption(lang, text) for lang, text in caps.items()),
        tuple({(s.mainsnak.key(),): s for s in stmts}.values()),  # one statement per value, as planned
    ),
    st.dictionaries(st.sampled_from(["sv", "en"]), st.sampled_from(["a", "b"]), max_size=2),
    st.lists(statements, max_size=5),
)


@settings(max_examples=200)
@given(base=payloads, new=payloads)
def test_an_untouched_entity_ends_exactly_at_the_new_plan(base: StructuredData, new: StructuredData) -> None:
    entity = entity_of(base)
    edit = merge(base, entity, new)
    assert edit.conflicts == ()
    after = saved(entity, edit.data)
    assert sorted(map(repr, after.statements)) == sorted(map(repr, new.statements))
    assert sorted(after.captions, key=repr) == sorted(new.captions, key=repr)
    assert merge(edit.base, saved_entity(entity, edit.data), new).data == {}  # and a second run sends nothing
