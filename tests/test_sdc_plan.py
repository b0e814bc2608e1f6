"""Structured data planned from crosswalks: the ``structured_data`` section checked on load, values checked
by datatype, captions, contradictions with the page, records.jsonl, and golden payloads for the shipped
SMM and KENOM crosswalks (each checked against the wbeditentity contract, tests/sdc_contract.py).

After checking that a difference is wanted, rewrite the golden payloads with

    GLAMUPLOAD_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_sdc_plan.py
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from sdc_contract import problems

from glamupload.config import load_batch
from glamupload.errors import ConfigError
from glamupload.plan import plan_batch
from glamupload.planned import PlannedFile
from glamupload.problems import ProblemCode
from glamupload.sdc.model import table

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden" / "sdc"
UPDATE = os.environ.get("GLAMUPLOAD_UPDATE_GOLDEN") == "1"
DATATYPES = {p: spec.datatype for p, spec in table().properties.items()}
SMM = ROOT / "examples" / "smm" / "batch.yaml"

CASES = {
    "smm": (SMM, ["O 04929", "Fo179255_35DIG", "SM 23454", "S 3053"]),
    "kenom": (ROOT / "examples" / "kenom" / "batch.yaml", ["record_DE-68_kenom_123644"]),
    "smm-placeholders": (ROOT / "tests" / "data" / "sdc" / "smm-placeholders.yaml", ["1994:001:1"]),
}


def _golden(case: str, item: PlannedFile) -> Path:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", item.record_id).strip("-")
    return GOLDEN / case / f"{slug}-{item.index}.json"


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_payloads(case: str) -> None:
    batch_file, record_ids = CASES[case]
    planned = [p for p in plan_batch(load_batch(batch_file)) if p.record_id in record_ids]
    assert {p.record_id for p in planned} == set(record_ids)
    for item in planned:
        assert item.structured_data is not None
        data = item.structured_data.to_data()
        assert problems(data, DATATYPES) == [], item.record_id
        assert json.loads(item.to_json())["structured_data"] == data  # records.jsonl holds exactly it
        text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
        path = _golden(case, item)
        if UPDATE:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        assert path.read_text(encoding="utf-8") == text, f"{path.name} differs"


def _claims(item: PlannedFile) -> dict[str, list[dict[str, Any]]]:
    assert item.structured_data is not None
    out: dict[str, list[dict[str, Any]]] = {}
    for claim in item.structured_data.to_data().get("claims", []):
        out.setdefault(claim["mainsnak"]["property"], []).append(claim)
    return out


def test_the_placeholder_batch_derives_collection_operator_and_creator_items() -> None:
    batch = load_batch(CASES["smm-placeholders"][0])
    (item,) = [p for p in plan_batch(batch) if p.record_id == "1994:001:1"]
    claims = _claims(item)
    (collection,) = claims["P195"]
    assert collection["mainsnak"]["datavalue"]["value"]["id"] == "Q4115189"
    assert collection["qualifiers"]["P217"][0]["datavalue"]["value"] == "1994:001:1"
    assert claims["P170"][0]["mainsnak"]["datavalue"]["value"]["id"] == "Q13406268"  # from the people table
    # the crosswalk's own P7482 replaces the derived one (it has no P137: DigitaltMuseum's item is unchecked)
    assert sorted(claims["P7482"][0]["qualifiers"]) == ["P973"]


def test_kenom_derives_source_url_and_a_lido_span() -> None:
    planned = [
        p for p in plan_batch(load_batch(CASES["kenom"][0])) if p.record_id == "record_DE-68_kenom_123644"
    ]
    claims = _claims(planned[0])
    source = claims["P7482"][0]["qualifiers"]["P973"][0]["datavalue"]["value"]
    assert source == "https://www.kenom.de/id/record_DE-68_kenom_123644"
    assert "P6216" not in claims and "P275" not in claims  # refused (CC BY-NC): no copyright statements


# --- a small crosswalk of our own -------------------------------------------------------------------


ROW = {
    "id": "A1",
    "title": "Ett skepp",
    "date": "ca 1780",
    "rights": "CC0",
    "artist": "Okänd",
    "qid": "Q4115189",
    "height": "58,5",
}


def _batch(tmp_path: Path, section: dict[str, Any], rows: list[dict[str, str]] | None = None) -> Path:
    rows = [{**ROW, **row} for row in rows] if rows else [ROW]
    lines = ["|".join(rows[0])] + ["|".join(r.values()) for r in rows]
    (tmp_path / "export.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "images").mkdir(exist_ok=True)
    crosswalk = {
        "record_id": "id",
        "template": "Artwork",
        "params": {
            "title": "title",
            "date": {"field": "date", "transforms": ["date"]},
            "artist": "artist",
            "description": {"field": "title", "transforms": [{"lang": "sv"}]},
        },
        "rights": {"image": "rights", "facts": {"kind": {"value": "photo"}}},
        "images": {"url": {"value": "https://example.org/a.jpg"}},
        "categories": {"fixed": ["Ships"]},
        "filename": {"pattern": "{title} {id}", "parts": {"title": "title", "id": "id"}},
        "structured_data": section,
    }
    (tmp_path / "crosswalk.yaml").write_text(yaml.safe_dump(crosswalk, allow_unicode=True), encoding="utf-8")
    batch = {
        "export": {"path": "export.csv", "format": "csv", "delimiter": "|"},
        "crosswalk": "crosswalk.yaml",
    }
    (tmp_path / "batch.yaml").write_text(yaml.safe_dump(batch), encoding="utf-8")
    return tmp_path / "batch.yaml"


def _plan(tmp_path: Path, section: dict[str, Any], **kwargs: Any) -> PlannedFile:
    (item,) = list(plan_batch(load_batch(_batch(tmp_path, section, **kwargs))))
    return item


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"statements": {"P9999999": "title"}}, "unknown property 'P9999999'"),
        ({"statements": {"depicts": "title"}}, "unknown property 'depicts'"),
        ({"statements": {"P180": {"values": "qid", "qualifiers": {"P99999": "title"}}}}, "unknown property"),
        ({"statements": {"P571": {"values": "date", "unit": "Q11573"}}}, "no unit"),
        ({"statements": {"P2048": "height"}}, "it needs a unit"),
        (
            {"statements": {"P217": {"values": "title", "unknown": "P2093"}}},
            "unknown: needs an item property",
        ),
        ({"defaults": {"P999": False}}, "no default for 'P999'"),
        ({"statements": {"P180": {"field": "nosuchfield"}}}, "nosuchfield"),
        ({"captions": {"Swedish": "title"}}, "Swedish"),
    ],
)
def test_the_section_is_checked_when_the_crosswalk_loads(tmp_path: Path, section: Any, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        list(plan_batch(load_batch(_batch(tmp_path, section))))
    assert message in str(caught.value)
    assert "structured_data" in str(caught.value) or "crosswalk.yaml" in str(caught.value)


def test_statements_values_qualifiers_and_transforms_under_the_shorthand(tmp_path: Path) -> None:
    section = {
        "captions": {"sv": {"field": "title", "transforms": ["trim"]}},
        "statements": {
            "P180": {
                "field": "qid",
                "transforms": [{"replace": {"pattern": "^Q4115189$", "with": "Q13406268"}}],
            },
            "P2048": {"values": "height", "unit": "Q174789"},
            "P170": {"values": "artist", "unknown": "P2093"},
        },
    }
    item = _plan(tmp_path, section)
    claims = _claims(item)
    assert claims["P180"][0]["mainsnak"]["datavalue"]["value"]["id"] == "Q13406268"  # the transform ran
    assert claims["P2048"][0]["mainsnak"]["datavalue"]["value"]["amount"] == "+58.5"
    assert claims["P170"][0]["mainsnak"] == {"snaktype": "somevalue", "property": "P170"}
    assert claims["P170"][0]["qualifiers"]["P2093"][0]["datavalue"]["value"] == "Okänd"
    assert claims["P571"][0]["qualifiers"]["P1480"][0]["datavalue"]["value"]["id"] == "Q5727902"  # derived
    assert claims["P6216"][0]["mainsnak"]["datavalue"]["value"]["id"] == item.license.p6216
    assert item.structured_data is not None and item.structured_data.captions[0].text == "Ett skepp"


def test_defaults_can_be_turned_off(tmp_path: Path) -> None:
    item = _plan(tmp_path, {"defaults": {"P170": False, "P571": False}})
    assert set(_claims(item)) == {"P6216", "P275"}


def test_long_or_marked_up_captions_and_markup_values_are_left_out_with_warnings(tmp_path: Path) -> None:
    long_title = "Skepp " * 50
    section = {"captions": {"sv": "title", "en": {"field": "title", "transforms": [{"lang": "en"}]}}}
    item = _plan(tmp_path, section, rows=[{"title": long_title.strip()}])
    assert item.structured_data is not None and item.structured_data.captions == ()
    codes = {p.field: p.code for p in item.warnings if p.field.startswith("structured_data.captions")}
    assert codes == {
        "structured_data.captions.sv": ProblemCode.SDC_CAPTION,  # too long
        "structured_data.captions.en": ProblemCode.SDC_VALUE,  # {{en|1=…}} is markup
    }
    assert item.uploadable  # structured-data warnings never hold the upload back


def test_a_value_of_the_wrong_kind_is_a_warning_and_left_out(tmp_path: Path) -> None:
    item = _plan(tmp_path, {"statements": {"P180": "title"}})
    (warning,) = [p for p in item.warnings if p.code == ProblemCode.SDC_VALUE]
    assert "not a Wikidata item id" in warning.message and "P180" not in _claims(item)


def test_a_licence_that_contradicts_the_page_is_an_error(tmp_path: Path) -> None:
    item = _plan(tmp_path, {"statements": {"P275": {"value": "Q14946043"}}})
    (error,) = [p for p in item.errors if p.code == ProblemCode.SDC_CONTRADICTS]
    assert "Q14946043" in error.message and item.license.p275 in error.message
    assert not item.uploadable


def test_an_inception_outside_the_pages_date_is_a_warning(tmp_path: Path) -> None:
    item = _plan(tmp_path, {"statements": {"P571": {"value": "1650"}}})
    (warning,) = [p for p in item.warnings if p.code == ProblemCode.SDC_CONTRADICTS]
    assert "1650" in warning.message and item.uploadable
    same = _plan(tmp_path, {"statements": {"P571": {"value": "1780-talet"}}})  # ca 1780 lies in it
    assert not [p for p in same.warnings if p.code == ProblemCode.SDC_CONTRADICTS]


def test_records_without_a_section_carry_no_structured_data_key() -> None:
    batch = load_batch(ROOT / "tests" / "golden" / "generic-csv" / "batch.yaml")
    for item in plan_batch(batch):
        assert item.structured_data is None and "structured_data" not in item.to_dict()


def test_structured_data_round_trips_through_records_jsonl(tmp_path: Path) -> None:
    item = _plan(tmp_path, {"captions": {"sv": "title"}})
    assert PlannedFile.from_json(item.to_json()) == item


def test_each_variant_derives_its_own_defaults() -> None:
    """The derived defaults follow the record's own template's parameters, whichever variant another
    record used before: an SMM drawing's creator is its artist, never the photographer of the photograph
    variant's, and its inception is its production date (#15: the derivations were cached by the id of a
    parameter dict made anew for each record, which another variant's dict could reuse)."""
    planned = {p.record_id: p for p in plan_batch(load_batch(SMM))}
    for record_id in ("1994:001:7", "2010:12:1:2", "SM 23454"):
        item = planned[record_id]
        assert item.template == "Artwork" and item.structured_data is not None
        claims = item.structured_data.to_data()["claims"]
        creators = [
            c["qualifiers"]["P2093"][0]["datavalue"]["value"]
            for c in claims
            if c["mainsnak"]["property"] == "P170"
        ]
        assert creators == [item.params["artist"].removeprefix("{{Creator:").removesuffix("}}")]
        assert any(c["mainsnak"]["property"] == "P571" for c in claims) == ("date" in item.params)
