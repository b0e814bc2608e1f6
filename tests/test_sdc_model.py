"""The structured-data payload: its JSON against the Wikibase data model and the wbeditentity contract
(tests/sdc_contract.py cites them), dates as Commons models them, values by datatype, and the merge rules."""

from __future__ import annotations

import pytest
from sdc_contract import problems

from glamupload.sdc.build import parse_coordinates, parse_value, time_statement
from glamupload.sdc.merge import merge
from glamupload.sdc.model import (
    Caption,
    CoordinateValue,
    ItemValue,
    QuantityValue,
    Snak,
    Statement,
    StringValue,
    StructuredData,
    TimeValue,
    table,
)
from glamupload.transforms import parse_date

DATATYPES = {p: spec.datatype for p, spec in table().properties.items()}

EVERY_KIND = StructuredData(
    (Caption("sv", "Kapten Petter Lilja i paraduniform"), Caption("en", "Captain Petter Lilja")),
    (
        Statement(Snak("P180", ItemValue("Q4115189"))),
        Statement(Snak("P195", ItemValue("Q4115189")), (Snak("P217", StringValue("O 10656")),)),
        Statement(Snak("P170", None), (Snak("P2093", StringValue("P Kraft")),)),
        Statement(Snak("P571", TimeValue.of(1814))),
        Statement(Snak("P2048", QuantityValue("+58.5", "Q174789"))),
        Statement(Snak("P1259", CoordinateValue(59.3275, 18.0916, 0.0001))),
        Statement(
            Snak("P7482", ItemValue("Q74228490")), (Snak("P973", StringValue("https://example.org/1")),)
        ),
    ),
)


def test_every_kind_of_value_meets_the_data_model_and_round_trips() -> None:
    data = EVERY_KIND.to_data()
    assert problems(data, DATATYPES) == []
    assert StructuredData.from_data(data) == EVERY_KIND
    somevalue = data["claims"][2]
    assert somevalue["mainsnak"] == {"snaktype": "somevalue", "property": "P170"}
    assert data["claims"][3]["mainsnak"]["datavalue"]["value"] == {
        "time": "+1814-00-00T00:00:00Z",
        "timezone": 0,
        "before": 0,
        "after": 0,
        "precision": 9,
        "calendarmodel": "http://www.wikidata.org/entity/Q1985727",
    }
    assert data["claims"][4]["mainsnak"]["datavalue"]["value"] == {
        "amount": "+58.5",
        "unit": "http://www.wikidata.org/entity/Q174789",
    }


def test_the_contract_check_catches_what_wikibase_refuses() -> None:
    claim = {"mainsnak": {"snaktype": "value", "property": "P180"}}  # no type: the whole edit is refused
    assert problems({"claims": [claim]}, DATATYPES)
    item_as_string = Statement(Snak("P180", StringValue("Q1"))).to_data()
    assert problems({"claims": [item_as_string]}, DATATYPES)


def _time(text: str) -> tuple[str | None, list[tuple[str, str]]]:
    parsed = parse_date(text)
    assert parsed is not None, text
    value, qualifiers = time_statement(parsed)
    return (str(value) if value else None), [(q.property, str(q.value)) for q in qualifiers]


@pytest.mark.parametrize(
    ("text", "value", "qualifiers"),
    [
        ("1927-09-13", "1927-09-13", []),
        ("1920-03", "1920-03", []),
        ("1814", "1814", []),
        ("ca 1780", "1780", [("P1480", "Q5727902")]),
        ("1780-talet", "1780s", []),
        ("1600-talet", "17. century", []),
        ("1770 - 1780", "18. century", [("P1319", "1770"), ("P1326", "1780")]),
        ("1781 - 1788", "1780s", [("P1319", "1781"), ("P1326", "1788")]),
        ("före 1748", None, [("P1326", "1747")]),
        ("efter 1681", None, [("P1319", "1682")]),
        ("1690 - 1720", None, [("P1319", "1690"), ("P1326", "1720")]),
        ("late 19th century", "19. century", [("P1319", "1867"), ("P1326", "1899")]),
        ("ca 1780-talet", "1780s", [("P1480", "Q5727902")]),
        ("c. 1755-1760", "18. century", [("P1319", "1755"), ("P1326", "1760"), ("P1480", "Q5727902")]),
    ],
)
def test_dates_are_modelled_as_commons_describes(text: str, value: str | None, qualifiers: list[str]) -> None:
    assert _time(text) == (value, qualifiers)


def test_a_century_is_written_as_its_first_year_with_century_precision() -> None:
    parsed = parse_date("1800-talet")
    assert parsed is not None
    value, _ = time_statement(parsed)
    assert value == TimeValue("+1801-00-00T00:00:00Z", 7) and value.span() == (1801, 1900)


@pytest.mark.parametrize(
    ("datatype", "text", "expected"),
    [
        ("wikibase-item", "Q42", ItemValue("Q42")),
        ("wikibase-item", "Chapman", "not a Wikidata item id (Q…)"),
        ("wikibase-item", "Q042", "not a Wikidata item id (Q…)"),
        ("url", "digitaltmuseum.se/1", "not an http(s) URL"),
        ("quantity", "58,5", QuantityValue("+58.5")),
        ("quantity", "ca 58", "not a number"),
        # Wikibase refuses leading zeros and other digits than ASCII ones: these went out as +058, +١٢
        ("quantity", "0058,50", QuantityValue("+58.50")),
        ("quantity", "058", QuantityValue("+58")),
        ("quantity", "١٢", "not a number"),
        ("globe-coordinate", "59.33, 18.1", CoordinateValue(59.33, 18.1, 0.01)),
        ("globe-coordinate", "95, 18", "not decimal coordinates (latitude, longitude)"),
        ("string", "x" * 1501, "longer than 1500 characters"),
    ],
)
def test_values_are_checked_against_their_datatype(datatype: str, text: str, expected: object) -> None:
    assert parse_value(datatype, text) == expected


def _entity(*claims: Statement, labels: dict[str, str] | None = None) -> dict[str, object]:
    statements: dict[str, list[dict[str, object]]] = {}
    for n, claim in enumerate(claims):
        statements.setdefault(claim.property, []).append({**claim.to_data(), "id": f"M1${n}"})
    label_data = {k: {"language": k, "value": v} for k, v in (labels or {}).items()}
    return {"id": "M1", "lastrevid": 5, "labels": label_data, "statements": statements or []}


def test_merge_sends_only_what_is_missing_and_reports_other_values() -> None:
    planned = EVERY_KIND
    assert merge(None, None, planned).data == planned.to_data()
    present = _entity(*planned.statements, labels={c.language: c.text for c in planned.captions})
    assert merge(None, present, planned).data == {} and merge(None, present, planned).conflicts == ()
    other_creator = Statement(Snak("P170", None), (Snak("P2093", StringValue("Someone else")),))
    other_date = Statement(Snak("P571", TimeValue.of(1815)))
    edit = merge(None, _entity(other_creator, other_date, labels={"sv": "Annan bildtext"}), planned)
    sent = {c["mainsnak"]["property"] for c in edit.data["claims"]}
    assert "P170" not in sent and "P571" not in sent and "P180" in sent
    assert sorted(c.what for c in edit.conflicts) == ["P170 creator", "P571 inception", "caption (sv)"]
    assert edit.data["labels"] == {"en": {"language": "en", "value": "Captain Petter Lilja"}}


def test_merge_adds_a_missing_qualifier_to_the_whole_qualifier_set() -> None:
    theirs = Statement(Snak("P195", ItemValue("Q4115189")), (Snak("P217", StringValue("OLD 1")),))
    planned = StructuredData(
        statements=(Statement(Snak("P195", ItemValue("Q4115189")), (Snak("P217", StringValue("O 10656")),)),)
    )
    (claim,) = merge(None, _entity(theirs), planned).data["claims"]
    assert claim["id"] == "M1$0" and claim["type"] == "statement"
    assert [q["datavalue"]["value"] for q in claim["qualifiers"]["P217"]] == ["OLD 1", "O 10656"]


def test_an_id_of_thousands_of_digits_is_no_wikidata_id() -> None:
    """int() of a 5,000-digit "Q-id" from an export raised when the payload was written: a crash."""
    from glamupload.sdc.model import PID, QID

    assert QID.fullmatch("Q42") and QID.fullmatch("Q" + "9" * 17) and PID.fullmatch("P180")
    assert not QID.fullmatch("Q" + "1" * 5000) and not PID.fullmatch("P" + "1" * 5000)


def test_coordinates_with_hundreds_of_decimals_keep_a_precision_wikibase_takes() -> None:
    """10.0**-324 is 0.0: Wikibase refuses a precision of 0, and comparing two places divided by it."""
    found = parse_coordinates("59." + "3" * 400 + ", 18.0916")
    assert found is not None and found.precision == 1e-9
    assert found.key() == parse_coordinates("59.333333333, 18.0916000001").key()  # type: ignore[union-attr]
    assert parse_coordinates("59.3275, 18.0916").precision == 1e-4  # type: ignore[union-attr]
