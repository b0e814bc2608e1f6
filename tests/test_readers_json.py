"""JSON readers: arrays (streamed), JSON Lines, folders of files, dotted paths, malformed input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glamupload.errors import ConfigError, InputError
from glamupload.readers import jsonfiles, open_export
from glamupload.readers.base import clean

DATA = Path(__file__).parent / "data" / "readers"


def test_array_items_are_records_with_nested_paths() -> None:
    reader = open_export(DATA / "array.json")
    assert reader.format == "json"
    records = list(reader)
    assert [r.position for r in records] == ["item 1", "item 2"]
    assert [r.line for r in records] == [2, 4]
    first, second = records
    assert first.get("maker.name") == "Ann"
    assert first.get("maker.born") == "1850"  # numbers become text
    assert first.get("images.1.url") == "https://example.org/1b.jpg"
    assert first.get("images.5.url") is None
    assert first.get("maker.name.more") is None
    assert second.get("title") is None  # "" is absent
    assert second.get("tags") == ["sea", "ship"]
    assert second.get("price") == "12.5"
    assert second.get("public") == "true"


def test_fields_list_every_path_that_holds_a_value() -> None:
    reader = open_export(DATA / "array.json")
    assert reader.fields == [
        "id", "title", "maker.name", "maker.born", "images[].url", "tags", "price", "public",
    ]  # fmt: skip
    assert reader.shape.lists == {"images", "tags"}
    assert reader.shape.objects == {"maker", "images[]"}


def test_json_lines() -> None:
    records = list(open_export(DATA / "lines.jsonl"))
    assert [(r.line, r.get("id")) for r in records] == [(1, "1"), (3, "2"), (4, "3")]
    assert records[1].get("maker.name") == "Bo"


def test_folder_of_json_files_in_name_order() -> None:
    reader = open_export(DATA / "json_folder")
    records = list(reader)
    assert [r.get("id") for r in records] == ["a", "b"]
    assert [Path(r.source).name for r in records] == ["a.json", "b.json"]
    assert records[0].position == "a.json item 1"


def test_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"holds no \.json/\.jsonl/\.ndjson files"):
        open_export(tmp_path, format="json")


def test_broken_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[\n  {"id": 1},\n  {"id": 2,,}\n]\n', encoding="utf-8")
    reader = open_export(path)
    records = iter(reader)
    assert next(records).get("id") == "1"
    with pytest.raises(InputError) as caught:
        next(records)
    assert caught.value.line == 3
    assert caught.value.message.startswith("broken JSON: Expecting property name")


def test_missing_comma_between_items(tmp_path: Path) -> None:
    path = tmp_path / "nocomma.json"
    path.write_text('[{"id": 1}\n{"id": 2}]', encoding="utf-8")
    with pytest.raises(InputError) as caught:
        list(open_export(path))
    assert caught.value.message == "broken JSON: expected ',' or ']' after item 1"
    assert caught.value.line == 2


def test_data_after_the_array(tmp_path: Path) -> None:
    path = tmp_path / "trailing.json"
    path.write_text('[{"id": 1}]\n{"id": 2}\n', encoding="utf-8")
    with pytest.raises(InputError, match="unexpected data after the closing"):
        list(open_export(path))


def test_an_item_that_is_not_an_object_is_an_error_on_that_record(tmp_path: Path) -> None:
    path = tmp_path / "scalars.json"
    path.write_text('[{"id": 1},\n "just text", {"id": 3}]', encoding="utf-8")
    records = list(open_export(path))
    assert [r.get("id") for r in records] == ["1", None, "3"]
    bad = records[1]
    assert bad.problem is not None and bad.problem.message == "item 2 is a JSON str, expected an object"
    assert bad.line == 2 and bad.fields == {}


def test_what_the_decoder_cannot_hold_is_the_records_problem_in_json_lines(tmp_path: Path) -> None:
    """A whole number of 4,301 digits (ValueError) and nesting deeper than the decoder's stack
    (RecursionError) were crashes; in JSON Lines each is its record's problem and the rest are read."""
    path = tmp_path / "export.jsonl"
    lines = [
        '{"id": "1"}',
        '{"id": "2", "n": ' + "9" * 4301 + "}",
        '{"id": "3", "n": ' + "[" * 100_000,
        '{"id": "4"}',
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records = list(open_export(path))
    assert [(r.get("id"), r.line) for r in records] == [("1", 1), (None, 2), (None, 3), ("4", 4)]
    assert records[1].problem is not None and "a number too long to read" in records[1].problem.message
    assert records[2].problem is not None and "nested too deep" in records[2].problem.message


def test_half_a_utf16_pair_escaped_alone_is_read_as_a_broken_character(tmp_path: Path) -> None:
    """``"\\ud800"`` is valid JSON but decodes to a lone surrogate, which no UTF-8 file can hold: the
    report crashed on it. It reads as U+FFFD, as a broken byte does; a whole pair is one character."""
    path = tmp_path / "export.json"
    path.write_text(
        '[{"id": "1", "file": "a\\ud800.jpg", "t": ["\\uDC00x"], "\\ud801k": "v"},\n'
        ' {"id": "2", "t": "\\ud83d\\ude00", "u": "\\\\ud800"}]',
        encoding="utf-8",
    )
    first, second = list(open_export(path))
    assert first.fields == {"id": "1", "file": "a\ufffd.jpg", "t": ["\ufffdx"], "\ufffdk": "v"}
    assert second.fields == {"id": "2", "t": "\U0001f600", "u": "\\ud800"}  # an escaped backslash stays


@pytest.mark.parametrize("depth", [600, 100_000])  # cleaning fails, or decoding: both were crashes
def test_an_item_nested_too_deep_is_a_clear_error(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "deep.json"
    path.write_text('[{"id": "1"},\n{"id": "2", "n": ' + "[" * depth + "]" * depth + "}]\n", encoding="utf-8")
    reader = open_export(path)
    if depth == 600:  # decoded (the decoder's limit is higher), then its cleaning ran out of stack
        first, second = list(reader)
        assert first.get("id") == "1" and second.problem is not None and second.line == 2
        assert "nested too deep" in second.problem.message
    else:  # inside an array the next item cannot be found: the file's error, naming the line
        with pytest.raises(InputError, match="nested too deep") as caught:
            list(reader)
        assert caught.value.line == 2


def test_json_must_be_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.json"
    path.write_bytes('[{"title": "Sjö"}]'.encode("latin-1"))
    with pytest.raises(InputError, match="JSON must be UTF-8; cannot decode byte f6"):
        list(open_export(path))


def test_xpath_is_refused_for_json() -> None:
    record = next(iter(open_export(DATA / "array.json")))
    with pytest.raises(ConfigError, match="only be used with XML exports"):
        record.get("xpath://title")


# --- property: streaming over tiny chunks gives what json.load gives -------------------------------

_scalars = st.one_of(
    st.text(max_size=8),
    st.integers(-5, 10**12),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=12,
)
_objects = st.dictionaries(st.text(min_size=1, max_size=6), _values, max_size=4)


@settings(max_examples=80, deadline=None)
@given(
    items=st.lists(_objects, max_size=6),
    indent=st.sampled_from([None, 0, 2]),
    lines=st.booleans(),
    chunk=st.integers(1, 9),
)
def test_streaming_matches_json_load(
    tmp_path_factory: pytest.TempPathFactory, items: list[dict], indent: int | None, lines: bool, chunk: int
) -> None:
    path = tmp_path_factory.mktemp("json") / "export.json"
    text = "".join(json.dumps(item) + "\n" for item in items) if lines else json.dumps(items, indent=indent)
    path.write_text(text, encoding="utf-8")

    original = jsonfiles._CHUNK
    jsonfiles._CHUNK = chunk  # force objects, strings and numbers across buffer boundaries
    try:
        records = list(open_export(path))
    finally:
        jsonfiles._CHUNK = original
    assert [r.fields for r in records] == [clean(item) or {} for item in items]
    if lines:
        assert [r.line for r in records] == list(range(1, len(items) + 1))


@pytest.mark.parametrize("layout", ["array", "lines"])
def test_a_json_reader_tells_how_far_into_the_file_it_has_read(tmp_path: Path, layout: str) -> None:
    items = [{"id": f"obj-{n}", "title": "A harbour at dawn " * 10} for n in range(2000)]  # ~500 kB
    path = tmp_path / ("export.json" if layout == "array" else "export.jsonl")
    text = json.dumps(items) if layout == "array" else "\n".join(json.dumps(item) for item in items)
    path.write_text(text, encoding="utf-8")
    reader = open_export(path)
    assert reader.progress() is None  # no pass yet
    told = []
    for _ in reader:
        told.append(reader.progress())
    assert len(told) == 2000 and told == sorted(told)  # type: ignore[type-var]
    assert 0 < told[0] < 0.3 and 0.8 < told[-2] and reader.progress() == 1.0


def test_a_json_share_cleans_only_its_own_items(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(json.dumps({"id": f"obj-{n}", "n": n}) for n in range(10)) + "\n[1]\n")
    reader = open_export(path)
    whole = list(enumerate(reader))
    cleaned: list[object] = []
    monkeypatch.setattr(jsonfiles, "clean", lambda value: cleaned.append(value) or clean(value))
    wanted = {1, 4, 5, 10}  # 10: the last item, an array, is a record with a problem
    shared = list(reader.select(wanted.__contains__))
    assert [(n, r.position, r.fields, r.problem) for n, r in shared] == [
        (n, r.position, r.fields, r.problem) for n, r in whole if n in wanted
    ]
    assert len(cleaned) == 3 and shared[-1][1].problem is not None
