"""The page conventions a Commons patroller expects (issue #15 item 4), each checked on the parsed wikitext
of the pages the shipped SMM and KENOM crosswalks plan, and on one-record crosswalks that break it (the
dry-run warning, with its own problem code): creator boxes only in artist/author/photographer, further rows
through {{Information field}}, a topical category or the batch's backlog, file names that say something,
language templates on free text, ``source`` with the record's URL, attribution with the photographer, ISO
months, the hidden tool category, the batch id of edit summaries and the User-Agent."""

from __future__ import annotations

import csv
import http.server
import json
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import mwparserfromhell
import pytest
import requests
import yaml
from conftest import EXAMPLES
from mwparserfromhell.wikicode import Wikicode
from PIL import Image

from glamupload import PROJECT_URL, conventions, report
from glamupload.config import load_batch
from glamupload.crosswalk import load as load_crosswalk
from glamupload.plan import plan_batch
from glamupload.planned import PlannedFile, write_records
from glamupload.problems import ProblemCode
from glamupload.titles import says_little
from glamupload.wiki import user_agent
from glamupload.wikitext import load_template_catalogue

SMM_EXPORT = EXAMPLES / "smm" / "Exportlista Wikimedia v5-2015-09-07.csv"
TOOL_CATEGORY = "Uploaded with glamupload"
SMM_BACKLOG = "Media contributed by SMM: improve categories"


@pytest.fixture(scope="module")
def smm() -> list[PlannedFile]:
    return list(plan_batch(load_batch(EXAMPLES / "smm" / "batch.yaml")))


@pytest.fixture(scope="module")
def kenom() -> list[PlannedFile]:
    return list(plan_batch(load_batch(EXAMPLES / "kenom" / "batch.yaml")))


@pytest.fixture(scope="module")
def smm_rows() -> dict[str, list[str]]:
    with SMM_EXPORT.open(encoding="utf-8") as fh:
        return {row[0]: row for row in list(csv.reader(fh, delimiter="|"))[1:]}


def parameters(planned: PlannedFile) -> dict[str, Wikicode]:
    """The file-page template's parameters as the page's parsed wikitext has them."""
    page = mwparserfromhell.parse(planned.wikitext)
    call = next(t for t in page.filter_templates(recursive=False) if str(t.name).strip() == planned.template)
    return {str(p.name).strip(): p.value for p in call.params}


def canonical(planned: PlannedFile, name: str) -> str:
    return load_template_catalogue().template(planned.template).canonical(name) or name


def convention_warnings(files: list[PlannedFile]) -> dict[str, int]:
    found: dict[str, int] = {}
    for item in files:
        for problem in item.warnings:
            if problem.code in conventions.CONVENTION_CODES:
                found[problem.code.value] = found.get(problem.code.value, 0) + 1
    return found


# --- the shipped crosswalks pass -------------------------------------------------------------------------


def test_shipped_crosswalks_break_no_convention_but_the_backlog(
    smm: list[PlannedFile], kenom: list[PlannedFile]
) -> None:
    """The only convention warning left is the honest one: SMM files whose keywords map to no topical
    category (each is in the backlog category, see below); KENOM has none."""
    assert set(convention_warnings(smm)) == {"needs-categories"}
    assert convention_warnings(kenom) == {}
    assert all(not item.errors for item in [*smm, *kenom])


def test_creator_boxes_only_in_artist_author_photographer(
    smm: list[PlannedFile], kenom: list[PlannedFile]
) -> None:
    creator_fields = load_template_catalogue().creator_parameters
    seen = 0
    for item in [*smm, *kenom]:
        for name, value in parameters(item).items():
            for template in value.filter_templates(recursive=True):
                if str(template.name).strip().startswith("Creator:"):
                    assert canonical(item, name) in creator_fields, (item.record_id, name)
                    seen += 1
    assert seen > 60  # Chapman, Hägg and van de Velde have Creator pages: the check is not vacuous
    # OR 2627, a drawing whose only maker is Chapman: his box was inside a Swedish note, the artist empty
    or_2627 = parameters(next(p for p in smm if p.record_id == "OR 2627"))
    assert str(or_2627["artist"]).strip() == "{{Creator:Fredrik Henrik af Chapman}}"
    assert "notes" not in or_2627


def test_further_rows_go_through_information_field(smm: list[PlannedFile], kenom: list[PlannedFile]) -> None:
    """Makers beside an artist (SMM) and printers (KENOM) have no parameter of their own: each gets an
    ``{{Information field}}`` row in ``other_fields_1``, a name and a plain value."""
    portrait = parameters(next(p for p in smm if p.record_id == "SM 23115"))  # Hägg, printed by GLA
    (row,) = portrait["other_fields_1"].filter_templates(recursive=False)
    assert str(row.name) == "Information field"
    assert (str(row.get("name").value), str(row.get("value").value)) == (
        "Manufacturer",
        "Generalstabens Litografiska Anstalt",
    )
    printed = [parameters(p) for p in kenom if "other_fields_1" in p.params]
    assert len(printed) == 12  # the records that name a printer (creator.printer)
    for params in printed:
        (row,) = params["other_fields_1"].filter_templates(recursive=False)
        assert str(row.name) == "Information field" and str(row.get("name").value) == "Printer"
        assert "notes" not in params
    # Artwork's catalogue takes what Commons' TemplateData lists: photographer, depicted part, other fields
    artwork = load_template_catalogue().template("Artwork")
    for name in ("photographer", "depicted part", "other_fields", "other_fields_1", "other_fields_3"):
        assert artwork.canonical(name) == name


def test_every_file_has_a_topical_category_or_the_backlog_and_the_report_counts_them(
    smm: list[PlannedFile], tmp_path: Path
) -> None:
    not_topical = {TOOL_CATEGORY, SMM_BACKLOG, "Media contributed by SMM"}
    not_topical |= {"Images from Sjöhistoriska museet", "Images from Vasamuseet"}
    in_backlog = [p for p in smm if SMM_BACKLOG in p.categories]
    for item in smm:
        topical = [c for c in item.categories if c not in not_topical]
        assert bool(topical) != (item in in_backlog), item.record_id
        assert item.has(ProblemCode.NEEDS_CATEGORIES) == (item in in_backlog)
    assert 0 < len(in_backlog) < len(smm)
    records = write_records(smm, tmp_path / "dry-run")
    data = report.build_report(records, tmp_path / "dry-run", thumbnails=False).data
    assert data["categories"]["needs_categories"] == len(in_backlog)
    backlog = next(k for k in data["commons_check"]["kinds"] if k["key"] == "convention:needs-categories")
    assert backlog["count"] == len(in_backlog)


def test_categories_are_for_what_a_file_shows(smm: list[PlannedFile]) -> None:
    """No figurehead category on a ship's portrait that shows its figurehead (record S 5369, HILDUR),
    and no creator's own category on their works; the figurehead itself and a portrait of Chapman keep
    theirs."""
    by_id = {p.record_id: p for p in smm}
    assert "Figureheads" not in by_id["S 5369"].categories
    assert [p.record_id for p in smm if "Figureheads" in p.categories] == ["O 02432"]
    chapman = [p.record_id for p in smm if "Fredrik Henrik af Chapman" in p.categories]
    assert chapman == ["S 4955"] and "Chapman" in by_id["S 4955"].params["depicted people"]


def test_file_names_say_what_the_file_shows(smm: list[PlannedFile], smm_rows: dict[str, list[str]]) -> None:
    by_id = {p.record_id: p for p in smm}
    # the museum's own 2015 batch: names, place and date ("MODE. Stockholms ström. 1927-09-13")
    assert by_id["Fo20247A"].filename.startswith("Lastångfartyg, MODE. Stockholms ström. 1927-09-13 - ")
    for item in smm:
        descriptive = item.filename.rsplit(" - ", 2)[0]
        assert says_little(descriptive) is None, item.filename
        place, date = smm_rows[item.record_id][19].strip(), smm_rows[item.record_id][13].strip()
        if place and smm_rows[item.record_id][1] == "Foto":  # ("/" is not allowed in a name: "-")
            assert place.replace("/", "-") in item.filename or len(item.filename.encode()) > 200
        if date and date.casefold() != "odaterad":
            assert date.replace(" - ", "-") in item.filename or len(item.filename.encode()) > 200


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "empty"),
        ("MODE", "upper-case-word"),
        ("B.P", "upper-case-word"),
        ("Fo20247A", "identifier"),
        ("O 04929", "identifier"),
        ("1927-09-13", "identifier"),
        ("DSC_0001", "camera-default"),
        ("Lastångfartyg, MODE", None),
        ("PRINCESS SVANEVIT", None),
        ("Kanon", None),
        # words that stand for no title: Commons renames them (COM:FR criterion 2)
        ("Untitled", "placeholder"),
        ("Utan titel", "placeholder"),
        ("Ohne Titel", "placeholder"),
        ("o.T.", "placeholder"),
        ("Sans titre", "placeholder"),
        ("image", "placeholder"),
        ("Okänd", "placeholder"),
        ("Odaterad", "placeholder"),
        ("[Untitled]", "placeholder"),
        ("Untitled (2)", "placeholder"),
        ("Untitled-1", "placeholder"),
        ("Titel saknas", "placeholder"),
        ("Untitled harbour view", None),
        ("Fotografi av Vasa", None),
    ],
)
def test_what_says_little(text: str, why: str | None) -> None:
    assert says_little(text) == why


def test_free_text_carries_a_language_template(smm: list[PlannedFile], kenom: list[PlannedFile]) -> None:
    free = load_template_catalogue().free_text_parameters
    for item in [*smm, *kenom]:
        for name, value in parameters(item).items():
            if canonical(item, name) in free:
                assert not re.search(r"[^\W\d_]", conventions.plain_text(str(value))), (item.record_id, name)
    # a material the lookup lacks is Swedish text: marked; the ones it knows stay {{technique|…}}
    mixed = [p.params["medium"] for p in smm if "{{sv|1=" in p.params.get("medium", "")]
    assert any("{{technique|" in medium for medium in mixed)
    assert any("{{sv|1=Vax}}" in p.params.get("medium", "") for p in smm)


def test_source_links_the_record_and_attribution_names_the_photographer(
    smm: list[PlannedFile], kenom: list[PlannedFile], smm_rows: dict[str, list[str]]
) -> None:
    for item in smm:
        assert f"https://digitaltmuseum.se/{smm_rows[item.record_id][26]}" in item.params["source"]
    for item in kenom:
        assert item.params["source"].startswith("https://www.kenom.de/id/")
    credited = [p for p in smm if "|1=" in p.license.wikitext or "attribution=" in p.license.wikitext]
    assert credited
    for item in credited:
        photographer = conventions.plain_text(item.params.get("photographer", ""))
        if photographer:
            assert f"{photographer} / " in item.license.wikitext, item.record_id
    by_id = {p.record_id: p for p in smm}
    assert "{{cc-by-sa-3.0|1=Anneli Karlsson / Sjöhistoriska museet}}" in by_id["Fo179255_35DIG"].wikitext


def test_whole_months_are_iso_months(kenom: list[PlannedFile]) -> None:
    dates = [parameters(p)["date"] for p in kenom]
    assert "1921-07" in [str(d).strip() for d in dates]
    for date in dates:  # no Other date spanning exactly one month
        for template in date.filter_templates():
            first, last = str(template.get(2).value), str(template.get(3).value)
            assert not (first.endswith("-01") and first[:7] == last[:7]), str(template)


def test_every_file_is_in_the_hidden_tool_category(smm: list[PlannedFile], kenom: list[PlannedFile]) -> None:
    for item in [*smm, *kenom]:
        links = [str(link.title) for link in mwparserfromhell.parse(item.wikitext).filter_wikilinks()]
        assert f"Category:{TOOL_CATEGORY}" in links and item.categories[-1] == TOOL_CATEGORY


def test_batch_id_and_edit_summaries() -> None:
    smm, kenom = load_batch(EXAMPLES / "smm" / "batch.yaml"), load_batch(EXAMPLES / "kenom" / "batch.yaml")
    assert re.fullmatch(r"smm-2015-[0-9a-f]{8}", smm.batch_id)
    assert smm.batch_id == load_batch(EXAMPLES / "smm" / "batch.yaml").batch_id  # the same every run
    assert kenom.batch_id.startswith("kenom-notgeld-") and kenom.batch_id != smm.batch_id
    summary = conventions.load().edit_summary("Batch upload smm-2015 with glamupload", smm.batch_id)
    assert summary == f"Batch upload smm-2015 with glamupload [batch {smm.batch_id}]"


def test_user_agent_has_the_project_url_and_the_users_contact(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GLAMUPLOAD_CONTACT", raising=False)
    agent = user_agent("Museum@glamupload")
    assert re.fullmatch(
        rf"glamupload/[\w.]+ \({re.escape(PROJECT_URL)}; User:Museum\) python-requests/[\w.]+", agent
    )
    monkeypatch.setenv("GLAMUPLOAD_CONTACT", "curator@museum.example")
    assert f"({PROJECT_URL}; curator@museum.example)" in user_agent("Museum@glamupload")
    monkeypatch.delenv("GLAMUPLOAD_CONTACT")
    assert f"({PROJECT_URL})" in user_agent(None)


def test_a_user_name_or_contact_outside_latin1_is_sent_as_its_user_page_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """HTTP headers are Latin-1: a Polish account name made every request fail before it was sent, and
    a line break in GLAMUPLOAD_CONTACT would have ended the header. Sent to a local server here."""
    monkeypatch.delenv("GLAMUPLOAD_CONTACT", raising=False)
    assert "; User:%C5%81ukasz)" in user_agent("Łukasz@bot")
    monkeypatch.setenv("GLAMUPLOAD_CONTACT", "Őrs Kovács\r\nX-Injected: 1")
    agent = user_agent(None)
    assert "; %C5%90rs Kov%C3%A1cs%0D%0AX-Injected: 1)" in agent
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers["User-Agent"])
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.handle_request)
    thread.start()
    try:
        response = requests.get(
            f"http://127.0.0.1:{server.server_port}/", headers={"User-Agent": agent}, timeout=10
        )
    finally:
        thread.join(10)
        server.server_close()
    assert response.status_code == 204 and seen == [agent]


# --- a crosswalk that breaks a convention gets the warning -----------------------------------------------

BASE_CROSSWALK: dict[str, Any] = {
    "record_id": "id",
    "language": "en",
    "record_url": {"field": "url"},
    "template": "Artwork",
    "params": {
        "title": {"field": "title", "transforms": ["trim", {"lang": "en"}]},
        "description": {"field": "title", "transforms": ["trim", {"lang": "en"}]},
        "artist": {"field": "artist", "transforms": ["trim", {"lookup": {"table": "people", "warn": False}}]},
        "photographer": {"field": "photographer"},
        "source": {"field": "collection", "transforms": [{"format": "${value}, ${url}"}]},
    },
    "rights": {
        "image": "rights",
        "attribution": {"field": ["photographer", "collection"], "transforms": [{"join": " / "}]},
        "facts": {"kind": {"value": "photo"}},
    },
    "images": {"path": "${id}.jpg"},
    "categories": {"fixed": ["Portrait paintings"], "tracking": "Media contributed by the Example Museum"},
    "filename": {
        "pattern": "{title} - {collection} - {id}",
        "parts": {"title": "title"},
        "protected": ["id"],
        "descriptive": ["title"],
    },
    "lookups": {"people": {"entries": {"Hals, Frans": "{{Creator:Frans Hals}}"}}},
}
BASE_ROW = {
    "id": "EX-1",
    "title": "Portrait of a lady with a fan",
    "artist": "Hals, Frans",
    "maker": "Hals, Frans",
    "photographer": "Ann Example",
    "collection": "Example Museum",
    "url": "https://collection.example.org/EX-1",
    "rights": "https://creativecommons.org/licenses/by-sa/4.0/",
}


def plan_one(tmp_path: Path, crosswalk: Mapping[str, Any], row: Mapping[str, str] = BASE_ROW) -> PlannedFile:
    """The one planned file of a one-record batch with this crosswalk."""
    with (tmp_path / "export.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(BASE_ROW))
        writer.writeheader()
        writer.writerow(row)
    Image.new("RGB", (40, 30), (120, 80, 40)).save(tmp_path / f"{row['id']}.jpg")
    parts = dict(crosswalk["filename"]["parts"])
    parts.setdefault("collection", "collection")
    parts.setdefault("id", "id")
    crosswalk = {**crosswalk, "filename": {**crosswalk["filename"], "parts": parts}}
    (tmp_path / "crosswalk.yaml").write_text(yaml.safe_dump(dict(crosswalk), allow_unicode=True), "utf-8")
    (tmp_path / "batch.yaml").write_text(
        "export: {path: export.csv}\ncrosswalk: crosswalk.yaml\ninstitution: {name: Example Museum}\n",
        "utf-8",
    )
    (planned,) = plan_batch(load_batch(tmp_path / "batch.yaml"))
    return planned


def with_params(**params: Any) -> dict[str, Any]:
    return {**BASE_CROSSWALK, "params": {**BASE_CROSSWALK["params"], **params}}


def test_the_base_crosswalk_follows_every_convention(tmp_path: Path) -> None:
    planned = plan_one(tmp_path, BASE_CROSSWALK)
    assert planned.errors == () and convention_warnings([planned]) == {}
    assert planned.license.wikitext == "{{cc-by-sa-4.0|1=Ann Example / Example Museum}}"


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        # Hals's box in notes: a stray infobox in a row
        (
            with_params(notes={"field": "maker", "transforms": [{"lookup": {"table": "people"}}]}),
            ProblemCode.CREATOR_MISPLACED,
            "params.notes",
        ),
        # ... also nested inside an Information field row
        (
            with_params(
                other_fields_1={
                    "field": "maker",
                    "transforms": [{"lookup": {"table": "people"}}, {"information_field": "Maker"}],
                }
            ),
            ProblemCode.CREATOR_MISPLACED,
            "params.other_fields_1",
        ),
        # English free text without {{en|…}}, although the crosswalk says its language
        (with_params(title={"field": "title"}), ProblemCode.UNTAGGED_TEXT, "params.title"),
        # a markup transform in a file-name part: the name shows "((en-1=Portrait …))"
        (
            {
                **BASE_CROSSWALK,
                "filename": {
                    **BASE_CROSSWALK["filename"],
                    "parts": {"title": {"field": "title", "transforms": [{"lang": "en"}]}},
                },
            },
            ProblemCode.NAME_MARKUP,
            "filename.title",
        ),
        # the source leaves out the record's page
        (with_params(source={"field": "collection"}), ProblemCode.SOURCE_WITHOUT_URL, "params.source"),
        # the credit leaves out the photographer the page names
        (
            {
                **BASE_CROSSWALK,
                "rights": {**BASE_CROSSWALK["rights"], "attribution": {"field": "collection"}},
            },
            ProblemCode.ATTRIBUTION_WITHOUT_PHOTOGRAPHER,
            "rights.attribution",
        ),
        # nothing says what the file shows: the backlog
        (
            {**BASE_CROSSWALK, "categories": {"tracking": "Media contributed by the Example Museum"}},
            ProblemCode.NEEDS_CATEGORIES,
            "categories",
        ),
        # the name is "<collection> - <id>" only
        (
            {**BASE_CROSSWALK, "filename": {**BASE_CROSSWALK["filename"], "descriptive": []}},
            ProblemCode.SAYS_LITTLE,
            "filename",
        ),
    ],
)
def test_a_broken_convention_is_a_dry_run_warning(
    tmp_path: Path, change: dict[str, Any], code: ProblemCode, field: str
) -> None:
    planned = plan_one(tmp_path, change)
    found = [p for p in planned.warnings if p.code in conventions.CONVENTION_CODES]
    assert [(p.code, p.field) for p in found] == [(code, field)], found
    assert planned.uploadable  # a warning: the file may go, a patroller would fix it


def test_a_name_of_one_upper_case_word_says_little(tmp_path: Path) -> None:
    planned = plan_one(tmp_path, BASE_CROSSWALK, {**BASE_ROW, "title": "HILDUR"})
    (problem,) = [p for p in planned.warnings if p.code == ProblemCode.SAYS_LITTLE]
    assert "'HILDUR' is a single upper-case word" in problem.message


def test_the_backlog_without_a_tracking_category_and_by_the_batch(tmp_path: Path) -> None:
    no_categories = {**BASE_CROSSWALK, "categories": {}}
    planned = plan_one(tmp_path, no_categories)
    assert planned.categories == (f"{TOOL_CATEGORY}: improve categories", TOOL_CATEGORY)
    (tmp_path / "batch.yaml").write_text(
        "export: {path: export.csv}\ncrosswalk: crosswalk.yaml\n"
        "categories: {needs_categories: Example Museum files to categorise}\n",
        "utf-8",
    )
    (named,) = plan_batch(load_batch(tmp_path / "batch.yaml"))
    assert named.categories == ("Example Museum files to categorise", TOOL_CATEGORY)


def test_a_convention_finding_is_typed_in_records_jsonl(tmp_path: Path) -> None:
    planned = plan_one(tmp_path, with_params(title={"field": "title"}))
    line = json.loads(planned.to_json())
    assert {"code": "untagged-text", "field": "params.title"}.items() <= line["warnings"][0].items()
    assert PlannedFile.from_json(planned.to_json()).has(ProblemCode.UNTAGGED_TEXT)


def test_descriptive_parts_must_be_parts(tmp_path: Path) -> None:
    bad = {**BASE_CROSSWALK, "filename": {**BASE_CROSSWALK["filename"], "descriptive": ["titel"]}}
    bad["filename"]["parts"] = {"title": "title", "collection": "collection", "id": "id"}
    path = tmp_path / "crosswalk.yaml"
    path.write_text(yaml.safe_dump(bad), "utf-8")
    with pytest.raises(Exception, match="descriptive part 'titel' is not under parts") as error:
        load_crosswalk(path, list(BASE_ROW))
    assert "did you mean 'title'" in (getattr(error.value, "hint", "") or "")
