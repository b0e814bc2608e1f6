"""Stand-ins for Commons' templates on glamupload's sandbox wiki, so a rehearsal shows what Commons shows.

Commons renders a file page with hundreds of its own templates and Lua modules; a fresh MediaWiki has none
of them, so the sandbox showed red ``Template:Artwork`` links and no metadata. This module writes one page
for every template glamupload's pages use, from glamupload's own data:

* the file-page templates of the catalogue (``mappings/commons-templates.yaml``): a labelled table in the
  catalogue's parameter order with Commons' machine-readable field ids (``templates/sandbox/infobox.j2``);
* every licence tag the licence table (``mappings/licenses.yaml``, including the Creative Commons ports it
  accepts) and the shipped crosswalks can write, found in the data, so a new tag gets a stand-in without
  code; a tag of no known family gets a generic licence box (``licence.j2``);
* language templates, ``Other date``, ``Size`` (generated), ``Information field``, ``Institution``,
  ``Creator`` and a few helpers (hand-written, ``templates/sandbox/pages/``), the hidden maintenance
  categories, and ``MediaWiki:Common.css`` for Commons' look.

Like Commons, they file a page that uses an unknown parameter, or has no licence, into maintenance
categories (``templates/sandbox/stand-ins.yaml``); the sandbox-only MediaWiki extension in
``templates/sandbox/extension/`` does what Commons does with Lua and CommonsMetadata there. What the
stand-ins check, and what only Commons' own modules do, is in docs/sandbox.md.

``install`` writes them with MediaWiki's own ``importTextFiles.php``, only the pages that changed since the
last install, and only into a glamupload sandbox: any other folder is refused before anything is written.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import shutil
import tempfile
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import mwparserfromhell
import yaml
from pydantic import BaseModel, ConfigDict

from glamupload import licenses, resources, sandbox
from glamupload.errors import ConfigError, SandboxError
from glamupload.wikitext import TemplateCatalogue, Wikitext, load_template_catalogue, render_template

STANDINS_FILE = "sandbox/stand-ins.yaml"
PAGES_DIR = "sandbox/pages"
EXTENSION = "sandbox/extension/GlamuploadSandbox/extension.json"
STATE_FILE = "standins.json"
"""In the sandbox folder: the SHA-1 of every stand-in page as last installed."""
PHP_FILE = "glamupload-standins.php"
"""In the sandbox folder: loads the sandbox-only extension; required by the sandbox's settings."""
SUMMARY = "glamupload sandbox: stand-ins for Commons' templates"
LicenceKind = Literal["cc", "pd", "wrapper", "generic"]
#: A Python format placeholder in the licence table (``{death_year}``), not wikitext.
_PLACEHOLDER = re.compile(r"(?<!\{)\{[a-z_]+\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LicenceWrapper(_Strict):
    """A licence tag that shows other tags, named by its positional parameters (``{{PD-Art|PD-old}}``)."""

    wraps: tuple[int, ...]
    default: str
    text: str


AttributionProblem = Literal["no-license", "no-description", "no-author", "no-source"]
"""What a rendered file page can lack, as Commons' CommonsMetadata extension names it."""


class MaintenanceCategories(_Strict):
    """The maintenance categories' names, as on Commons (sources in stand-ins.yaml)."""

    incorrect_parameter: str
    no_license: str
    no_description: str
    no_author: str
    no_source: str

    def incorrect(self, template: str) -> str:
        """The category of pages that give ``template`` a parameter it does not know."""
        return self.incorrect_parameter.format(template=template)

    def attribution(self) -> dict[AttributionProblem, str]:
        """The category of file pages without each kind of machine-readable attribution metadata."""
        return {
            "no-license": self.no_license,
            "no-description": self.no_description,
            "no-author": self.no_author,
            "no-source": self.no_source,
        }


class StandInData(_Strict):
    """``templates/sandbox/stand-ins.yaml``."""

    maintenance_categories: MaintenanceCategories
    template_category_names: dict[str, str]
    field_ids: dict[str, str]
    row_parameters: tuple[str, ...]
    licence_wrappers: dict[str, LicenceWrapper]
    cc_elements: dict[str, str]
    languages: tuple[str, ...]
    rtl_languages: tuple[str, ...]

    def category_template(self, template: str) -> str:
        """The template name a maintenance category is named after (Other date's is Complex date's)."""
        return self.template_category_names.get(template, template)

    def wrapper(self, name: str) -> LicenceWrapper | None:
        """The wrapper tag called ``name`` (first letter in either case, as in MediaWiki)."""
        return {_template_title(n): w for n, w in self.licence_wrappers.items()}.get(_template_title(name))


@functools.cache
def load_data() -> StandInData:
    """The shipped stand-in data (read once)."""
    path = resources.templates_dir() / STANDINS_FILE
    try:
        return StandInData.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValueError) as error:
        raise ConfigError(f"cannot read the stand-in data: {error}", file=path) from error


@dataclass(frozen=True)
class Row:
    """One row of an infobox stand-in: the label, Commons' field id and the parameter's value."""

    label: Wikitext
    field_id: Wikitext | None
    value: Wikitext
    raw: bool = False


@dataclass(frozen=True)
class Licence:
    """What a licence tag's stand-in shows."""

    name: str
    kind: LicenceKind
    short: str = ""
    long: str = ""
    link: str = ""
    attribution: bool = False


# --- which pages ---------------------------------------------------------------------------------------


def stand_in_pages(extra_wikitext: Iterable[str] = ()) -> dict[str, str]:
    """Every stand-in page, ``{title: text}``; ``extra_wikitext`` adds the licence tags it uses (e.g. a
    batch's own crosswalk rules)."""
    data = load_data()
    catalogue = load_template_catalogue()
    pages: dict[str, str] = {}
    for spec_name in catalogue.file_page_templates:
        pages[_template_title(spec_name)] = _infobox(spec_name, catalogue, data)
    pages[_template_title("Other date")] = _render(
        "sandbox/other-date.j2",
        types=catalogue.other_date_types,
        category=data.maintenance_categories.incorrect(data.category_template("Other date")),
        note=_note("Other date"),
    )
    dimensions = catalogue.size_parameters[1:]
    pages[_template_title("Size")] = _render(
        "sandbox/size.j2",
        dimensions=dimensions,
        known=("1", "2", "3", "4", *catalogue.size_parameters),
        unknown=_unknown_message("Size", data),
        note=_note("Size"),
    )
    for code in data.languages:
        direction = "rtl" if code in data.rtl_languages else "ltr"
        pages[_template_title(code)] = _render(
            "sandbox/language.j2", code=code, dir=direction, note=_note(code)
        )
    pages.update(_hand_written_pages())
    for licence in licence_stand_ins(extra_wikitext, exclude=pages):
        pages[_template_title(licence.name)] = _licence_page(licence, data)
    for category, why in _maintenance_categories(catalogue, data):
        pages[f"Category:{category}"] = _render("sandbox/maintenance-category.j2", why=why, note=_note(None))
    return pages


def _template_title(name: str) -> str:
    return "Template:" + name[:1].upper() + name[1:]


def _hand_written_pages() -> dict[str, str]:
    """``templates/sandbox/pages/<Namespace>/<Title>[.wikitext]`` → ``{"<Namespace>:<Title>": text}``."""
    root = resources.templates_dir() / PAGES_DIR
    return {
        f"{path.parent.name}:{path.name.removesuffix('.wikitext')}": path.read_text(encoding="utf-8")
        for path in sorted(root.glob("*/*"))
        if path.is_file()
    }


def _render(template: str, **context: Any) -> str:
    return render_template(template, {key: _trusted(value) for key, value in context.items()}) + "\n"


def _trusted(value: Any) -> Any:
    """glamupload's own data, written into the stand-ins as markup (the catalogue's names are plain)."""
    if isinstance(value, str) and not isinstance(value, Wikitext):
        return Wikitext(value)
    if isinstance(value, tuple | list):
        return [_trusted(item) for item in value]
    return value


def _note(name: str | None) -> str:
    link = (
        f"Stand-in for Commons' [https://commons.wikimedia.org/wiki/Template:{name.replace(' ', '_')} "
        f"Template:{name}], installed by glamupload on its sandbox wiki only. "
        if name
        else "Installed by glamupload on its sandbox wiki only. "
    )
    return link + (
        "Generated from glamupload's data, and written again when glamupload's version changes. "
        "See docs/sandbox.md."
    )


def _unknown_message(template: str, data: StandInData) -> str:
    category = data.maintenance_categories.incorrect(data.category_template(template))
    return (
        f'<span class="error glamupload-unknown-parameter">Unknown parameter "_VALUE_" of '
        f"<nowiki>{{{{</nowiki>{template}<nowiki>}}}}</nowiki></span>[[Category:{category}|_VALUE_]]"
    )


def _infobox(name: str, catalogue: TemplateCatalogue, data: StandInData) -> str:
    spec = catalogue.file_page_templates[name]
    spellings: dict[str, list[str]] = {parameter: [parameter] for parameter in spec.parameters}
    for alias, target in spec.aliases.items():
        spellings[target].append(alias)
    rows = []
    for parameter in spec.parameters:
        value = "".join("{{{" + spelling + "|" for spelling in spellings[parameter]) + "}}}" * len(
            spellings[parameter]
        )
        label = parameter.replace("_", " ")
        rows.append(
            Row(
                label=Wikitext(label[:1].upper() + label[1:]),
                field_id=Wikitext(data.field_ids[parameter]) if parameter in data.field_ids else None,
                value=Wikitext(value),
                raw=parameter in data.row_parameters,
            )
        )
    return _render(
        "sandbox/infobox.j2",
        name=name,
        css_class="fileinfotpl-type-" + name.lower().replace(" ", "-"),
        rows=rows,
        known=[*spec.parameters, *spec.aliases],
        unknown=_unknown_message(name, data),
        note=_note(name),
    )


def _maintenance_categories(catalogue: TemplateCatalogue, data: StandInData) -> Iterator[tuple[str, str]]:
    names = data.maintenance_categories
    checked = [*catalogue.file_page_templates, "Size", data.category_template("Other date")]
    for template in checked:
        yield (
            names.incorrect(template),
            f"Pages that give <nowiki>{{{{</nowiki>{template}<nowiki>}}}}</nowiki> a parameter it does not "
            "know: a misspelling, or a parameter of another template. The sort key is the parameter.",
        )
    for problem, category in names.attribution().items():
        what = problem.removeprefix("no-").replace("license", "licence tag")
        yield (
            category,
            f"File pages whose rendered text has no machine-readable {what}, filed here as Commons' "
            "CommonsMetadata extension files them under the same name.",
        )


# --- licence tags -------------------------------------------------------------------------------------


def licence_stand_ins(extra_wikitext: Iterable[str] = (), exclude: Collection[str] = ()) -> list[Licence]:
    """A stand-in description for every licence tag glamupload's data (and ``extra_wikitext``) can write,
    leaving out the templates in ``exclude`` (titles of pages made otherwise, e.g. ``Art Photo``)."""
    data = load_data()
    known = _table_licences()
    names: dict[str, str] = {}
    for text in [*_shipped_licence_wikitext(), *extra_wikitext]:
        for name in _tag_names(text, data):
            names.setdefault(_template_title(name), name)
    for wrapper_name, wrapper in data.licence_wrappers.items():
        names.setdefault(_template_title(wrapper_name), wrapper_name)
        names.setdefault(_template_title(wrapper.default), wrapper.default)
    for title, licence in known.items():
        names.setdefault(title, licence.name)
    result = []
    for title, name in sorted(names.items()):
        if title in exclude or ":" in name or name.casefold() in data.languages:
            continue
        result.append(known.get(title) or _by_name(name, data))
    return result


def _by_name(name: str, data: StandInData) -> Licence:
    if data.wrapper(name):
        return Licence(name, "wrapper")
    if name.casefold().startswith("pd-"):
        return Licence(name, "pd", short="Public domain", long="Public domain")
    return Licence(name, "generic", short=name, long=f"the licence tag {name}")


def _shipped_licence_wikitext() -> Iterator[str]:
    """Every string of the licence table with a template in it, and every crosswalk's ``wikitext:``."""
    for path in sorted(resources.mappings_dir().glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        if path.name == "licenses.yaml":
            yield from (text for text in _strings(document) if "{{" in text)
            # the tags the engine knows by name (commons_tags): writes some, checks others beside them
            yield from ("{{" + str(tag["name"]) + "}}" for tag in document.get("commons_tags", []))
        else:
            yield from _wikitext_values(document)


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _wikitext_values(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "wikitext" and isinstance(value, str):
                yield value
            else:
                yield from _wikitext_values(value)
    elif isinstance(node, list):
        for value in node:
            yield from _wikitext_values(value)


def _tag_names(text: str, data: StandInData) -> Iterator[str]:
    """The templates a licence wikitext calls, and the tags a wrapper names in its positional parameters."""
    for template in mwparserfromhell.parse(_PLACEHOLDER.sub("0", text)).filter_templates():
        name = str(template.name).strip()
        if not name or "{" in name:
            continue
        yield name
        wrapper = data.wrapper(name)
        for position in wrapper.wraps if wrapper else ():
            if template.has(str(position)):
                wrapped = str(template.get(str(position)).value).strip()
                if wrapped and not set(wrapped) & set("{}[]|=<"):
                    yield wrapped


def _table_licences() -> dict[str, Licence]:
    """The licence table's accepted Creative Commons tags and their ports, with their deeds' links."""
    table = licenses.load_table()
    data = load_data()
    found: dict[str, Licence] = {}
    for entry in table.licenses:
        if entry.verdict != "accept" or not entry.uri:
            continue
        ports: list[str | None] = [None, *table.cc_ports.get(entry.uri.rsplit("/", 1)[-1], ())]
        for port in ports:
            # The table's own rule for a ported tag (cc-by-sa-3.0-de), asked through recognise().
            url = f"https://creativecommons.org/{entry.uri}/" + (f"{port}/" if port else "")
            for match in licenses.recognise(url, table):
                if match.entry.id != entry.id or match.port != port or match.entry.verdict != "accept":
                    continue  # e.g. "public domain" read in the CC0 deed's URL
                licence = functools.partial(
                    _cc_licence, uri=entry.uri, port=port, attribution=entry.attribution
                )
                for name in _tag_names(match.entry.wikitext, data):
                    found.setdefault(_template_title(name), licence(name, data=data))
    return found


def _cc_licence(name: str, uri: str, port: str | None, attribution: bool, data: StandInData) -> Licence:
    parts = uri.split("/")  # licenses/by-sa/3.0, publicdomain/zero/1.0
    version = parts[-1]
    if parts[0] == "publicdomain":
        short = long = f"CC0 {version}" if parts[1] == "zero" else f"CC {parts[1]} {version}"
    else:
        elements = parts[1].split("-")
        short = f"CC {parts[1].upper()} {version}"
        long = "Creative Commons " + "-".join(data.cc_elements.get(e, e) for e in elements) + f" {version}"
    if port:
        short, long = f"{short} {port.upper()}", f"{long} ({port})"
    link = f"https://creativecommons.org/{uri}/" + (f"{port}/" if port else "")
    return Licence(name, "cc", short=short, long=long, link=link, attribution=attribution)


def _licence_page(licence: Licence, data: StandInData) -> str:
    wrapper = data.wrapper(licence.name)
    texts = {
        "cc": "",
        "pd": "The work is in the public domain{{#if:{{{deathyear|}}}|; its author died in "
        "{{{deathyear}}}}}. On Commons this tag states the reason and the countries where it holds.",
        "generic": "glamupload has no description of this tag; on Commons it shows the licence's terms.",
        "wrapper": wrapper.text if wrapper else "",
    }
    wrapped = _wrapped_tags(wrapper) if wrapper else []
    return _render(
        "sandbox/licence.j2",
        name=licence.name,
        kind=licence.kind,
        short=licence.short,
        long=licence.long,
        link=licence.link,
        attribution=licence.attribution,
        text=texts[licence.kind],
        wrapped=wrapped,
        note=_note(licence.name),
    )


def _wrapped_tags(wrapper: LicenceWrapper) -> list[str]:
    """Transclusions of the tags a wrapper names: the first with Commons' default, later ones (the
    photograph's licence) only when given."""
    first, *others = wrapper.wraps
    return [
        "{{ {{{" + str(first) + "|" + wrapper.default + "}}} |deathyear={{{deathyear|}}} }}",
        *("{{#if:{{{" + str(n) + "|}}}|{{ {{{" + str(n) + "}}} }}}}" for n in others),
    ]


# --- installing -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstallResult:
    """How many stand-in pages the sandbox has, and how many this install wrote (0: nothing changed)."""

    pages: int
    written: int


def install(directory: Path, extra_wikitext: Iterable[str] = (), *, fresh: bool = False) -> InstallResult:
    """Write the stand-ins that changed since the last install into the sandbox in ``directory``.

    The pages that use a changed stand-in are rendered again before this returns (MediaWiki's jobs), so
    their maintenance categories are right at once; ``fresh`` (a wiki just created, where no page uses
    them yet) skips that work. Refuses (SandboxError, nothing written) unless ``directory`` is a glamupload
    sandbox: its settings were written by glamupload, its wiki is a SQLite database in the folder and it
    is served on 127.0.0.1.
    """
    directory = directory.resolve()
    require_sandbox(directory)
    _write_extension_settings(directory)
    pages = stand_in_pages(extra_wikitext)
    digests = {title: hashlib.sha1(text.encode()).hexdigest() for title, text in pages.items()}
    state_path = directory / STATE_FILE
    try:
        installed: dict[str, str] = json.loads(state_path.read_text())["pages"]
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        installed = {}
    changed = {title: text for title, text in pages.items() if installed.get(title) != digests[title]}
    if changed:
        _import(directory, changed, fresh)
        installed.update({title: digests[title] for title in changed})
        state_path.write_text(json.dumps({"pages": installed}, indent=1, sort_keys=True))
    return InstallResult(pages=len(pages), written=len(changed))


def require_sandbox(directory: Path) -> None:
    """The guard: the stand-ins, and the extension that goes with them, are for glamupload's sandbox only."""
    settings = directory / sandbox.SETTINGS_FILE
    local = directory / "LocalSettings.php"
    settings_text = settings.read_text() if settings.is_file() else ""
    local_text = local.read_text() if local.is_file() else ""
    reasons = []
    if not (directory / "credentials.json").is_file():
        reasons.append("it has no sandbox credentials")
    if not settings_text.startswith(sandbox.SETTINGS_MARKER):
        reasons.append(f"its {sandbox.SETTINGS_FILE} was not written by glamupload")
    elif not re.search(r'^\$wgServer = "http://127\.0\.0\.1:\d+";$', settings_text, re.M):
        reasons.append("its wiki is not served on 127.0.0.1")
    database = f'$wgSQLiteDataDir = "{directory / "data"}";'
    if '$wgDBtype = "sqlite";' not in local_text or database not in local_text:
        reasons.append("its LocalSettings.php does not keep the wiki in a SQLite database in the folder")
    if reasons:
        raise SandboxError(
            "refusing to install stand-ins for Commons' templates: this is not a glamupload sandbox ("
            + "; ".join(reasons)
            + ")",
            file=directory,
            hint="they are installed only on the sandbox that `glamupload sandbox start` creates",
        )


def _import(directory: Path, pages: Mapping[str, str], fresh: bool) -> None:
    """One importTextFiles.php run (a file per page, named by its title, which it reads back), then the
    jobs it queued."""
    folder = Path(tempfile.mkdtemp(prefix="standins-", dir=directory / "tmp"))
    try:
        files = []
        for title, text in sorted(pages.items()):
            if "/" in title:
                raise ConfigError(f"a stand-in title cannot contain '/': {title!r}")
            path = folder / f"{title}.txt"
            path.write_text(text, encoding="utf-8")
            files.append(str(path))
        script = ("importTextFiles.php", "--overwrite", "--bot", "--summary", SUMMARY, *files)
        sandbox.maintenance_script(directory, *script, discard_jobs=fresh)
        if not fresh:
            sandbox.maintenance_script(directory, "runJobs.php")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _php_string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _write_extension_settings(directory: Path) -> None:
    categories = ", ".join(
        f"{_php_string(problem)} => {_php_string(name)}"
        for problem, name in load_data().maintenance_categories.attribution().items()
    )
    extension = _php_string(str(resources.templates_dir() / EXTENSION))
    text = (
        "<?php\n# Written by glamupload at every `sandbox start` (glamupload.standins): the sandbox-only\n"
        "# extension behind the stand-ins for Commons' templates. Never load it on another wiki.\n"
        f"wfLoadExtension( 'GlamuploadSandbox', {extension} );\n"
        f"$wgGlamuploadSandboxMaintenanceCategories = [ {categories} ];\n"
    )
    path = directory / PHP_FILE
    if not path.is_file() or path.read_text() != text:
        path.write_text(text)
