"""The sandbox's stand-ins for Commons' templates: made from glamupload's data, installed only on a sandbox,
rendered by the real sandbox wiki like Commons (infobox rows, machine-readable licence), and filing pages
with an unknown parameter or no licence into Commons' maintenance categories."""

from __future__ import annotations

import json
import re
from pathlib import Path

import mwparserfromhell
import pytest
import yaml
from conftest import REPO

from glamupload import maintenance, sandbox, standins
from glamupload.errors import SandboxError
from glamupload.wiki import Wiki
from glamupload.wikitext import load_template_catalogue


def _licence_table_tags() -> set[str]:
    text = (REPO / "mappings" / "licenses.yaml").read_text(encoding="utf-8")
    found = set()
    for raw in re.findall(r"\{\{[^{}]*(?:\{[a-z_]+\}[^{}]*)*\}\}", text):
        for template in mwparserfromhell.parse(re.sub(r"(?<!\{)\{[a-z_]+\}", "0", raw)).filter_templates():
            found.add(str(template.name).strip())
    return found


def test_every_catalogue_template_and_licence_tag_has_a_stand_in() -> None:
    pages = standins.stand_in_pages()
    catalogue = load_template_catalogue()
    for name in [*catalogue.file_page_templates, "Other date", "Size", "Information field", "Institution"]:
        assert f"Template:{name}" in pages, name
    assert {"Template:Creator", "Template:Sv", "Template:En", "Template:De", "MediaWiki:Common.css"} <= set(
        pages
    )
    tags = _licence_table_tags()
    assert {"cc-by-sa-3.0", "CC0", "PD-Art", "PD-old-auto-expired"} <= tags  # the table as shipped today
    for tag in tags:
        assert "Template:" + tag[0].upper() + tag[1:] in pages, tag
    # the Creative Commons ports the table accepts, through the licence engine's own rule
    assert "licensetpl_link" in pages["Template:Cc-by-sa-3.0-de"]
    assert "https://creativecommons.org/licenses/by-sa/3.0/de/" in pages["Template:Cc-by-sa-3.0-de"]
    # the crosswalks' own tags (smm.yaml's license rules)
    assert {"Template:PD-old-70", "Template:PD-Sweden-photo"} <= set(pages)


def test_new_tags_get_stand_ins_without_code() -> None:
    """Tags the licence table will grow (PD-1996, Licensed-PD-Art, …) and unknown ones need no new code."""
    extra = ["{{Licensed-PD-Art|PD-old-100-expired|Cc-zero}}", "{{PD-1996}}", "{{FAL|attribution=X}}"]
    pages = standins.stand_in_pages(extra)
    # MediaWiki's titles: the first letter is case-insensitive
    licences = {lic.name[0].upper() + lic.name[1:]: lic for lic in standins.licence_stand_ins(extra)}
    assert licences["Licensed-PD-Art"].kind == "wrapper"
    assert licences["PD-old-100-expired"].kind == licences["PD-1996"].kind == "pd"
    assert licences["FAL"].kind == licences["Cc-zero"].kind == "generic"
    assert "{{ {{{1|PD-old}}} |deathyear={{{deathyear|}}} }}" in pages["Template:Licensed-PD-Art"]
    assert "{{#if:{{{2|}}}|{{ {{{2}}} }}}}" in pages["Template:Licensed-PD-Art"]
    assert 'class="licensetpl_short glamupload-licence-name">FAL<' in pages["Template:FAL"]
    assert "Template:FAL" not in standins.stand_in_pages()


def test_stand_ins_name_commons_maintenance_categories() -> None:
    data = yaml.safe_load((REPO / "templates" / "sandbox" / "stand-ins.yaml").read_text(encoding="utf-8"))
    names = data["maintenance_categories"]
    assert names["no_license"] == "Files with no machine-readable license"  # CommonsMetadata's i18n
    pages = standins.stand_in_pages()
    assert (
        "[[Category:Pages using Complex date template with incorrect parameter|"
        in pages["Template:Other date"]
    )
    assert (
        "[[Category:Pages using Artwork template with incorrect parameter|_VALUE_]]"
        in pages["Template:Artwork"]
    )
    for title in ("Pages using Artwork template with incorrect parameter", names["no_license"]):
        assert pages[f"Category:{title}"].startswith("{{Hiddencat}}")


def _fake_sandbox(directory: Path, server: str = "http://127.0.0.1:8089", db: str = "sqlite") -> Path:
    """A folder laid out like a sandbox, for the guard only (it is never started)."""
    directory.mkdir()
    (directory / "credentials.json").write_text("{}")
    (directory / sandbox.SETTINGS_FILE).write_text(
        sandbox.SETTINGS_TEMPLATE.format(port=8089, dir=directory, extensions="").replace(
            '"http://127.0.0.1:8089"', f'"{server}"'
        )
    )
    (directory / "LocalSettings.php").write_text(
        f'<?php\n$wgDBtype = "{db}";\n$wgSQLiteDataDir = "{directory / "data"}";\n'
    )
    return directory


@pytest.mark.parametrize(
    ("server", "db", "reason"),
    [
        ("https://commons.wikimedia.org", "sqlite", "not served on 127.0.0.1"),
        ("http://127.0.0.1:8089", "mysql", "SQLite database in the folder"),
    ],
)
def test_install_refuses_any_other_wiki(tmp_path: Path, server: str, db: str, reason: str) -> None:
    directory = _fake_sandbox(tmp_path / "wiki", server, db)
    with pytest.raises(SandboxError, match=reason) as error:
        standins.install(directory)
    assert "refusing to install stand-ins" in str(error.value)
    assert not (directory / standins.STATE_FILE).exists() and not (directory / standins.PHP_FILE).exists()


def test_install_refuses_a_folder_glamupload_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "LocalSettings.php").write_text('<?php\n$wgDBtype = "sqlite";\n')
    with pytest.raises(SandboxError, match="not written by glamupload"):
        standins.install(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["LocalSettings.php"]


def test_the_fake_sandbox_is_otherwise_accepted(tmp_path: Path) -> None:
    """Guards the guard tests: the folder they build passes when only the server and database are right."""
    standins.require_sandbox(_fake_sandbox(tmp_path / "wiki"))


# --- on the real sandbox --------------------------------------------------------------------------------


def _exists(wiki: Wiki, titles: list[str]) -> dict[str, bool]:
    found: dict[str, bool] = {}
    for start in range(0, len(titles), 50):
        reply = wiki.api("query", titles="|".join(titles[start : start + 50]))["query"]
        names = {n["from"]: n["to"] for n in reply.get("normalized", [])}
        pages = {p["title"]: "missing" not in p for p in reply["pages"].values()}
        found.update({t: pages[names.get(t, t)] for t in titles[start : start + 50]})
    return found


def test_a_started_sandbox_has_every_stand_in(sandbox_wiki: sandbox.SandboxInfo, uploader: Wiki) -> None:
    titles = sorted(standins.stand_in_pages())
    exists = _exists(uploader, titles)
    assert [t for t, ok in exists.items() if not ok] == []
    state = json.loads((Path(sandbox_wiki.dir) / standins.STATE_FILE).read_text())
    assert set(titles) <= set(state["pages"])
    # a second start writes nothing
    assert standins.install(Path(sandbox_wiki.dir)).written == 0


def test_a_changed_stand_in_is_rewritten_and_only_it(
    sandbox_wiki: sandbox.SandboxInfo, uploader: Wiki
) -> None:
    directory = Path(sandbox_wiki.dir)
    state_path = directory / standins.STATE_FILE
    state = json.loads(state_path.read_text())
    state["pages"]["Template:Size"] = "0" * 40  # as if glamupload's Size stand-in had changed
    state_path.write_text(json.dumps(state))
    result = standins.install(directory, ["{{PD-USGov}}"])  # and a batch brought a new tag
    assert result.written == 2
    assert _exists(uploader, ["Template:PD-USGov"]) == {"Template:PD-USGov": True}
    revisions = uploader.page_revisions(["Template:Size"])["Template:Size"]
    assert revisions is not None and revisions["comment"] == standins.SUMMARY


def _render(wiki: Wiki, text: str, title: str = "File:Example standin.jpg") -> dict[str, object]:
    return dict(
        wiki.api(
            "parse", title=title, text=text, contentmodel="wikitext", prop="text|templates", formatversion=2
        )["parse"]
    )


SMM_PAGE = """=={{int:filedesc}}==
{{Photograph
|photographer = Carl Gösta Jackson
|title = {{sv|1=MODE}}
|description = {{sv|1=Fartyg i Stockholms ström}}
|date = {{Other date|circa|1927}}
|dimensions = {{Size|unit=mm|height=58|width=92}}
|medium = {{technique|paper}}
|source = Sjöhistoriska museet
}}

=={{int:license-header}}==
{{PD-Art|PD-old-auto-expired|deathyear=1890}}
{{cc-by-sa-3.0|1=Sjöhistoriska museet}}
"""


def test_a_file_page_renders_like_commons(uploader: Wiki) -> None:
    reply = _render(uploader, SMM_PAGE)
    html = str(reply["text"])
    missing = [t["title"] for t in reply["templates"] if not t["exists"]]  # type: ignore[attr-defined]
    assert missing == []
    assert 'class="fileinfotpl-type-photograph' in html
    for label, value in [("Photographer", "Carl Gösta Jackson"), ("Title", "MODE"), ("Date", "circa 1927")]:
        assert re.search(rf">{label}</td>\s*<td>(?:(?!</tr>).)*{value}", html, re.S), label
    assert '<span class="language sv" title="svenska"><b>svenska:</b></span> MODE' in html
    assert "height: 58 mm" in html and "paper" in html
    assert html.count('class="licensetpl&#95;short glamupload-licence-name">') == 2  # in PD-Art, and CC
    assert "Attribution: <span" in html and "Sjöhistoriska museet" in html
    assert "its author died in 1890" in html
    assert maintenance.rendered_findings(uploader, "File:Example standin.jpg", SMM_PAGE) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "{{Artwork|titel=Sjöstrid|artist=X|description=d|source=s}}{{CC0}}",
            [("incorrect-parameter", "Artwork", "titel")],
        ),
        (
            "{{Information|description=d|author=a|source=s|date={{Other date|ungefär|1900}}}}{{CC0}}",
            [("incorrect-parameter", "Complex date", "ungefär")],
        ),
        (
            "{{Information|description=d|author=a|source=s|date=1900}}{{Size|unit=cm|heigth=3}}{{CC0}}",
            [("incorrect-parameter", "Size", "heigth")],
        ),
        ("{{Information|description=d|author=a|source=s}}", [("no-license", None, None)]),
        (
            "{{Artwork|title=t|source=s}}{{PD-old-70}}",
            [("no-description", None, None), ("no-author", None, None)],
        ),
    ],
)
def test_pages_with_an_unknown_parameter_or_no_licence_are_found(
    uploader: Wiki, text: str, expected: list[tuple[str, str | None, str | None]]
) -> None:
    found = maintenance.rendered_findings(uploader, "File:Example standin.jpg", text)
    assert sorted((f.kind, f.template or "", f.parameter or "") for f in found) == sorted(
        (kind, template or "", parameter or "") for kind, template, parameter in expected
    )
    assert all(f.message.endswith(f"[[Category:{f.category}]]") for f in found)


def test_a_saved_page_with_a_misspelled_parameter_lands_in_the_category(
    uploader: Wiki, unique_name: str
) -> None:
    good, bad = f"File:{unique_name} good.jpg", f"File:{unique_name} bad.jpg"
    uploader.edit(good, SMM_PAGE, "test")
    uploader.edit(bad, SMM_PAGE.replace("|photographer =", "|fotograf ="), "test")
    found = maintenance.pages_in_maintenance(uploader, [good, bad])
    assert list(found) == [bad]
    kinds = {(f.kind, f.template, f.parameter) for f in found[bad]}
    assert ("incorrect-parameter", "Photograph", "fotograf") in kinds
    assert ("no-author", None, None) in kinds  # the photographer row is gone with the misspelling
    members = uploader.api(
        "query",
        list="categorymembers",
        cmtitle="Category:Pages using Photograph template with incorrect parameter",
    )["query"]["categorymembers"]
    assert bad in {m["title"] for m in members} and good not in {m["title"] for m in members}


def test_classify_reads_only_maintenance_categories() -> None:
    finding = maintenance.classify("Category:Pages_using_Art_Photo_template_with_incorrect_parameter", "x")
    assert finding == maintenance.MaintenanceFinding(
        "incorrect-parameter", "Pages using Art Photo template with incorrect parameter", "Art Photo", "x"
    )
    assert maintenance.classify("Files with no machine-readable source") == maintenance.MaintenanceFinding(
        "no-source", "Files with no machine-readable source"
    )
    assert maintenance.classify("Images from Sjöhistoriska museet") is None
