"""LIDO and OAI-PMH Dublin Core readers, XML safety, and format detection."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lxml import etree

from glamupload.config import load_batch
from glamupload.errors import ConfigError, InputError
from glamupload.plan import plan_batch
from glamupload.planned import PlannedFile
from glamupload.readers import detect_format, oai_dc, open_export
from glamupload.readers.base import NAMESPACES
from glamupload.readers.lido import FIELDS
from glamupload.readers.xmlsafe import UNSAFE_MESSAGE

DATA = Path(__file__).parent / "data" / "readers"
# copies of the real samples (tests/data/lido-nfdi4objects/PROVENANCE.md); KENOM's is the example batch's
LIDO_SAMPLES = Path(__file__).parent / "data" / "lido-nfdi4objects"
KENOM = Path(__file__).resolve().parent.parent / "examples" / "kenom" / "kenom_oai_chunk20.xml"
SAMPLES = sorted([*LIDO_SAMPLES.glob("*.xml"), KENOM], key=lambda p: p.name)
CC_BY_NC = "http://creativecommons.org/licenses/by-nc/4.0/"
CC_BY = "http://creativecommons.org/licenses/by/4.0/"


def _lido_elements(path: Path) -> list[etree._Element]:
    """Ground truth from a plain (non-streaming) parse of the sample."""
    return etree.parse(str(path)).getroot().xpath("//lido:lido", namespaces=NAMESPACES)


# --- every real LIDO sample --------------------------------------------------------------------


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_every_lido_sample_reads_every_record(path: Path) -> None:
    reader = open_export(path)
    assert reader.format == "lido"
    expected = _lido_elements(path)
    records = list(reader)
    assert len(records) == len(expected) >= 1
    for number, (record, element) in enumerate(zip(records, expected, strict=True), start=1):
        rec_id = element.findtext("lido:lidoRecID", namespaces=NAMESPACES).strip()
        assert record.get("lidoRecID") == rec_id
        assert record.position == f"record {number} ({rec_id})"
        assert record.line == element.sourceline
        assert record.get("title"), "every sample record has a title"
        assert set(record.fields) - set(FIELDS) <= {
            name for name in record.fields if name.startswith(("title@", "measurement."))
        }
        for value in record.fields.values():
            assert value not in ("", None, [])


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_every_lido_sample_image_has_a_url_from_the_record(path: Path) -> None:
    for record, element in zip(open_export(path), _lido_elements(path), strict=True):
        # LIDO 1.0 samples repeat administrativeMetadata per language; the first one is read
        admin = element.xpath("lido:administrativeMetadata[1]", namespaces=NAMESPACES)
        sets = (
            admin[0].xpath(".//lido:resourceSet[.//lido:linkResource]", namespaces=NAMESPACES)
            if admin
            else []
        )
        images = record.get("images") or []
        assert len(images) == len(sets)
        for image, resource_set in zip(images, sets, strict=True):
            assert image["url"] in resource_set.xpath(".//lido:linkResource/text()", namespaces=NAMESPACES)


# --- KENOM: image rights are not record rights --------------------------------------------------


def test_kenom_image_rights_are_cc_by_nc_and_record_rights_cc_by() -> None:
    records = list(open_export(KENOM))
    assert len(records) == 20
    assert sum(len(r.get("images")) for r in records) == 32
    for record in records:
        # every statement of the resource: the two rights types KENOM names, and the licence
        assert record.get("imageRights") == ["Urheberrecht", "Verwertungsrecht", CC_BY_NC]
        assert record.get("recordRights") == ["Verwertungsrecht", "Urheberrecht", CC_BY]
        assert record.get("workRights") is None
        for image in record.get("images"):
            assert image["rights"] == ["Urheberrecht", "Verwertungsrecht", CC_BY_NC]
            assert image["rights_label"] == "Namensnennung - Nicht kommerziell 4.0 (CC BY-NC 4.0)"
            # the provided (full-size) IIIF representation, not the 300 px preview
            assert image["url"].endswith("/full/full/0/default.jpg")


def test_fields_include_the_languages_and_measurement_types_in_use() -> None:
    kenom = open_export(KENOM).fields
    assert kenom[: len(FIELDS)] == FIELDS
    assert set(kenom[len(FIELDS) :]) == {"title@de", "measurement.height", "measurement.width"}
    primavera = open_export(LIDO_SAMPLES / "LIDO-v1.1-Example_FMobj00154983-LaPrimavera.xml").fields
    assert {"title@it", "title@en", "title@de", "title@fr", "measurement.height"} <= set(primavera)


def test_the_pass_for_the_fields_in_use_is_made_only_for_a_field_that_is_not_fixed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import glamupload.readers.lido as lido

    passes: list[Path] = []
    scan = lido.iter_elements

    def counted(path: Path, tag: str, *, keep: bool = True):  # type: ignore[no-untyped-def]
        passes.append(path)
        return scan(path, tag, keep=keep)

    monkeypatch.setattr(lido, "iter_elements", counted)
    shape = open_export(KENOM).shape
    assert shape.problem("title") is None and shape.problem("images[].url") is None
    assert shape.holds_objects("images") and shape.keys_below("images")[0] == "url"
    assert passes == []  # fixed fields: the export is not read
    assert shape.problem("title@de") is None and shape.problem("measurement.width") is None
    assert passes == [KENOM]  # read once, then remembered
    problem = shape.problem("title@en")
    assert problem is not None and "'title@de'" in problem.hint  # the hint lists the fields in use
    assert passes == [KENOM]
    assert shape.whole().fields == open_export(KENOM).fields + [f"images[].{k}" for k in lido.IMAGE_KEYS]


def test_kenom_first_record_fields() -> None:
    record = next(iter(open_export(KENOM)))
    assert record.get("lidoRecID") == "record_DE-68_kenom_123644"
    assert record.get("objectPublishedID") == "https://www.kenom.de/id/record_DE-68_kenom_123644"
    assert record.get("title") == "Geldschein / Notgeld, 50 Pfennig, 7.1921"
    assert record.get("title@de") == record.get("title")  # language inherited from descriptiveMetadata
    assert record.get("repositoryName") == "Schleswig-Holsteinische Landesbibliothek"
    assert record.get("workID") == "Rasmussen 304"
    # actors of the production event only -- the publication event's "Herausgeber" is not a creator
    assert record.get("creator") == ["Druckerei W. Clausen <Büsum>", "Büsum"]
    assert record.get("creatorRole") == "Drucker"
    assert record.get("creatorDeath") is None  # no vital dates: unknown, never guessed
    assert record.get("date.display") == "7.1921"
    assert (record.get("date.earliest"), record.get("date.latest")) == ("1921-07-01", "1921-07-31")
    assert record.get("measurement.height") == "58 mm"
    assert record.get("measurement.width") == "92 mm"
    assert record.get("measurements") == "Höhe: 58 mm\nBreite: 92 mm"
    assert record.get("materialsTech") == ["Nichtmetalle > Papier", "Autotypie", "Buchdruck"]
    assert record.get("subject")[:2] == ["Jagd", "Seehund"]
    assert record.get("recordLink") == "https://www.kenom.de/lidoresolver?id=record_DE-68_kenom_123644"


def test_xpath_reaches_anything_in_the_record_even_after_reading_on() -> None:
    records = list(open_export(KENOM))
    first = records[0]
    assert first.get("xpath:lido:category/lido:term") == "Man-Made Object"
    assert first.get("xpath:count(.//lido:resourceSet)") == "2"
    assert first.get(
        "xpath:.//lido:rightsResource/lido:rightsHolder/lido:legalBodyName/lido:appellationValue"
    )[0] == ("Sönke Ehlert, Schleswig-Holsteinische Landesbibliothek Kiel")
    # each record's element is its own: no XPath sees a neighbouring record
    assert first.get("xpath://lido:lidoRecID") == "record_DE-68_kenom_123644"


@pytest.mark.parametrize("expression", ["lido:title[", "lido:title\x00", "lido:title\ud800"])
def test_invalid_xpath_is_a_config_error(expression: str) -> None:
    """lxml raises ValueError for a NUL byte or a lone surrogate (a YAML "\0" escape): that was a crash."""
    record = next(iter(open_export(KENOM)))
    with pytest.raises(ConfigError, match="invalid XPath expression"):
        record.get("xpath:" + expression)


# --- LIDO 1.0 and 1.1 of the same object ---------------------------------------------------------


def test_lido_10_and_11_give_the_same_core_fields() -> None:
    old = next(iter(open_export(LIDO_SAMPLES / "LIDO-Example_FMobj00154983-LaPrimavera.xml")))
    new = next(iter(open_export(LIDO_SAMPLES / "LIDO-v1.1-Example_FMobj00154983-LaPrimavera.xml")))
    for field in (
        "lidoRecID",
        "workID",
        "creator",
        "creatorBirth",
        "creatorDeath",
        "recordID",
        "measurements",
    ):
        assert old.get(field) == new.get(field), field
    assert new.get("creator") == ["Botticelli, Sandro"]
    assert new.get("creatorDeath") == "1510-05-17"
    assert new.get("title@en") == "Spring" and new.get("title@it") == "La Primavera"


def test_lido_11_concepts_and_largest_image() -> None:
    record = next(iter(open_export(LIDO_SAMPLES / "LIDO-v1.1-Example_FMobj00154983-LaPrimavera.xml")))
    assert record.get("objectWorkType") == "painting (visual work)"  # skos:prefLabel
    assert record.get("workRights") == "http://rightsstatements.org/vocab/NoC-OKLR/1.0/"
    assert record.get("recordRights") == "http://creativecommons.org/publicdomain/zero/1.0/"
    image = record.get("images")[0]
    assert (
        image["url"] == "http://www.bildindex.de/bilder/d/fmp_gkka1982_01929_2l"
    )  # 1200 px, not the 350 px one
    assert image["rights_label"] == "Free access – no reuse"  # layout line breaks removed
    assert record.get("materialsTech") == "Tempera auf Pappelholz"  # objectMaterialsTechSet (LIDO 1.1)


def _representation(kind: str, url: str, width: int | str, height: int | str) -> str:
    sizes = "".join(
        f"<lido:resourceMeasurementsSet><lido:measurementType>{name}</lido:measurementType>"
        f"<lido:measurementValue>{value}</lido:measurementValue></lido:resourceMeasurementsSet>"
        for name, value in (("width", width), ("height", height))
    )
    return (
        f'<lido:resourceRepresentation lido:type="{kind}"><lido:linkResource>{url}</lido:linkResource>'
        f"{sizes}</lido:resourceRepresentation>"
    )


@pytest.mark.parametrize(
    ("representations", "chosen"),
    [
        # the provided image over a larger preview: the rank decides, sizes are not read
        ([("preview_representation", "a", 4000, 4000), ("provided_representation", "b", 10, 10)], "b"),
        # the same rank: the largest
        ([("image_master", "a", 100, 100), ("image_master", "b", 300, 200)], "b"),
        # the same rank and size: the first
        ([("image_master", "a", 50, 50), ("image_master", "b", 50, 50), ("image_thumb", "c", 90, 90)], "a"),
        # sizes that are no sizes count as none: "1e999" is infinity (int() of it was a crash), "nan"
        ([("image_master", "a", "1e999", 100), ("image_master", "b", 30, 20)], "b"),
        (
            [
                ("image_master", "a", 30, 20),
                ("image_master", "b", "-1e308", 10),
                ("image_master", "c", "nan", 1),
            ],
            "a",
        ),
    ],
)
def test_the_image_is_the_best_ranked_representation_then_the_largest(
    tmp_path: Path, representations: list[tuple[str, str, int | str, int | str]], chosen: str
) -> None:
    terms = "http://terminology.lido-schema.org/resourceRepresentation_type/"
    body = "".join(
        _representation(kind if kind.startswith("image_") else terms + kind, f"http://x/{url}", w, h)
        for kind, url, w, h in representations
    )
    path = tmp_path / "lido.xml"
    path.write_text(
        '<lido:lido xmlns:lido="http://www.lido-schema.org"><lido:lidoRecID>r1</lido:lidoRecID>'
        "<lido:administrativeMetadata><lido:resourceWrap><lido:resourceSet>"
        f"{body}</lido:resourceSet></lido:resourceWrap></lido:administrativeMetadata></lido:lido>",
        encoding="utf-8",
    )
    record = next(iter(open_export(path)))
    assert record.get("images")[0]["url"] == f"http://x/{chosen}"


def test_minimal_record_rights() -> None:
    record = next(iter(open_export(LIDO_SAMPLES / "minimaldatensatz.xml")))
    cc0 = "http://creativecommons.org/publicdomain/zero/1.0/"
    assert record.get("imageRights") == cc0 and record.get("recordRights") == cc0
    assert record.get("workID") == "1977.20"


# --- LIDO inside OAI-PMH (fixture) ----------------------------------------------------------------


def test_lido_in_oai_pmh_skips_deleted_records_and_picks_creation_facts() -> None:
    records = list(open_export(DATA / "lido_oai.xml"))
    assert len(records) == 1
    record = records[0]
    assert record.get("title") == 'Ship model "Vasa"'  # the preferred titleSet, not the first
    assert record.get("creator") == ["Maker, Mia", "Helper, Hal"]  # not the seller of the acquisition
    assert record.get("creatorRole") == "model maker"
    assert record.get("creatorBirth") == "1801"
    assert record.get("creatorDeath") == "1901-03-02"  # the last creator to die
    assert record.get("date.display") == "c. 1850"
    assert record.get("images") == [
        {
            "url": "https://example.org/master/7.tif",
            "rights": "Public Domain Mark",
            "rights_label": "Public Domain Mark",
            "credit_line": "Photo: Example Museum",
        }
    ]
    assert record.get("imageRights") == "Public Domain Mark"
    assert record.get("recordRights") == "CC0"


# --- Dublin Core ----------------------------------------------------------------------------------


def test_oai_dc_records() -> None:
    reader = open_export(DATA / "oai_dc.xml")
    assert reader.format == "oai_dc"
    assert reader.fields[:3] == ["title", "creator", "subject"] and len(reader.fields) == 17
    records = list(reader)
    assert [r.get("header.identifier") for r in records] == ["oai:example.org:obj-1", "oai:example.org:obj-3"]
    first, second = records
    assert first.get("title") == ["Harbour at dawn", "Hamn i gryning"]
    assert first.get("subject") == ["harbours", "ships"]  # the blank one is dropped
    assert first.get("identifier") == ["https://example.org/images/obj-1.jpg"]
    assert first.get("header.datestamp") == "2024-05-01"
    assert first.get("publisher") is None
    assert first.position == "record 1 (oai:example.org:obj-1)"
    assert first.line == 7
    assert second.get("title") == ["Steam ship & tug"]
    assert second.get("rights") == ["CC BY 4.0"]
    assert second.get("xpath:oai:header/oai:datestamp") == "2024-07-01"
    # read after the whole file: each record is a document of its own, not a part of the harvest
    assert first.get("xpath://oai:header/oai:identifier") == "oai:example.org:obj-1"
    assert second.get("xpath:count(//oai:record)") == "1"


@pytest.mark.parametrize(
    ("name", "before_root"),
    [
        ("oai_dc.xml", '<?xml-stylesheet type="text/xsl" href="/oai2.xsl"?>'),  # DSpace, EPrints, OJS send it
        ("lido_oai.xml", "<!-- harvested 2024-05-01 -->"),
    ],
)
def test_an_instruction_or_comment_before_the_root_is_read_past(
    tmp_path: Path, name: str, before_root: str
) -> None:
    """Freeing what was parsed before a record deleted the root's siblings through a parent it has
    not: a crash of the dry run on every such harvest."""
    text = (DATA / name).read_text(encoding="utf-8")
    declaration, _, rest = text.partition("?>")
    path = tmp_path / name
    path.write_text(f"{declaration}?>\n{before_root}{rest}", encoding="utf-8")
    assert [r.fields for r in open_export(path)] == [r.fields for r in open_export(DATA / name)]


def test_dublin_core_fields_are_the_metadatas_and_the_header_is_read_whole(tmp_path: Path) -> None:
    """``<about>`` holds facts about the metadata (its own licence, CC0 for the record): read as the
    record's ``rights`` it made an image with no rights statement CC0 and uploadable. A comment inside
    the header's identifier cut it short, so records collided."""
    text = (DATA / "oai_dc.xml").read_text(encoding="utf-8")
    about = (
        '<about><metadataRights xmlns:dc="http://purl.org/dc/elements/1.1/">'
        "<dc:rights>http://creativecommons.org/publicdomain/zero/1.0/</dc:rights>"
        "<dc:title>The harvest</dc:title></metadataRights></about></record>"
    )
    text = text.replace("</record>", about).replace(
        "oai:example.org:obj-1<", "oai:example.org:<!-- x -->obj-1<"
    )
    path = tmp_path / "oai_dc.xml"
    path.write_text(text, encoding="utf-8")
    assert "<about>" in text and "<!-- x -->" in text
    records, plain = list(open_export(path)), list(open_export(DATA / "oai_dc.xml"))
    assert [r.fields for r in records] == [r.fields for r in plain]
    assert records[0].get("header.identifier") == "oai:example.org:obj-1"
    assert "http://creativecommons.org/publicdomain/zero/1.0/" not in str(records[0].get("rights"))


def test_a_folder_mixing_lido_and_dublin_core_names_each_file_of_the_other_kind(tmp_path: Path) -> None:
    """Only the first file is sniffed; a file of the other kind gave no record and no word."""
    folder = tmp_path / "recs"
    folder.mkdir()
    (folder / "a.xml").write_bytes((DATA / "oai_dc.xml").read_bytes())
    (folder / "b.xml").write_bytes((DATA / "lido_oai.xml").read_bytes())
    records = list(open_export(folder))
    assert [r.get("header.identifier") for r in records[:2]] == [
        "oai:example.org:obj-1",
        "oai:example.org:obj-3",
    ]
    others = records[2:]  # LIDO harvested over OAI-PMH: each record's metadata is the odd one
    assert others and all(r.position.startswith("b.xml record") for r in others)
    assert all(
        "the record's metadata is LIDO, and the file is read as oai_dc" in str(r.problem) for r in others
    )
    (folder / "b.xml").write_bytes(
        (Path(__file__).parent / "golden" / "lido" / "minimaldatensatz.xml").read_bytes()
    )
    (bare,) = list(open_export(folder))[2:]  # a bare lido:lido file
    assert "the file holds LIDO records, and is read as oai_dc" in str(bare.problem)
    (folder / "a.xml").rename(folder / "z.xml")  # LIDO first: the Dublin Core file is the odd one
    odd = [r for r in open_export(folder) if r.problem is not None]
    assert [r.position.split()[0] for r in odd] == ["z.xml"] and "Dublin Core" in odd[0].problem.message


def test_dublin_core_outside_an_oai_response_and_lido_named_in_text_are_told_apart(tmp_path: Path) -> None:
    """Bare oai_dc:dc records read as an export of nothing, exit 0; a Dublin Core record naming
    LIDO's namespace URI as text was sniffed as LIDO."""
    bare = tmp_path / "bare.xml"
    bare.write_text(
        '<records xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">\n<oai_dc:dc><dc:title>A</dc:title></oai_dc:dc></records>',
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="oai_dc:dc records outside an OAI-PMH response") as caught:
        list(open_export(bare))
    assert caught.value.line == 2
    text = (DATA / "oai_dc.xml").read_text(encoding="utf-8")
    mention = tmp_path / "mention.xml"
    mention.write_text(
        text.replace("<dc:title>", "<dc:relation>http://www.lido-schema.org</dc:relation><dc:title>", 1),
        encoding="utf-8",
    )
    assert open_export(mention).format == "oai_dc" and len(list(open_export(mention))) == 2


def test_a_dublin_core_share_reads_only_its_records_numbered_past_the_deleted_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reader = open_export(DATA / "oai_dc.xml")
    whole = [(record.position, record.fields) for record in reader]
    read: list[str] = []
    fields_of = oai_dc._dc_fields
    monkeypatch.setattr(oai_dc, "_dc_fields", lambda element: read.append("r") or fields_of(element))
    [(number, record)] = list(reader.select(lambda n: n == 1))
    assert (number, record.position, record.fields) == (1, *whole[1])  # obj-2, deleted, is not counted
    assert record.position == "record 2 (oai:example.org:obj-3)" and read == ["r"]


def test_oai_error_response_is_explained() -> None:
    with pytest.raises(InputError) as caught:
        list(open_export(DATA / "oai_error.xml", format="oai_dc"))
    assert caught.value.message == (
        "the file is an OAI-PMH error response (badResumptionToken): The resumptionToken has expired"
    )


# --- safety and broken XML ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("xxe.xml", None),
        ("billion_laughs.xml", None),
        ("parameter_entity.xml", None),
        ("external_dtd.xml", "oai_dc"),
    ],
)
def test_unsafe_xml_is_refused_before_any_record(name: str, fmt: str | None) -> None:
    path = DATA / name
    reader = open_export(path, format=fmt)
    with pytest.raises(InputError) as caught:
        next(iter(reader))
    assert caught.value.message == UNSAFE_MESSAGE
    assert caught.value.message == "the export declares XML entities / a DTD; refusing to read it for safety"
    assert caught.value.file == str(path)
    assert "DOCTYPE" in caught.value.hint


@pytest.mark.parametrize(
    "subset",
    [
        '<!ATTLIST header status CDATA "deleted">',  # lxml's get() gave every header status="deleted"
        '<!ATTLIST header status CDATA #FIXED "deleted">',
        "<!ELEMENT header ANY>",
        "<!-- fine -->" + " " * 70_000 + '<!ATTLIST header status CDATA "deleted">',  # past the first chunk
    ],
)
def test_a_doctype_declaring_attributes_or_elements_is_refused(tmp_path: Path, subset: str) -> None:
    text = (DATA / "oai_dc.xml").read_text(encoding="utf-8")
    declaration, _, rest = text.partition("?>")
    path = tmp_path / "oai_dc.xml"
    path.write_text(f"{declaration}?>\n<!DOCTYPE OAI-PMH [ {subset} ]>{rest}", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        list(open_export(path, format="oai_dc"))
    assert caught.value.message == UNSAFE_MESSAGE
    path.write_text(f"{declaration}?>\n<!DOCTYPE OAI-PMH [ <!-- a comment --> ]>{rest}", encoding="utf-8")
    assert len(list(open_export(path))) == 2  # a subset of comments only declares nothing


def test_xxe_never_reads_the_local_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    path = tmp_path / "xxe.xml"
    path.write_text(
        f'<!DOCTYPE r [<!ENTITY s SYSTEM "{secret.as_uri()}">]>'
        '<lido:lido xmlns:lido="http://www.lido-schema.org"><lido:lidoRecID>&s;</lido:lidoRecID></lido:lido>',
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        list(open_export(path))
    assert "TOP-SECRET" not in str(caught.value)


def test_a_bare_doctype_without_entities_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "bare.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE lido>\n'
        '<lido:lido xmlns:lido="http://www.lido-schema.org"><lido:lidoRecID>x</lido:lidoRecID></lido:lido>',
        encoding="utf-8",
    )
    assert [r.get("lidoRecID") for r in open_export(path)] == ["x"]


def test_broken_xml_names_file_and_line() -> None:
    path = DATA / "broken.xml"
    records = iter(open_export(path))
    assert next(records).get("lidoRecID") == "ok-1"
    with pytest.raises(InputError) as caught:
        next(records)
    assert caught.value.file == str(path)
    assert caught.value.line == 7
    assert caught.value.message.startswith("broken XML: Opening and ending tag mismatch: lidoRecID")


def test_truncated_and_undefined_entity_xml(tmp_path: Path) -> None:
    truncated = tmp_path / "cut.xml"
    truncated.write_text(
        '<lido:lidoWrap xmlns:lido="http://www.lido-schema.org">\n<lido:lido>\n', encoding="utf-8"
    )
    with pytest.raises(InputError, match="broken XML"):
        list(open_export(truncated))
    entity = tmp_path / "nbsp.xml"
    entity.write_text(
        '<lido:lido xmlns:lido="http://www.lido-schema.org">\n<lido:lidoRecID>a&nbsp;b</lido:lidoRecID></lido:lido>',
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        list(open_export(entity))
    assert caught.value.line == 2
    assert caught.value.message == "broken XML: Entity 'nbsp' not defined"


# --- format detection -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (DATA / "cp1252_semicolon.csv", "csv"),
        (DATA / "utf8_bom.tsv", "csv"),
        (DATA / "array.json", "json"),
        (DATA / "lines.jsonl", "json"),
        (DATA / "json_folder", "json"),
        (DATA / "oai_dc.xml", "oai_dc"),
        (DATA / "lido_oai.xml", "lido"),
        (KENOM, "lido"),
    ],
    ids=lambda value: value.name if isinstance(value, Path) else value,
)
def test_detect_format(path: Path, expected: str) -> None:
    assert detect_format(path) == expected


def test_unknown_xml_and_types(tmp_path: Path) -> None:
    other = tmp_path / "other.xml"
    other.write_text("<root/>", encoding="utf-8")
    with pytest.raises(InputError, match="cannot tell which XML format"):
        open_export(other)
    old_excel = tmp_path / "old.xls"
    old_excel.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(InputError, match=r"save the sheet as \.xlsx"):
        open_export(old_excel)
    with pytest.raises(InputError, match="unknown export format 'marc'"):
        open_export(DATA / "oai_dc.xml", format="marc")
    with pytest.raises(InputError, match="no such file or folder"):
        open_export(tmp_path / "missing.csv")


def test_format_aliases(tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    path.write_text("a\tb,c\n1\t2,3\n", encoding="utf-8")
    assert open_export(path, format="tsv").fields == ["a", "b,c"]
    assert open_export(DATA / "oai_dc.xml", format="dc").format == "oai_dc"


def _one_lido(tmp_path: Path, descriptive: str) -> dict:
    path = tmp_path / "one.xml"
    path.write_text(
        '<lido:lido xmlns:lido="http://www.lido-schema.org"><lido:lidoRecID>r</lido:lidoRecID>'
        f'<lido:descriptiveMetadata xml:lang="de">{descriptive}</lido:descriptiveMetadata></lido:lido>',
        encoding="utf-8",
    )
    return next(iter(open_export(path))).fields


def test_last_death_compares_years_not_strings(tmp_path: Path) -> None:
    def actor(name: str, death: str) -> str:
        return (
            "<lido:eventActor><lido:actorInRole><lido:actor><lido:nameActorSet>"
            f"<lido:appellationValue>{name}</lido:appellationValue></lido:nameActorSet>"
            f"<lido:vitalDatesActor><lido:latestDate>{death}</lido:latestDate></lido:vitalDatesActor>"
            "</lido:actor></lido:actorInRole></lido:eventActor>"
        )

    event = (
        "<lido:eventWrap><lido:eventSet><lido:event>"
        "<lido:eventType><lido:term>Herstellung</lido:term></lido:eventType>{}"
        "</lido:event></lido:eventSet></lido:eventWrap>"
    )
    fields = _one_lido(tmp_path, event.format(actor("Old", "1210") + actor("Older", "950")))
    assert fields["creatorDeath"] == "1210"
    fields = _one_lido(tmp_path, event.format(actor("Known", "1210") + actor("Unknown", "")))
    assert "creatorDeath" not in fields  # one death unknown: the last death is unknown


def test_measurement_type_prefers_the_english_label(tmp_path: Path) -> None:
    fields = _one_lido(
        tmp_path,
        "<lido:objectIdentificationWrap><lido:objectMeasurementsWrap><lido:objectMeasurementsSet>"
        "<lido:objectMeasurements><lido:measurementsSet>"
        "<lido:measurementType>Höhe</lido:measurementType>"
        '<lido:measurementType xml:lang="en">height</lido:measurementType>'
        "<lido:measurementUnit>cm</lido:measurementUnit><lido:measurementValue>12,5</lido:measurementValue>"
        "</lido:measurementsSet></lido:objectMeasurements></lido:objectMeasurementsSet></lido:objectMeasurementsWrap>"
        "</lido:objectIdentificationWrap>",
    )
    assert fields["measurement.height"] == "12,5 cm"
    assert "measurement.Höhe" not in fields


def test_records_keep_their_element_only_when_the_crosswalk_reads_an_xpath(tmp_path: Path) -> None:
    from glamupload.config import load_batch
    from glamupload.plan import Planner

    folder = tmp_path / "kenom"
    shutil.copytree(KENOM.parent, folder)
    plain = Planner.open(load_batch(folder / "batch.yaml"))
    assert plain.reader is not None and plain.reader.keep_elements is False
    assert all(record.element is None for record in plain.reader)  # fields read, elements let go
    crosswalk = (Path(__file__).resolve().parent.parent / "mappings" / "kenom.yaml").read_text("utf-8")
    asked = "params:\n  depicted people:\n    field: 'xpath:lido:category/lido:term'\n"
    (folder / "crosswalk.yaml").write_text(crosswalk.replace("params:\n", asked, 1), encoding="utf-8")
    batch = (
        (folder / "batch.yaml")
        .read_text(encoding="utf-8")
        .replace("crosswalk: kenom", "crosswalk: crosswalk.yaml")
    )
    (folder / "batch.yaml").write_text(batch, encoding="utf-8")
    xpath = Planner.open(load_batch(folder / "batch.yaml"))
    assert xpath.crosswalk.reads_xpath and xpath.reader is not None and xpath.reader.keep_elements
    record = next(iter(xpath.reader))
    assert record.element is not None
    assert xpath.draft(record).files[0].params["depicted people"] == "Man-Made Object"


# --- several statements, several creators (tests/data/lido-rights, constructed) --------------------------

LIDO_RIGHTS = Path(__file__).parent / "data" / "lido-rights"


def _planned_lido(tmp_path: Path, export: str, crosswalk: str = "lido") -> dict[str, PlannedFile]:
    shutil.copy(LIDO_RIGHTS / export, tmp_path / "export.xml")
    (tmp_path / "batch.yaml").write_text(
        f"export: {{path: export.xml}}\ncrosswalk: {crosswalk}\n"
        "categories: {tracking: Media contributed by Museum X}\ninstitution: {name: Museum X}\n",
        encoding="utf-8",
    )
    return {p.record_id: p for p in plan_batch(load_batch(tmp_path / "batch.yaml"))}


def test_every_rights_statement_of_a_resource_or_work_is_judged(tmp_path: Path) -> None:
    """Only the first URI counted: a CC BY URI beside "Nur für nicht-kommerzielle Nutzung", "Alle Rechte
    vorbehalten" or an InC URI was {{cc-by-4.0}}, and a work's CC0 before an InC {{CC0}}."""
    [record] = [
        r for r in open_export(LIDO_RIGHTS / "several-statements.xml") if r.get("lidoRecID") == "L10a"
    ]
    assert record.get("imageRights") == [
        "http://creativecommons.org/licenses/by/4.0/",
        "Nur für nicht-kommerzielle Nutzung",
    ]
    verdicts = {r: p.license for r, p in _planned_lido(tmp_path, "several-statements.xml").items()}
    for record_id in ("L10a", "L10b", "L10c", "L10d", "W2"):
        assert verdicts[record_id].verdict == "reject", (record_id, verdicts[record_id].reason)


def test_a_co_creators_death_that_is_no_year_makes_the_death_unknown(tmp_path: Path) -> None:
    """Deaths "1930" and "20. Jh." were compared as 1930 and 20, so the work was PD by 1930."""
    deaths = {
        r.get("lidoRecID"): r.get("creatorDeath") for r in open_export(LIDO_RIGHTS / "co-creator-deaths.xml")
    }
    assert deaths == {"D1": None, "D2": None, "D3": "20. Jh."}  # D3 has one creator: its text, read later
    verdicts = {r: p.license for r, p in _planned_lido(tmp_path, "co-creator-deaths.xml").items()}
    assert {record_id: v.verdict for record_id, v in verdicts.items()} == {
        "D1": "review",
        "D2": "review",
        "D3": "review",
    }
    assert (
        "the creator died" not in verdicts["D1"].reason and "the creator died 1999" in verdicts["D3"].reason
    )


def test_a_former_repository_is_not_where_the_object_is() -> None:
    [record] = open_export(LIDO_RIGHTS / "former-repository.xml")
    assert (record.get("repositoryName"), record.get("workID")) == ("Museum Neu", "NEU-1")  # was Sammlung Alt


@pytest.mark.parametrize("crosswalk", ["lido", "kenom"])
def test_a_cc_by_images_rights_holder_is_credited_in_its_licence_tag(tmp_path: Path, crosswalk: str) -> None:
    verdicts = [p.license for p in _planned_lido(tmp_path, "rights-holder.xml", crosswalk).values()]
    # {{cc-by-4.0|1=…}}, or {{Licensed-PD-Art|…|cc-by-4.0|attribution=…}}: it was credited nowhere
    assert all(v.verdict == "accept" and "=Foto: Eva Schmidt" in v.wikitext for v in verdicts)


def test_commissioners_and_owners_are_no_artist_and_a_photographer_is_his_photographs(tmp_path: Path) -> None:
    """ "Auftraggeber" Philipp II. and the owner Stadt Nürnberg were in |artist (and P170); a photograph's
    photographer was on the page nowhere, though the licence ran from his death."""
    records = {r.get("lidoRecID"): r for r in open_export(LIDO_RIGHTS / "roles.xml")}
    assert records["L3"].get("creator.patron") == ["Philipp II. von Spanien"]
    planned = _planned_lido(tmp_path, "roles.xml")
    assert planned["L3"].params["artist"] == "Jakob Tischler"
    assert planned["O1"].params["artist"] == "Hans Goldschmied"
    assert planned["P1"].params["artist"] == "Karl Fotograf"
    # a publisher is no author of the work: a row of its own
    assert "author" not in planned["L13"].params
    assert (
        planned["L13"].params["other_fields_1"] == "{{Information field|name=Publisher|value=Verlag Muster}}"
    )


def test_an_attribution_qualifier_is_shown_and_the_term_does_not_run_from_the_masters_death(
    tmp_path: Path,
) -> None:
    planned = _planned_lido(tmp_path, "qualifiers.xml")
    assert planned["Q0"].params["artist"] == "Rembrandt (Kopie nach)"  # was "Rembrandt"
    assert {p.license.verdict for p in planned.values()} == {"review"}  # was PD by deathyear=1669
