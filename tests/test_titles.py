"""File names: sanitising, patterns, the 240-byte limit, camera defaults, batch uniqueness, real SMM data."""

from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glamupload import media
from glamupload.errors import ConfigError, InputError
from glamupload.titles import MAX_BYTES, TitleAllocator, build_filename, is_camera_default, sanitize

# the example batch's copy of the real SMM export (byte-identical to ../shared/data's)
SMM_CSV = Path(__file__).resolve().parents[1] / "examples" / "smm" / "Exportlista Wikimedia v5-2015-09-07.csv"
PATTERN = "{title} - {institution} - {accession}"

ILLEGAL = re.compile(r"[#<>\[\]|{}:/\\\x00-\x1f\x7f]|~~~|%[0-9A-Fa-f]{2}|&[A-Za-z0-9\x80-\U0010ffff]+;|&#")
BLACKLISTED = re.compile(
    "[\u00a0\u1680\u180e\u2000-\u200b\u200e\u200f\u2028\u2029\u202f\u205f\u3000\u202a-\u202e\ufeff\u00ad"
    "\x80-\x9f\ud800-\udfff\ue000-\uf8ff\ufff0-\uffff\U00010000-\U0010ffff]"
)


def assert_valid(name: str, ext: str) -> None:
    """The invariants of a Commons file name (commons-conventions §3)."""
    assert len(name.encode()) <= MAX_BYTES
    assert not ILLEGAL.search(name), name
    assert not BLACKLISTED.search(name), name
    assert unicodedata.normalize("NFC", name) == name
    assert name == name.strip() and "  " not in name and "_" not in name
    assert name[0].upper() == name[0] or len(name[0].upper()) > 1
    base, dot, last = name.rpartition(".")
    assert dot and last == ext and base.strip(" .")
    assert base.rpartition(".")[2].lower() not in media.known_extensions()
    assert sanitize(name) == name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fartyg i storm", "Fartyg i storm"),
        ("Karta: Sverige", "Karta - Sverige"),
        ("Stockholm/Göteborg", "Stockholm-Göteborg"),
        ("Porträtt [kvinna] {x} <y>", "Porträtt (kvinna) (x) (y)"),
        ("No #5 | a\\b", "No -5 - a-b"),
        ("C:o", "C-o"),
        ("A &amp; B", "A & B"),
        ("A &amp;amp; B", "A & B"),
        ("A &#124; B", "A - B"),
        ("R&D; lab", "R&D- lab"),
        ("50%2F", "50-2F"),
        ("100% cotton", "100% cotton"),
        ("sign ~~~~ here", "Sign - here"),
        ("a_b__c", "A b c"),
        ("  many\u00a0\u2003spaces\t\nhere  ", "Many spaces here"),
        ("soft\u00adhyphen zero\u200bwidth \u202ebidi\u202c", "Softhyphen zerowidth bidi"),
        ("left\u200e to \u200fright", "Left to right"),  # direction marks: MediaWiki says badfilename
        ("emoji \U0001f6a2 ship", "Emoji ship"),
        ("e\u0301", "\u00c9"),
        ("ßtraße", "ßtraße"),
        ("\u00e5ngare", "\u00c5ngare"),
        ("Persian \u200c joiner", "Persian \u200c joiner"),
    ],
)
def test_sanitize(text: str, expected: str) -> None:
    assert sanitize(text) == expected
    assert sanitize(expected) == expected


def test_empty_field_drops_its_separator() -> None:
    values = {"title": "Vasa", "creator": None, "accession": "S 1"}
    assert (
        build_filename("{title} - {creator} - {accession}", values, {"accession"}, "jpg") == "Vasa - S 1.jpg"
    )
    values = {"title": "", "creator": "x", "accession": "S 1"}
    assert build_filename("{title} - {creator} - {accession}", values, {"accession"}, "jpg") == "X - S 1.jpg"
    assert (
        build_filename("SMM {accession} - {title}", {"title": "", "accession": "1"}, (), "png") == "SMM 1.png"
    )
    assert build_filename("{a}, {b} ({c})", {"a": "", "b": "B", "c": "C"}, (), "png") == "B (C).png"


@pytest.mark.parametrize("pattern", ["{title", "title}", "{}", "{title} {x{y}}"])
def test_broken_pattern_is_a_config_error(pattern: str) -> None:
    with pytest.raises(ConfigError):
        build_filename(pattern, {"title": "t", "x": "", "y": ""}, (), "jpg")


def test_pattern_field_without_value_source_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as raised:
        build_filename(PATTERN, {"title": "t", "accession": "1"}, (), "jpg")
    assert raised.value.field == "institution"


@pytest.mark.parametrize("ext", ["", "j pg", "jpg.exe/", "verylongextension"])
def test_bad_extension_is_a_config_error(ext: str) -> None:
    with pytest.raises(ConfigError):
        build_filename("{t}", {"t": "x"}, (), ext)


def test_extension_is_normalised_and_never_doubled() -> None:
    assert build_filename("{t}", {"t": "photo.JPG"}, (), ".JPG") == "Photo.jpg"
    assert build_filename("{t}", {"t": "scan.tiff.jpeg"}, (), "jpg") == "Scan.jpg"
    assert build_filename("{t}", {"t": "St. Petersburg."}, (), "tif") == "St. Petersburg.tif"
    assert build_filename("{t}", {"t": "report.final"}, (), "pdf") == "Report.final.pdf"


def test_long_title_is_cut_on_a_word_boundary_never_the_identifier() -> None:
    title = "Fartyget ligger bi för babords halsar i orkan med våldsam överbrytande sjö " * 6
    accession = "S 3053:1 (ÖVERBRYTANDE SJÖ)"
    name = build_filename(
        PATTERN,
        {"title": title, "institution": "Sjöhistoriska museet", "accession": accession},
        {"accession"},
        "tif",
    )
    assert_valid(name, "tif")
    assert name.endswith(" - Sjöhistoriska museet - S 3053-1 (ÖVERBRYTANDE SJÖ).tif")
    kept = name.split(" - Sjöhistoriska museet")[0]
    assert title.startswith(kept) and title[len(kept)] == " "
    assert len(name.encode()) > MAX_BYTES - 20  # cut only as much as needed


def test_longest_descriptive_part_is_cut_first() -> None:
    name = build_filename(
        PATTERN,
        {"title": "ö" * 200, "institution": "Museum of Ships", "accession": "1"},
        {"accession"},
        "jpg",
    )
    assert " - Museum of Ships - 1.jpg" in name and len(name.encode()) <= MAX_BYTES


def test_identifier_that_cannot_fit_is_an_input_error() -> None:
    with pytest.raises(InputError):
        build_filename(
            PATTERN, {"title": "t", "institution": "i", "accession": "9" * 240}, {"accession"}, "jpg"
        )


def test_name_that_comes_out_empty_is_an_input_error() -> None:
    with pytest.raises(InputError):
        build_filename("{t}", {"t": " \u200b "}, (), "jpg")


@pytest.mark.parametrize(
    "name",
    [
        "DSC_1234.JPG",
        "DSC01234.jpg",
        "DSCF0042.jpg",
        "IMG_0001.jpg",
        "IMG 0001",
        "P1010203.JPG",
        "DCP01234.JPG",
        "MVC-001.JPG",
        "PICT0012.jpg",
        "DC1234S.JPG",
        "123-4567_IMG.JPG",
        "20150907.tif",
        "img_0001.jpeg",
    ],
)
def test_camera_default_names_are_flagged(name: str) -> None:
    assert is_camera_default(name)


@pytest.mark.parametrize(
    "name",
    [
        "Vasa - S 3053.jpg",
        "DSC of the harbour.jpg",
        "Fo206798.jpg",
        "IMG of Stockholm 1890.jpg",
        "Sjöstrid - O 04929.tif",
    ],
)
def test_descriptive_names_are_not_flagged(name: str) -> None:
    assert not is_camera_default(name)


def test_allocator_numbers_collisions_and_reports_them() -> None:
    allocator = TitleAllocator("{title} - {accession}", {"accession"})
    names = [allocator.allocate(f"r{i}", {"title": "Vasa", "accession": "S 1"}, "jpg") for i in range(3)]
    assert names == ["Vasa - S 1.jpg", "Vasa - S 1 (2).jpg", "Vasa - S 1 (3).jpg"]
    assert [(c.record_id, c.allocated, c.first_record_id) for c in allocator.collisions] == [
        ("r1", "Vasa - S 1 (2).jpg", "r0"),
        ("r2", "Vasa - S 1 (3).jpg", "r0"),
    ]
    assert all(c.wanted == "Vasa - S 1.jpg" for c in allocator.collisions)


def test_allocator_skips_a_number_another_record_already_has() -> None:
    allocator = TitleAllocator("{title}")
    assert allocator.allocate("a", {"title": "Vasa (2)"}, "jpg") == "Vasa (2).jpg"
    assert allocator.allocate("b", {"title": "Vasa"}, "jpg") == "Vasa.jpg"
    assert allocator.allocate("c", {"title": "Vasa"}, "jpg") == "Vasa (3).jpg"


def test_allocator_views_and_extensions_keep_names_apart() -> None:
    allocator = TitleAllocator("{title} - {accession}", {"accession"})
    values = {"title": "Brev", "accession": "B 7"}
    assert allocator.allocate("r", values, "jpg", view="recto") == "Brev - B 7 - recto.jpg"
    assert allocator.allocate("r", values, "jpg", view="verso") == "Brev - B 7 - verso.jpg"
    assert allocator.allocate("r", values, "tif", view="recto") == "Brev - B 7 - recto.tif"
    assert allocator.allocate("r", values, "jpg", view="page 003") == "Brev - B 7 - page 003.jpg"
    assert allocator.collisions == []


def test_collision_suffix_fits_in_the_limit_by_cutting_the_title() -> None:
    allocator = TitleAllocator("{title} - {accession}", {"accession"})
    values = {"title": "lång titel " * 40, "accession": "X 1"}
    first = allocator.allocate("a", values, "jpg", view="recto")
    second = allocator.allocate("b", values, "jpg", view="recto")
    assert second.endswith(" - X 1 - recto (2).jpg") and first != second
    assert_valid(first, "jpg")
    assert_valid(second, "jpg")


def smm_rows() -> list[dict[str, str]]:
    with SMM_CSV.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream, delimiter="|"))
    header = rows[0]
    return [
        dict(zip(header, row, strict=True)) for row in rows[1:]
    ]  # repeated columns: the last one wins, fine here


def test_every_smm_record_gets_a_valid_unique_name() -> None:
    rows = smm_rows()
    assert len(rows) == 597
    allocator = TitleAllocator(PATTERN, {"accession"})
    names = []
    for row in rows:
        values = {
            "title": row["Motiv-beskrivning"] or row["Benämning"] or row["Typ av objekt"],
            "institution": row["Samling"],
            "accession": row["Identifikationsnr"],
        }
        names.append(allocator.allocate(row["Identifikationsnr"], values, "jpg"))
    assert len(set(names)) == len(names) == 597
    for name, row in zip(names, rows, strict=True):
        assert_valid(name, "jpg")
        assert sanitize(row["Identifikationsnr"]) in name or sanitize(row["Identifikationsnr"])[1:] in name
        assert not is_camera_default(name)
    owners = dict(zip(names, (row["Identifikationsnr"] for row in rows), strict=True))
    for collision in allocator.collisions:
        assert owners[collision.wanted] == collision.first_record_id
        assert owners[collision.allocated] == collision.record_id


# --- properties -----------------------------------------------------------------------------------------

EXTENSIONS = sorted({t.extension for t in media.media_types()})
accessions = st.from_regex(r"[A-Z]{1,4} ?[0-9]{1,6}(?:[.-][0-9]{1,3})?", fullmatch=True)
texts = st.one_of(
    st.text(max_size=300),
    st.lists(
        st.sampled_from(
            [
                "ord",
                "långt",
                "[x]",
                "a:b",
                " ",
                "_",
                "&amp;",
                "%2F",
                "~~~",
                ".jpg",
                "\u200b",
                "\u00a0",
                "\U0001f6a2",
                "e\u0301",
                "ß",
                "#",
                "|",
                "/",
                "\x00",
                "\ud800",
            ]
        ),
        max_size=120,
    ).map("".join),
)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_sanitize_is_idempotent_and_legal(text: str) -> None:
    once = sanitize(text)
    assert sanitize(once) == once
    assert not ILLEGAL.search(once) and not BLACKLISTED.search(once)
    assert unicodedata.normalize("NFC", once) == once


@settings(max_examples=300, deadline=None)
@given(texts, texts, accessions, st.sampled_from(EXTENSIONS), st.sampled_from(["", "recto", "page 003"]))
def test_built_names_are_valid_and_keep_identifier_and_extension(
    title: str, institution: str, accession: str, ext: str, view: str
) -> None:
    values = {"title": title, "institution": institution, "accession": accession}
    suffix = f" - {view}" if view else ""
    name = build_filename(PATTERN, values, {"accession"}, ext, suffix=suffix)
    assert_valid(name, ext)
    assert name.endswith(f"{accession}{suffix}.{ext}") or name.endswith(
        f"{accession[0].upper()}{accession[1:]}{suffix}.{ext}"
    )


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Vasa", "vasa", "Vasa ", "Kronan", "x" * 300, ""]),
            st.sampled_from(["1", "2", ""]),
        ),
        max_size=30,
    )
)
def test_allocator_names_are_unique_valid_and_deterministic(records: list[tuple[str, str]]) -> None:
    def run() -> list[str]:
        allocator = TitleAllocator("{title} - {accession}", {"accession"})
        return [
            allocator.allocate(str(i), {"title": t or "untitled", "accession": a}, "jpg")
            for i, (t, a) in enumerate(records)
        ]

    names = run()
    assert len(set(names)) == len(names)
    assert names == run()
    for name in names:
        assert_valid(name, "jpg")


def test_collision_reports_name_the_first_record_exactly_whatever_its_id() -> None:
    """The allocator keeps names and ids outside Python objects; ids come back as given."""
    allocator = TitleAllocator("{title}")
    odd_ids = ["\ud800 lone surrogate", "nul\x00id", "Σ🚢", ""]
    for number, record_id in enumerate(odd_ids):
        allocator.allocate(record_id, {"title": f"Vasa {number}"}, "jpg")
        allocator.allocate("later", {"title": f"Vasa {number}"}, "jpg")
    assert [c.first_record_id for c in allocator.collisions] == odd_ids
    assert [c.record_id for c in allocator.collisions] == ["later"] * 4


def test_a_held_name_is_its_records_once_and_nobody_elses() -> None:
    allocator = TitleAllocator("{title}")
    allocator.hold("Brigg.jpg", "B1")  # uploaded for B1, which is no longer in the export
    allocator.hold("Brigg (2).jpg", "B2")
    assert allocator.allocate("B2", {"title": "Brigg"}, "jpg") == "Brigg (2).jpg"  # its own
    assert allocator.allocate("B2", {"title": "Brigg"}, "jpg") == "Brigg (3).jpg"  # a second file: not twice
    assert allocator.allocate("B3", {"title": "Brigg"}, "jpg") == "Brigg (4).jpg"
    assert [(c.record_id, c.first_record_id) for c in allocator.collisions][-1] == ("B3", "B1")
