"""Institution and category pages against the real sandbox wiki: creation of every page type (parsed
back with mwparserfromhell), idempotence, protection of others' edits, the dry-run classification,
batched existence checks, the upload warning and the example batch's pages."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from pathlib import Path

import mwparserfromhell
import pytest
from click.testing import CliRunner
from conftest import EXAMPLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ConfigDict

from glamupload import licenses, pages, plan, sandbox
from glamupload.accounts import sandbox_account
from glamupload.cli.pages import pages_command
from glamupload.config import BatchCategories, BatchConfig, BatchModel, load_batch
from glamupload.errors import ConfigError
from glamupload.planned import PlannedFile
from glamupload.wiki import Wiki, resolve_target
from glamupload.yamlconfig import load_yaml, validate

SMM_EXPORT = EXAMPLES / "smm" / "Exportlista Wikimedia v5-2015-09-07.csv"


class ProposedCategories(BatchCategories):
    """The ``categories`` keys pages.py reads that config.py does not have yet (see docs/pages.md)."""

    model_config = ConfigDict(extra="forbid")
    parents: dict[str, list[str]] = {}
    collections: list[str] = []
    contributed: str | None = None


class ProposedBatchModel(BatchModel):
    categories: ProposedCategories = ProposedCategories()


def write_batch(folder: Path, name: str, *, location: str = "Stockholm", extra: str = "") -> Path:
    """A batch over the real SMM export with an institution and categories named after ``name``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "batch.yaml"
    path.write_text(
        f"""
name: {name} batch
export: {{path: "{SMM_EXPORT}", format: csv, encoding: utf-8, delimiter: "|"}}
crosswalk: smm
institution:
  name: Museum {name}
  wikidata: Q190804
  location: {location}
  website: https://example.org/collection?id=1
categories:
  tracking: Batch {name}
  collections: [Paintings in Museum {name}]
  parents:
    Museum {name}: [Museums in Sweden]
    Ship models {name}: [Ship models]
{extra}""",
        encoding="utf-8",
    )
    return path


def write_small_batch(folder: Path, name: str) -> Path:
    """A batch of the first 3 SMM records with an institution (in Göteborg) and a tracking category."""
    path = folder / "batch.yaml"
    path.write_text(
        f"""
export: {{path: "{SMM_EXPORT}", format: csv, encoding: utf-8, delimiter: "|"}}
crosswalk: smm
limit: 3
institution: {{name: Museum {name}, location: Göteborg}}
categories: {{tracking: Batch {name}}}
""",
        encoding="utf-8",
    )
    return path


def load_proposed(path: Path) -> BatchConfig:
    """Load a batch whose categories use the proposed keys (parents, collections, contributed)."""
    located = load_yaml(path)
    return BatchConfig(path.resolve(), validate(ProposedBatchModel, located), located)


def files_using(name: str, *categories: str) -> list[PlannedFile]:
    """Planned file pages as plan.py makes them: transcluding the institution, in ``categories``."""
    text = f"=={{{{int:filedesc}}}}==\n{{{{Artwork\n|institution = {{{{Institution:Museum {name}}}}}\n}}}}"
    return [
        PlannedFile(
            0,
            "r1",
            f"{name}.jpg",
            text,
            categories,
            licenses.judge_value("CC0", licenses.Facts()),
            "x.jpg",
            "Artwork",
            {},
        )
    ]


@pytest.fixture(scope="module")
def admin(sandbox_wiki: sandbox.SandboxInfo) -> Wiki:
    """The sandbox administrator: the 'someone else' who edits pages glamupload made."""
    directory = Path(sandbox_wiki.dir)
    return Wiki(resolve_target("sandbox", directory), sandbox_account(directory, "admin"))


@pytest.fixture(scope="module")
def existing_category(admin: Wiki) -> str:
    """A category the wiki already has, which the test batches' files use and the parents name."""
    admin.edit("Category:Museums in Sweden", "[[Category:Museums]]", "setup")
    return "Museums in Sweden"


@pytest.fixture
def batch(tmp_path: Path, unique_name: str) -> BatchConfig:
    return load_proposed(write_batch(tmp_path, unique_name))


@pytest.fixture
def files(unique_name: str, existing_category: str) -> list[PlannedFile]:
    return files_using(
        unique_name,
        f"Batch {unique_name}",
        f"Batch {unique_name}: improve categories",  # the batch's backlog (the default name)
        f"Ship models {unique_name}",
        f"Unfiled {unique_name}",
        existing_category,
        "Uploaded with glamupload",
    )


def by_kind(planned: list[pages.PlannedPage]) -> dict[str, pages.PlannedPage]:
    return {page.kind: page for page in planned}


def revision_counts(wiki: Wiki, titles: list[str]) -> dict[str, int]:
    counts = {}
    for title in titles:
        reply = wiki.api("query", titles=title, prop="revisions", rvprop="ids", rvlimit="max")
        page = next(iter(reply["query"]["pages"].values()))
        counts[title] = len(page.get("revisions", []))
    return counts


def links(text: str) -> list[str]:
    return [str(link.title) for link in mwparserfromhell.parse(text).filter_wikilinks()]


def templates(text: str) -> list[str]:
    return [str(t.name).strip() for t in mwparserfromhell.parse(text).filter_templates()]


def test_creates_every_page_type(
    uploader: Wiki, batch: BatchConfig, files: list[PlannedFile], unique_name: str
) -> None:
    planned = pages.plan_pages(batch, uploader, files=files)
    kinds = by_kind(planned)
    assert set(kinds) == {
        "institution",
        "institution-category",
        "collection-category",
        "contributed-category",
        "tracking-category",
        "needs-categories",
        "tool-category",
        "category",
    }
    manual = [page for page in planned if page.status == "manual"]
    assert [page.title for page in manual] == [f"Category:Unfiled {unique_name}"]
    # the tool category is every batch's: another test of this session may have created it already
    tool = kinds["tool-category"]
    assert tool.title == "Category:Uploaded with glamupload" and tool.status in ("create", "unchanged")
    batch_own = [page for page in planned if page not in manual and page is not tool]
    assert {page.status for page in batch_own} == {"create"}

    result = pages.apply_pages(planned, uploader, batch_id=batch.batch_id)
    assert {page.title: page.outcome for page in result if page is not tool} == {
        page.title: "manual" if page in manual else "created" for page in planned if page is not tool
    }
    on_wiki = uploader.page_revisions([page.title for page in planned])
    assert on_wiki[f"Category:Unfiled {unique_name}"] is None
    museum = f"Museum {unique_name}"

    institution = on_wiki[f"Institution:{museum}"]
    assert institution is not None and institution["user"] == "Uploader"
    # glamupload's mark, and the batch id every edit of the batch carries (#15)
    assert institution["comment"].startswith(pages.SUMMARY_PREFIX)
    assert institution["comment"].endswith(f" [batch {batch.batch_id}]")
    calls = mwparserfromhell.parse(institution["text"]).filter_templates()
    assert [str(c.name).strip() for c in calls] == ["Institution"]
    params = {str(p.name).strip(): str(p.value).strip() for p in calls[0].params}
    assert params == {
        "Wikidata": "Q190804",
        "Name": museum,
        "Location": "Stockholm",
        "Website": "https://example.org/collection?id&#61;1",
        "Homecat": museum,
        "Linkback": f"Institution:{museum}",
    }

    home = on_wiki[f"Category:{museum}"]["text"]
    assert templates(home) == [f"Institution:{museum}"]
    assert links(home) == ["Category:Museums in Sweden"]
    collection = on_wiki[f"Category:Paintings in Museum {unique_name}"]["text"]
    assert templates(collection) == [f"Institution:{museum}"] and links(collection) == [f"Category:{museum}"]
    contributed = on_wiki[f"Category:Media contributed by {museum}"]["text"]
    assert templates(contributed) == ["Hiddencat"]
    assert links(contributed) == [f"Institution:{museum}", f"Category:{museum}"]
    tracking = on_wiki[f"Category:Batch {unique_name}"]["text"]
    assert templates(tracking) == ["Hiddencat"]
    assert links(tracking) == [f"Institution:{museum}", f"Category:Media contributed by {museum}"]
    assert links(on_wiki[f"Category:Ship models {unique_name}"]["text"]) == ["Category:Ship models"]
    # the backlog is visible (no Hiddencat) and filed under the batch's tracking category
    backlog = on_wiki[f"Category:Batch {unique_name}: improve categories"]["text"]
    assert templates(backlog) == [] and links(backlog)[-1] == f"Category:Batch {unique_name}"
    # the tool category is hidden, under Files by upload tool
    tool_page = on_wiki["Category:Uploaded with glamupload"]["text"]
    assert templates(tool_page) == ["Hiddencat"] and links(tool_page) == ["Category:Files by upload tool"]


def test_second_run_makes_no_edit(uploader: Wiki, batch: BatchConfig, files: list[PlannedFile]) -> None:
    first = pages.apply_pages(pages.plan_pages(batch, uploader, files=files), uploader, update=True)
    titles = [page.title for page in first]
    before = revision_counts(uploader, titles)
    second = pages.apply_pages(pages.plan_pages(batch, uploader, files=files), uploader, update=True)
    assert {page.outcome for page in second} == {"unchanged", "manual"}
    assert revision_counts(uploader, titles) == before
    assert sum(before.values()) == len(titles) - 1  # one page each, the manual category none


def test_page_edited_by_someone_else_is_never_overwritten(
    uploader: Wiki, admin: Wiki, batch: BatchConfig, files: list[PlannedFile], unique_name: str
) -> None:
    pages.apply_pages(pages.plan_pages(batch, uploader, files=files), uploader)
    title = f"Institution:Museum {unique_name}"
    human_text = "{{Institution|wikidata=Q190804}}\n<!-- checked by a curator -->"
    admin.edit(title, human_text, "curator's version")

    replanned = {page.title: page for page in pages.plan_pages(batch, uploader, files=files)}
    blocked = replanned[title]
    assert blocked.status == "blocked"
    assert blocked.editor == "Admin"
    assert "-<!-- checked by a curator -->" in blocked.diff and "+ |Name = Museum" in blocked.diff

    result = {page.title: page for page in pages.apply_pages(replanned.values(), uploader, update=True)}
    assert result[title].outcome == "blocked"
    assert uploader.page_revisions([title])[title]["text"] == human_text


def test_dry_run_classifies_create_unchanged_update_blocked(
    tmp_path: Path, uploader: Wiki, admin: Wiki, unique_name: str
) -> None:
    path = write_batch(tmp_path, unique_name)
    no_files: list[PlannedFile] = []
    pages.apply_pages(pages.plan_pages(load_proposed(path), uploader, files=no_files), uploader)
    museum = f"Museum {unique_name}"
    written = uploader.page_revisions([f"Institution:{museum}"])[f"Institution:{museum}"]
    admin.edit(f"Category:{museum}", "a curator's text", "curated")
    # the config changes: the institution page's text changes, and a new collection appears
    write_batch(tmp_path, unique_name, location="Göteborg")
    text = path.read_text().replace("collections: [", f"collections: [Maps in {museum}, ")
    path.write_text(text)
    batch = load_proposed(path)

    dry = {page.title: page for page in pages.plan_pages(batch, uploader, files=no_files)}
    assert {title: page.status for title, page in dry.items()} == {
        f"Institution:{museum}": "update",
        f"Category:{museum}": "blocked",
        f"Category:Maps in {museum}": "create",
        f"Category:Paintings in {museum}": "unchanged",
        f"Category:Media contributed by {museum}": "unchanged",
        f"Category:Batch {unique_name}": "unchanged",
        "Category:Uploaded with glamupload": "unchanged",
    }
    assert "- |Location = Stockholm\n+ |Location = Göteborg" in dry[f"Institution:{museum}"].diff
    assert dry[f"Category:{museum}"].editor == "Admin"
    assert (
        uploader.page_revisions([f"Institution:{museum}"])[f"Institution:{museum}"] == written
    )  # wrote nothing

    kept = {page.title: page.outcome for page in pages.apply_pages(dry.values(), uploader)}
    assert kept[f"Institution:{museum}"] == "skipped" and kept[f"Category:Maps in {museum}"] == "created"
    updated = {page.title: page.outcome for page in pages.apply_pages(dry.values(), uploader, update=True)}
    assert updated[f"Institution:{museum}"] == "updated" and updated[f"Category:{museum}"] == "blocked"
    assert (
        "|Location = Göteborg"
        in uploader.page_revisions([f"Institution:{museum}"])[f"Institution:{museum}"]["text"]
    )


def test_writes_are_guarded_against_edits_made_meanwhile(
    uploader: Wiki, admin: Wiki, batch: BatchConfig, unique_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    institution = by_kind(pages.plan_pages(batch, uploader, files=[]))["institution"]
    pages.apply_pages([institution], uploader)
    assert batch.model.institution is not None
    changed = batch.model.model_copy(
        update={"institution": batch.model.institution.model_copy(update={"location": "Karlskrona"})}
    )
    newer = by_kind(pages.plan_pages(BatchConfig(batch.path, changed, batch.located), uploader, files=[]))
    targets = [newer["institution"], newer["institution-category"]]
    seen = uploader.page_revisions([page.title for page in targets])  # glamupload reads the wiki ...
    admin.edit(targets[0].title, "edited meanwhile", "curator")  # ... someone edits before it writes ...
    admin.edit(targets[1].title, "created meanwhile", "curator")
    real_read = uploader.page_revisions
    stale_reads = iter([lambda titles: {t: seen[t] for t in titles}])  # apply's first read is the stale one
    monkeypatch.setattr(uploader, "page_revisions", lambda titles: next(stale_reads, real_read)(titles))
    result = pages.apply_pages(targets, uploader, update=True)
    assert [page.outcome for page in result] == ["blocked", "blocked"]  # ... and the wiki refused both writes
    assert [page.error.split(":")[0] for page in result] == ["editconflict", "articleexists"]
    assert [page.editor for page in result] == ["Admin", "Admin"]
    assert "-edited meanwhile" in result[0].diff and "-created meanwhile" in result[1].diff
    monkeypatch.undo()
    current = uploader.page_revisions([page.title for page in result])
    assert [current[page.title]["text"] for page in result] == ["edited meanwhile", "created meanwhile"]


def test_existence_is_checked_fifty_titles_per_request(
    uploader: Wiki, admin: Wiki, unique_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = [f"Check {unique_name} {i}" for i in range(120)]
    for name in names[:3]:
        admin.edit(f"Category:{name}", "[[Category:Checks]]", "setup")
    calls = []
    real = uploader.api
    monkeypatch.setattr(uploader, "api", lambda *a, **k: calls.append(a) or real(*a, **k))
    status = pages.categories_status(names, uploader)
    assert status == {name: i < 3 for i, name in enumerate(names)}
    assert len(calls) == 3
    # keyed as given: spellings the wiki normalises, and names that cannot be titles
    odd = [names[0].replace(" ", "_"), names[0][0].lower() + names[0][1:], "Bad [[name"]
    assert pages.categories_status(odd, uploader) == dict(zip(odd, [True, True, False], strict=True))


def test_upload_warning_until_pages_exist(
    uploader: Wiki, admin: Wiki, batch: BatchConfig, files: list[PlannedFile], unique_name: str
) -> None:
    warning = pages.missing_pages_warning(batch, uploader, files=files)
    assert warning is not None
    assert f"Institution:Museum {unique_name}" in warning and f"Category:Unfiled {unique_name}" in warning
    assert "glamupload pages" in warning
    pages.apply_pages(pages.plan_pages(batch, uploader, files=files), uploader)
    warning = pages.missing_pages_warning(batch, uploader, files=files)
    assert warning is not None and f"Category:Unfiled {unique_name}" in warning
    assert f"Institution:Museum {unique_name}" not in warning
    admin.edit(f"Category:Unfiled {unique_name}", "[[Category:Museums in Sweden]]", "filed by hand")
    assert pages.missing_pages_warning(batch, uploader, files=files) is None


def test_values_cannot_inject_markup(tmp_path: Path, uploader: Wiki, unique_name: str) -> None:
    path = write_batch(
        tmp_path, unique_name, location="'Stockholm | Homecat=Spam [[Category:Spam]] {{Delete}}'"
    )
    planned = by_kind(pages.plan_pages(load_proposed(path), uploader, files=[]))
    text = planned["institution"].text
    assert text is not None
    calls = mwparserfromhell.parse(text).filter_templates()
    assert [str(c.name).strip() for c in calls] == ["Institution"]
    assert [str(p.name).strip() for p in calls[0].params].count("Homecat") == 1
    assert links(text) == []


def test_invalid_institution_name_is_a_config_error_naming_the_line(tmp_path: Path) -> None:
    path = write_batch(tmp_path, "x")
    path.write_text(path.read_text().replace("name: Museum x", "name: Museum [x]"))
    with pytest.raises(ConfigError, match=r"batch.yaml:6.*institution.name.*cannot be a page title"):
        pages.plan_pages(load_proposed(path), None, files=[])


def test_batch_templates_folder_overrides_a_page_template(tmp_path: Path, unique_name: str) -> None:
    path = write_batch(tmp_path, unique_name, extra="templates: my-templates\n")
    (tmp_path / "my-templates" / "pages").mkdir(parents=True)
    (tmp_path / "my-templates" / "pages" / "tracking-category.j2").write_text(
        "{{Hiddencat}}\nOur own words about << batch >>.\n"
    )
    planned = pages.plan_pages(
        load_proposed(path),
        None,
        files=files_using(unique_name, f"Ship models {unique_name}", f"Unfiled {unique_name}"),
    )
    kinds = by_kind(planned)
    assert kinds["tracking-category"].text == f"{{{{Hiddencat}}}}\nOur own words about {unique_name} batch."
    assert kinds["institution"].text is not None and kinds["institution"].text.startswith("{{Institution")
    # without a wiki nothing is known to be missing: only categories with configured parents are listed
    assert [page.title for page in planned if page.kind == "category"] == [
        f"Category:Ship models {unique_name}"
    ]
    assert {page.status for page in planned} == {None}


def test_batch_without_institution_plans_its_tracking_category_only(tmp_path: Path) -> None:
    path = write_batch(tmp_path, "x")
    text = path.read_text()
    start, end = text.index("institution:"), text.index("categories:")
    path.write_text(text[:start] + text[end:])
    planned = pages.plan_pages(load_proposed(path), None, files=[])
    assert [(page.kind, page.title) for page in planned] == [
        ("tracking-category", "Category:Batch x"),
        ("tool-category", "Category:Uploaded with glamupload"),
    ]
    assert planned[0].note.startswith("no parent category known")


institution_values = st.text(st.characters(codec="utf-8"), max_size=40)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(location=institution_values, native_name=institution_values, established=institution_values)
def test_any_institution_value_stays_inside_its_parameter(
    batch: BatchConfig, location: str, native_name: str, established: str
) -> None:
    assert batch.model.institution is not None
    values = {"location": location, "native_name": native_name, "established": established}
    model = batch.model.model_copy(update={"institution": batch.model.institution.model_copy(update=values)})
    planned = by_kind(pages.plan_pages(BatchConfig(batch.path, model, batch.located), None, files=[]))
    text = planned["institution"].text
    assert text is not None
    parsed = mwparserfromhell.parse(text)
    assert [str(t.name).strip() for t in parsed.filter_templates()] == ["Institution"]
    assert parsed.filter_wikilinks() == [] and all(str(tag.tag) == "br" for tag in parsed.filter_tags())
    given_params = {"Native name": native_name, "Location": location, "Established": established}
    names = [str(p.name).strip() for p in parsed.filter_templates()[0].params]
    assert names == [
        "Wikidata",
        "Name",
        *[name for name, value in given_params.items() if value],
        "Website",
        "Homecat",
        "Linkback",
    ]


@pytest.mark.parametrize("example", ["smm", "kenom"])
def test_example_batch_pages(example: str, uploader: Wiki, sandbox_wiki: sandbox.SandboxInfo) -> None:
    batch = load_batch(EXAMPLES / example / "batch.yaml")
    assert batch.model.institution is not None and batch.model.categories.tracking
    files = list(plan.plan_batch(batch))
    uses = pages.file_page_uses(files)
    planned = pages.plan_pages(batch, uploader, files=files)
    kinds = by_kind(planned)
    assert kinds["institution"].title == f"Institution:{batch.model.institution.name}"
    assert kinds["tracking-category"].title == f"Category:{batch.model.categories.tracking}"
    assert "{{Hiddencat}}" in (kinds["tracking-category"].text or "")
    # every page the files use is on the wiki or in the plan: created by glamupload or listed for a person
    structural = {page.title for page in planned if page.kind not in ("category", "transcluded")}
    exists = {
        f"Category:{name}"
        for name, found in pages.categories_status(uses.categories, uploader).items()
        if found
    } | {title for title, rev in uploader.page_revisions(uses.transcluded).items() if rev}
    used = {f"Category:{name}" for name in uses.categories} | set(uses.transcluded)
    assert {page.title for page in planned if page.status == "manual"} == used - exists - structural

    runner = CliRunner()
    args = [str(batch.path), "--sandbox-dir", sandbox_wiki.dir, "--json"]
    first = json.loads(runner.invoke(pages_command, args, catch_exceptions=False).stdout)
    assert all(page["outcome"] in ("created", "unchanged", "manual") for page in first["pages"])
    second = runner.invoke(pages_command, args, catch_exceptions=False)
    assert second.exit_code == 0
    expected = Counter("manual" if p["outcome"] == "manual" else "unchanged" for p in first["pages"])
    assert json.loads(second.stdout)["summary"] == dict(expected)


def test_pages_command_dry_run_then_create_then_blocked(
    tmp_path: Path, admin: Wiki, unique_name: str, sandbox_wiki: sandbox.SandboxInfo
) -> None:
    path = write_small_batch(tmp_path, unique_name)
    runner = CliRunner()
    args = [str(path), "--sandbox-dir", sandbox_wiki.dir]
    dry = runner.invoke(pages_command, [*args, "--dry-run"], catch_exceptions=False)
    assert dry.exit_code == 0 and dry.stdout == ""
    assert (
        f"create  Institution:Museum {unique_name}\n" in dry.stderr and "|Location = Göteborg" in dry.stderr
    )
    assert (
        runner.invoke(pages_command, [*args, "--dry-run"]).stderr == dry.stderr
    )  # the dry run wrote nothing

    created = runner.invoke(pages_command, args, catch_exceptions=False)
    assert f"created  Institution:Museum {unique_name}\n" in created.stderr
    admin.edit(f"Institution:Museum {unique_name}", "{{Institution|wikidata=Q1}}", "curator")
    blocked = runner.invoke(pages_command, [*args, "--update"], catch_exceptions=False)
    assert blocked.exit_code == 1
    assert f"blocked  Institution:Museum {unique_name}\n" in blocked.stderr
    assert "last edited by Admin" in blocked.stderr and "-{{Institution|wikidata=Q1}}" in blocked.stderr


def test_file_page_uses_reads_categories_and_transclusions() -> None:
    (file,) = files_using("x", "ship models", "Bad ]] name", "Ship_models")
    more = "\n|artist = {{Creator:Jacob Hägg}}\n{{Information field|value={{institution:Vasamuseet}}}}"
    files = [dataclasses.replace(file, wikitext=file.wikitext + more)]
    uses = pages.file_page_uses(files)
    assert uses.categories == ["Ship models"]  # normalised once; the invalid name is the record's error
    assert uses.transcluded == ["Institution:Museum x", "Creator:Jacob Hägg", "Institution:Vasamuseet"]


def test_parents_from_the_crosswalk_lookup_tables(tmp_path: Path, uploader: Wiki, unique_name: str) -> None:
    path = write_batch(tmp_path, unique_name, extra="limit: 5\nlookups: {keywords: keywords.csv}\n")
    (tmp_path / "keywords.csv").write_text(
        "value,category,parents\n"
        f"Fartygsporträtt,Ship portraits {unique_name},Ships in art {unique_name}; Portraits {unique_name}\n"
        f"Brigg,Brigs {unique_name},\n",
        encoding="utf-8",
    )
    planned = {page.title: page for page in pages.plan_pages(load_proposed(path), uploader)}
    portraits = planned[f"Category:Ship portraits {unique_name}"]
    assert (portraits.status, portraits.parents) == (
        "create",
        [f"Ships in art {unique_name}", f"Portraits {unique_name}"],
    )
    assert links(portraits.text or "") == [
        f"Category:Ships in art {unique_name}",
        f"Category:Portraits {unique_name}",
    ]
    assert planned[f"Category:Brigs {unique_name}"].status == "manual"


def test_invalid_parent_in_a_lookup_table_names_the_table(tmp_path: Path) -> None:
    path = write_batch(tmp_path, "x", extra="lookups: {keywords: keywords.csv}\n")
    (tmp_path / "keywords.csv").write_text("value,category,parents\nBrigg,Brigs,Ships {{of}} war\n")
    with pytest.raises(ConfigError, match=r"keywords.csv.*lookup table 'keywords'.*cannot be a page title"):
        pages.plan_pages(load_proposed(path), None, files=[])
