"""A worker's share of an XML export parsed without the rest (readers/xmlshare.py, decision record 0020).

The ground truth is the whole file's parse (``select_elements`` with every record wanted), filtered: a
share must hand out exactly its records, with their numbers, lines and content, whatever the file holds;
where the bytes cannot be cut exactly, the reader parses the whole file from there.
"""

from __future__ import annotations

import mmap
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from lxml import etree

from glamupload.errors import InputError
from glamupload.readers import open_export, xmlsafe, xmlshare
from glamupload.readers.lido import LIDO_TAG
from glamupload.readers.position import ReadPosition
from glamupload.readers.xmlsafe import _layout, select_elements

KENOM = Path(__file__).resolve().parent.parent / "examples" / "kenom" / "kenom_oai_chunk20.xml"
OAI_LIDO = Path(__file__).resolve().parent / "data" / "readers" / "lido_oai.xml"  # xmlns on each record
LIDO = "http://www.lido-schema.org"
HEAD = f'<?xml version="1.0" encoding="UTF-8"?>\n<lido:lidoWrap xmlns:lido="{LIDO}">\n'
TAIL = "</lido:lidoWrap>\n"
Seen = list[tuple[int, str | None, int | None]]


def _record(n: int) -> str:
    return f"  <lido:lido>\n    <lido:lidoRecID>r{n}</lido:lidoRecID>\n  </lido:lido>\n"


def _seen(path: Path, wanted: Callable[[int], bool] | None, *, keep: bool = False) -> Seen:
    return [
        (number, element.findtext(f"{{{LIDO}}}lidoRecID"), line)
        for number, element, line in select_elements(path, LIDO_TAG, wanted, keep=keep)
    ]


def _whole(path: Path, wanted: Callable[[int], bool]) -> Seen:
    return [seen for seen in _seen(path, None) if wanted(seen[0])]


def _shared_bytes(path: Path, wanted: Callable[[int], bool]) -> tuple[int, list[int]]:
    """What the parser is handed of the file for ``wanted``, and the numbers the share counted."""
    layout = _layout(path, LIDO_TAG)
    assert layout is not None
    with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
        share = xmlshare.Share(data, layout, wanted)
        handed = 0
        while piece := share.read(4096):
            handed += len(piece)
        return handed, [number for number, _ in share.expected]


def odd_shards(number: int) -> bool:
    return (number - 1) // 3 % 2 == 1


def test_a_share_is_parsed_without_the_records_it_leaves_out(tmp_path: Path) -> None:
    path = tmp_path / "export.xml"
    path.write_text(HEAD + "".join(_record(n) for n in range(1, 21)) + TAIL, encoding="utf-8")
    shared = _seen(path, odd_shards)
    assert shared == _whole(path, odd_shards)
    assert [number for number, _, _ in shared] == [4, 5, 6, 10, 11, 12, 16, 17, 18]
    assert shared[0] == (4, "r4", 12)  # each record keeps its line: the lines left out are line breaks
    handed, counted = _shared_bytes(path, odd_shards)
    assert counted == [4, 5, 6, 10, 11, 12, 16, 17, 18]
    assert handed < path.stat().st_size * 0.6


def oai_harvest(folder: Path, records: int = 12) -> Path:
    """An OAI-PMH harvest of the sample's record (the LIDO namespace declared on each) with new ids, and
    after every third a deleted record (no metadata)."""
    text = OAI_LIDO.read_text(encoding="utf-8")
    head, rest = text.split("    <record>", 1)
    record = "    <record>" + rest[: rest.index("</record>") + len("</record>")] + "\n"
    deleted = "    <record><header status='deleted'><identifier>gone</identifier></header></record>\n"
    body = "".join(record.replace("EX/7", f"EX/{n}") + deleted * (n % 3 == 2) for n in range(records))
    path = folder / "harvest.xml"
    path.write_text(head + body + "  </ListRecords>\n</OAI-PMH>\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("which", ["kenom", "oai-harvest"])
def test_a_real_export_read_in_shares_gives_every_record_once_as_the_whole_read_does(
    tmp_path: Path, which: str
) -> None:
    export = KENOM if which == "kenom" else oai_harvest(tmp_path)
    reader = open_export(export)
    whole = [(record.position, record.line, record.fields) for record in reader]
    shares = sorted(
        (number, record.position, record.line, record.fields)
        for worker in range(3)
        for number, record in reader.select(lambda n, worker=worker: n // 4 % 3 == worker)
    )
    assert [number for number, *_ in shares] == list(range(len(whole))) and len(whole) >= 2
    assert [tuple(rest) for _, *rest in shares] == whole
    handed, counted = _shared_bytes(export, lambda n: n == 1)  # the share is cut, not given up
    assert counted == [1] and handed < export.stat().st_size * 0.8


def test_an_element_kept_from_a_share_answers_xpath_as_its_own_document(tmp_path: Path) -> None:
    path = tmp_path / "export.xml"
    path.write_text(HEAD + "".join(_record(n) for n in range(1, 9)) + TAIL, encoding="utf-8")
    reader = open_export(path)
    [(number, record)] = list(reader.select(lambda n: n == 6))
    assert (number, record.get("xpath://lido:lidoRecID")) == (6, "r7")


# -- where the bytes cannot be cut exactly --------------------------------------------------------------

#: Most hold something a cut by bytes would get wrong if it were not refused: records miscounted (a
#: start tag in a comment, CDATA or processing instruction, one spelt with another prefix) or numbered in
#: another order than the parse's (a record inside a record). Those in FINE the share reads on through.
HAZARDS = {
    "a commented-out record": "  <!-- <lido:lido><lido:lidoRecID>fake</lido:lidoRecID></lido:lido> -->\n",
    "a processing instruction": "  <?note <lido:lido><lido:lidoRecID>fake</lido:lidoRecID></lido:lido> ?>\n",
    "CDATA": "  <lido:lido><lido:lidoRecID><![CDATA[<lido:lido>]]></lido:lidoRecID></lido:lido>\n",
    "another prefix": f'  <x:lido xmlns:x="{LIDO}"><x:lidoRecID>x</x:lidoRecID></x:lido>\n',
    "the prefix bound elsewhere": '  <lido:lido xmlns:lido="urn:other"><lido:lidoRecID>o</lido:lidoRecID>'
    "</lido:lido>\n",
    "a record in a record": "  <lido:lido><lido:lidoRecID>outer</lido:lidoRecID>\n"
    "    <lido:lido><lido:lidoRecID>inner</lido:lidoRecID></lido:lido>\n  </lido:lido>\n",
    "an empty record": "  <lido:lido/>\n",
    "records on one line": "  <lido:lido><lido:lidoRecID>a</lido:lidoRecID></lido:lido>"
    "<lido:lido><lido:lidoRecID>b</lido:lidoRecID></lido:lido>\n",
    "Windows line ends": "  <lido:lido>\r\n    <lido:lidoRecID>w</lido:lidoRecID>\r\n  </lido:lido>\r\n",
    "old Mac line ends": "  <lido:lido>\r    <lido:lidoRecID>m</lido:lidoRecID>\r  </lido:lido>\r",
    "the namespace declared again": f'  <lido:lido xmlns:lido="{LIDO}"><lido:lidoRecID>d</lido:lidoRecID>'
    "</lido:lido>\n",
    "another default namespace": "  <lido:lido><lido:lidoRecID>n</lido:lidoRecID>"
    '<note xmlns="urn:other"/></lido:lido>\n',
}
#: What the share reads on through (the others stop it).
FINE = {"records on one line", "Windows line ends", "old Mac line ends", "the namespace declared again"}
FINE |= {"another default namespace"}


@given(
    pieces=st.lists(st.sampled_from(["record", *HAZARDS]), min_size=1, max_size=12),
    wanted=st.sets(st.integers(min_value=1, max_value=16)),
)
@example(pieces=["record", "a commented-out record", "record"], wanted={3})
@example(pieces=["record", "another prefix", "record"], wanted={3})
@example(pieces=["record", "the prefix bound elsewhere", "record"], wanted={3})
@example(pieces=["record", "a record in a record", "record"], wanted={2, 3, 4})
@example(pieces=["a record in a record", "a record in a record"], wanted={1, 4})  # outer A, inner D
@example(pieces=["old Mac line ends", "record"], wanted={2})
def test_a_share_hands_out_what_the_whole_parse_does_whatever_the_file_holds(
    tmp_path_factory: pytest.TempPathFactory, pieces: list[str], wanted: set[int]
) -> None:
    path = tmp_path_factory.mktemp("share") / "export.xml"
    body = "".join(_record(n) if piece == "record" else HAZARDS[piece] for n, piece in enumerate(pieces))
    path.write_bytes((HEAD + body + TAIL).encode())
    assert _seen(path, wanted.__contains__) == _whole(path, wanted.__contains__)
    assert _seen(path, wanted.__contains__, keep=True) == _whole(path, wanted.__contains__)


@pytest.mark.parametrize("hazard", [name for name in HAZARDS if name not in FINE])
def test_the_share_stops_at_what_could_make_its_count_wrong(tmp_path: Path, hazard: str) -> None:
    path = tmp_path / "export.xml"
    path.write_text(HEAD + _record(1) + _record(2) + HAZARDS[hazard] + _record(3) + TAIL, encoding="utf-8")
    layout = _layout(path, LIDO_TAG)
    assert layout is not None
    with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
        share = xmlshare.Share(data, layout, lambda n: True)
        with pytest.raises(xmlshare.NotShared):
            while share.read(64):
                pass
        assert [n for n, _ in share.expected] in ([1], [1, 2])  # what came before is counted right


def test_a_fault_is_reported_by_the_share_that_holds_it_as_the_whole_parse_reports_it(tmp_path: Path) -> None:
    path = tmp_path / "export.xml"
    broken = "  <lido:lido>\n    <lido:lidoRecID>r2</lido:lidoRecID>\n  </lido:lido\n"
    path.write_text(HEAD + _record(1) + broken + _record(3) + _record(4) + TAIL, encoding="utf-8")
    with pytest.raises(InputError) as whole:
        _seen(path, None)
    with pytest.raises(InputError) as shared:
        _seen(path, lambda n: n in (2, 4))
    assert str(shared.value) == str(whole.value) and whole.value.line == 9
    # the other share does not hold it: its records are right, and the run stops all the same
    assert [rec_id for _, rec_id, _ in _seen(path, lambda n: n in (1, 3))] == ["r1", "r3"]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("a bare record", _record(1).strip().replace("<lido:lido>", f'<lido:lido xmlns:lido="{LIDO}">', 1)),
        ("UTF-16", (HEAD + _record(1) + _record(2) + TAIL).replace("UTF-8", "UTF-16")),
        ("a namespace on two prefixes", HEAD.replace('">', f'" xmlns:l2="{LIDO}">') + _record(1) + TAIL),
    ],
)
def test_a_file_the_share_cannot_cut_is_parsed_whole(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / "export.xml"
    path.write_bytes(text.encode("utf-16" if name == "UTF-16" else "utf-8"))
    if name == "UTF-16":  # lxml sees the record as in any other file; the bytes cannot be searched for it
        with pytest.raises(xmlshare.NotShared):
            _shared_bytes(path, lambda n: n != 1)
    else:
        assert _layout(path, LIDO_TAG) is None
    assert _seen(path, lambda n: n != 1) == _whole(path, lambda n: n != 1)
    assert [rec_id for _, rec_id, _ in _seen(path, None)][:1] == ["r1"]


def test_lines_in_a_share_are_those_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "export.xml"
    path.write_text(HEAD + "".join(_record(n) for n in range(1, 6)) + TAIL, encoding="utf-8")
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, _, line in _seen(path, lambda n: n % 2 == 0):
        assert line is not None and lines[line - 1] == "  <lido:lido>", number
    assert etree.parse(str(path)).getroot()[3].sourceline == _seen(path, {4}.__contains__)[0][2]


def test_records_longer_than_a_piece_are_handed_and_counted_in_pieces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xmlshare, "PIECE", 16)
    path = tmp_path / "export.xml"
    path.write_text(HEAD + "".join(_record(n) for n in range(1, 9)) + TAIL, encoding="utf-8")
    for wanted in ({1, 2, 5}, {8}, {3, 4, 6, 7}):
        assert _seen(path, wanted.__contains__) == _whole(path, wanted.__contains__)
        assert _shared_bytes(path, wanted.__contains__)[1] == sorted(wanted)


@pytest.mark.parametrize("how", ["whole", "share"])
def test_a_lido_reader_tells_how_far_into_the_file_it_has_read(tmp_path: Path, how: str) -> None:
    reader = open_export(oai_harvest(tmp_path, records=300))  # ~700 kB: many of the parser's 32 kB reads
    records = iter(reader) if how == "whole" else (r for _, r in reader.select(lambda n: n // 50 % 2 == 1))
    told = []
    for _ in records:
        told.append(reader.progress())
    assert len(told) == (300 if how == "whole" else 150)
    assert told == sorted(told) and 0 < told[0] < 0.3 and told[-1] > 0.9  # type: ignore[type-var]
    if how == "share":  # each record's share of the file is where its bytes end
        assert told[0] == pytest.approx(51 / 300, abs=0.02)
    assert reader.progress() == 1.0  # the pass is over


def test_the_progress_of_a_share_that_falls_back_to_the_whole_parse_never_goes_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole parse starts from the file's first byte again, but hands out only the records after the
    share's last, by when it has read further than the share had: the progress told with each record (what
    the dry run's estimate reads) never goes back."""
    whole_parses = []
    parsed = xmlsafe._parsed
    monkeypatch.setattr(xmlsafe, "_parsed", lambda *args: whole_parses.append(args) or parsed(*args))
    padding = "    <lido:descriptiveMetadata>" + "x" * 2000 + "</lido:descriptiveMetadata>\n"
    records = [_record(n).replace("  </lido:lido>", padding + "  </lido:lido>") for n in range(1, 401)]
    records.insert(300, HAZARDS["a commented-out record"])  # the share stops here: ~600 kB into the file
    path = tmp_path / "export.xml"
    path.write_text(HEAD + "".join(records) + TAIL, encoding="utf-8")
    position = ReadPosition()
    told, numbers = [], []
    for number, _element, _line in select_elements(path, LIDO_TAG, odd_shards, keep=False, position=position):
        numbers.append(number)
        told.append(position.done)
    assert numbers == [n for n in range(1, 401) if odd_shards(n)]  # the records, each once, as ever
    assert told == sorted(told) and told[len(told) // 2] > 0.3, told
    assert position.done == 1.0 and len(whole_parses) == 1  # the share did fall back
