"""``glamupload init``: start a batch from an export, with a crosswalk that uses the export's own names.

A new user's first dry run should need no hand-written YAML: the export (any format and shape the readers
take) is read once for its shape and a sample of records; each field is scored for the roles a file page
needs (identifier, title, creator, date, description, rights, image, ...) by its name and by sniffing its
values (dates, URLs, licence-like values, file names that exist); the best field per role becomes a
suggested mapping, commented with why, and every other field is listed as a comment with an example value.
The words and the role → parameter table are data: mappings/init-suggestions.yaml.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import islice
from pathlib import Path
from typing import Any

import yaml

from glamupload import licenses
from glamupload.atomic import write_atomically
from glamupload.errors import ConfigError, InputError, LocalFileError
from glamupload.readers import ExportShape, Reader, open_export
from glamupload.readers.folder import export_base
from glamupload.readers.tabular import CsvReader
from glamupload.resources import mappings_dir
from glamupload.transforms import as_values, parse_date
from glamupload.wikitext import load_template_catalogue

SAMPLE = 200
TEMPLATES = ("Artwork", "Photograph", "Information")
_IMAGE_SUFFIX = re.compile(r"\.(jpe?g|png|tiff?|gif|webp|jp2)$|/iiif/|/full/", re.IGNORECASE)
_CANDIDATE_FOLDERS = ("", "images", "bilder", "img", "media")
_CANDIDATE_SUFFIXES = ("", ".jpg", ".jpeg", ".png", ".tif", ".tiff")


@dataclass(frozen=True)
class Suggestion:
    """One field suggested for one role, with the reasons (shown as a comment in the crosswalk)."""

    role: str
    field: str
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ImageSource:
    """Where the images are: ``kind`` path/url/iiif, the value for it, and ``each`` for lists of objects."""

    kind: str
    value: str
    each: str | None
    reason: str
    field: str
    keep: bool = False  # the field also holds other URLs: keep only those of images


@dataclass
class Scaffold:
    """What ``init`` wrote and found, for the command to print."""

    batch_file: Path
    crosswalk_file: Path
    suggestions: dict[str, Suggestion]
    image: ImageSource | None
    fields: list[str]
    next_commands: list[str] = field(default_factory=list)


@cache
def _table() -> dict[str, Any]:
    with (mappings_dir() / "init-suggestions.yaml").open(encoding="utf-8") as fh:
        return dict(yaml.safe_load(fh)["roles"])


def _normal(name: str) -> str:
    return re.sub(r"[\s_\-]+", " ", name.casefold()).strip()


def _name_score(name: str, words: Iterable[str]) -> float:
    """3 for an exact name (also the last part of a path), 1.5 when the name contains one of the words."""
    full, last = _normal(name), _normal(re.split(r"[.\]]", name)[-1] or name)
    normals = [_normal(w) for w in words]
    if full in normals or last in normals:
        return 3.0
    return 1.5 if any(len(w) > 3 and re.search(rf"\b{re.escape(w)}\b", full) for w in normals) else 0.0


def _fraction(values: Sequence[Any], test: Any) -> float:
    return sum(1 for v in values if test(v)) / len(values) if values else 0.0


def _is_license(value: str) -> bool:
    return licenses.judge_value(value, licenses.Facts()).license_id is not None


class _Sniffer:
    """Sampled values per field, and the tests a role's ``sniff`` names."""

    def __init__(self, reader: Reader, shape: ExportShape) -> None:
        self.base = export_base(reader.path)
        self.records = [r for r in islice(reader, SAMPLE) if r.problem is None]
        self.values = {
            name: [v.strip() for r in self.records for v in as_values(r.get(name)) if v.strip()]
            for name in shape.fields
        }

    def present(self, name: str) -> float:
        """The share of sampled records that have a value in ``name``."""
        if not self.records:
            return 0.0
        return sum(1 for r in self.records if as_values(r.get(name))) / len(self.records)

    def existing_file(self, value: str) -> str | None:
        """The path pattern (``images/${}.jpg``) under which a value names a file beside the export."""
        for folder in _CANDIDATE_FOLDERS:
            for suffix in _CANDIDATE_SUFFIXES:
                relative = f"{folder}/{value}{suffix}" if folder else f"{value}{suffix}"
                if "/.." not in "/" + relative and (self.base / relative).is_file():
                    return f"{folder}/${{}}{suffix}" if folder else f"${{}}{suffix}"
        return None

    def score(self, name: str, sniff: str) -> tuple[float, str | None]:
        values = self.values.get(name, [])[:SAMPLE]
        if not values:
            return 0.0, None
        if sniff == "date":
            share = _fraction(values, lambda v: parse_date(v) is not None)
            return (
                (2.5 * share, f"{share:.0%} of sampled values read as dates") if share >= 0.5 else (0.0, None)
            )
        if sniff == "license":  # per record: a LIDO rights value lists "Urheberrecht" beside the licence
            statements = [[v.strip() for v in as_values(r.get(name)) if v.strip()] for r in self.records]
            share = _fraction([s for s in statements if s][:40], lambda found: any(map(_is_license, found)))
            return (
                (3.0 * share, f"{share:.0%} of sampled values are licences") if share >= 0.5 else (0.0, None)
            )
        if sniff == "unique":
            distinct = len(set(values)) == len(values) and self.present(name) >= 0.95
            if not distinct:
                return -1.0, None
            urls = any("://" in v for v in values)  # a link is rarely the identifier a curator uses
            return (0.5 if urls else 1.5), "every sampled record has a different value"
        if sniff == "long":
            mean = sum(len(v) for v in values) / len(values)
            return (1.0, "long texts") if mean > 60 else (0.0, None)
        if sniff == "text":
            share = _fraction(values, lambda v: any(c.isalpha() for c in v) and "://" not in v)
            return (0.5, None) if share >= 0.8 else (-1.0, None)
        return 0.0, None


def suggest(reader: Reader) -> tuple[dict[str, Suggestion], ImageSource | None, _Sniffer]:
    """The best field per role (each field used once), and where the images are."""
    shape = reader.shape.whole()
    sniffer = _Sniffer(reader, shape)
    candidates: list[Suggestion] = []
    for role, spec in _table().items():
        if role == "image":
            continue
        for name in shape.fields:
            if _name_score(name, spec.get("not", ())):
                continue  # "maker.born" reads as a date, and is none of the work's
            by_name = _name_score(name, spec["names"])
            if spec.get("named") and not by_name:
                continue
            by_value, why = sniffer.score(name, spec["sniff"])
            total = by_name + by_value
            if total >= 2.0 and sniffer.present(name) > 0:
                reasons = (("its name" if by_name else ""), why or "")
                candidates.append(Suggestion(role, name, total, tuple(r for r in reasons if r)))
    chosen: dict[str, Suggestion] = {}
    used: set[str] = set()
    for candidate in sorted(candidates, key=lambda c: -c.score):
        if candidate.role not in chosen and candidate.field not in used:
            chosen[candidate.role] = candidate
            used.add(candidate.field)
    return chosen, _image_source(shape, sniffer, used), sniffer


def _image_source(shape: ExportShape, sniffer: _Sniffer, used: set[str]) -> ImageSource | None:
    """Image URLs (also inside a list of objects: ``each``), else values that name files beside the export."""
    words = _table()["image"]["names"]
    best: tuple[float, ImageSource] | None = None
    for name in shape.fields:
        values = sniffer.values.get(name, [])
        if not values or name in used:
            continue
        # a licence's address is a URL too (creativecommons.org/…): never the image
        urls = _fraction(values, lambda v: v.startswith(("http://", "https://")) and not _is_license(v))
        images = _fraction(values, lambda v: bool(_IMAGE_SUFFIX.search(v)))
        score = _name_score(name, words) + 3 * urls + 2 * images
        source: ImageSource | None = None
        if urls >= 0.8 and (images >= 0.3 or _name_score(name, words)):
            kind = "iiif" if "iiif" in name.casefold() or any("/iiif/" in v for v in values[:20]) else "url"
            each, value = _each(shape, name)
            reason = f"{urls:.0%} of sampled values are URLs, {images:.0%} of images"
            source = ImageSource(kind, value, each, reason, name, keep=0.3 <= images < 1)
        elif (pattern := sniffer.existing_file(values[0])) is not None:
            each, value = _each(shape, name)
            path = pattern.replace("${}", "${" + value + "}")
            source = ImageSource("path", path, each, f"{values[0]!r} names a file: {path}", name)
            score += 3
        if source is not None and (best is None or score > best[0]):
            best = (score, source)
    return best[1] if best else None


def _each(shape: ExportShape, name: str) -> tuple[str | None, str]:
    """``images[].image_url`` → ``("images", "image.image_url")``: one file per element of the list."""
    head, sep, key = name.rpartition("[].")
    if sep and shape.holds_objects(head):
        return head, f"image.{key}"
    return None, name


# --- writing -------------------------------------------------------------------------------------------


#: Line breaks to YAML that JSON leaves as they are (NEL, LINE and PARAGRAPH SEPARATOR): in a comment
#: they ended it, and the rest of the name was read as a key.
_YAML_BREAKS = {0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def _q(text: str) -> str:
    """A YAML scalar (JSON strings are YAML): safe for names with colons, brackets, quotes and breaks."""
    return json.dumps(text, ensure_ascii=False).translate(_YAML_BREAKS)


def _example(sniffer: _Sniffer, name: str) -> str:
    values = sniffer.values.get(name) or [""]
    text = " ".join(values[0].split())
    return text if len(text) <= 60 else text[:57] + "..."


def _source(field_name: str, transforms: list[Any]) -> str:
    steps = ", ".join(t if isinstance(t, str) else json.dumps(t, ensure_ascii=False) for t in transforms)
    return f"{{field: {_q(field_name)}" + (f", transforms: [{steps}]" if steps else "") + "}"


def crosswalk_text(
    template: str,
    suggestions: dict[str, Suggestion],
    image: ImageSource | None,
    sniffer: _Sniffer,
    fields: list[str],
    export: Path,
) -> str:
    """The commented crosswalk: suggested mappings first, every other field as a comment."""
    parameters = set(load_template_catalogue().file_page_templates[template].parameters)
    table = _table()
    ident = suggestions.get("identifier")
    title = suggestions.get("title")
    lines = [
        f"# Crosswalk made by `glamupload init` from {export.name} — CHECK every suggestion (reference:",
        "# docs/crosswalks.md). Each suggestion says why it was made; the export's other fields are listed",
        "# at the end, with an example value, to copy into a parameter.",
        f"description: {_q('Made by glamupload init from ' + export.name)}",
        f"record_id: {_q(ident.field if ident else fields[0])}"
        + ("" if ident else "  # CHECK: no identifier found; the first field"),
        f"template: {template}",
        "params:",
    ]
    used = {s.field for s in suggestions.values()} | ({image.field} if image else set())
    for role, suggestion in suggestions.items():
        param = table[role].get("params", {}).get(template)
        if role in ("rights",) or param is None or param not in parameters:
            continue
        why = ", ".join(suggestion.reasons)
        lines.append(
            f"  # {role}: {_q(suggestion.field)} ({why}); e.g. {_q(_example(sniffer, suggestion.field))}"
        )
        lines.append(f"  {param}: {_source(suggestion.field, table[role].get('transforms', []))}")
    lines.append(
        "  # institution: {batch: institution.name, transforms: [{page: Institution}]}  # set institution"
    )
    if not any(
        line.startswith("  ") and not line.startswith("  #") for line in lines[lines.index("params:") :]
    ):
        lines[lines.index("params:")] = "params: {}  # CHECK: no field matched a parameter"
    lines += _rights_lines(suggestions.get("rights"), image)
    lines += _facts_lines(suggestions.get("date"), suggestions.get("death_year"), template)
    lines += _image_lines(image, ident.field if ident else fields[0])
    lines += [
        "categories:",
        "  # the batch file's categories.tracking is added to every file; add per-record ones here",
        "  fixed: []",
        "filename:",
    ]
    if title:
        lines.append('  pattern: "{title} - {id}"')
        lines.append(f"  parts: {{title: {_q(title.field)}, id: {_q(ident.field if ident else fields[0])}}}")
    else:
        lines.append('  pattern: "{id}"  # CHECK: no title found; a descriptive part makes better names')
        lines.append(f"  parts: {{id: {_q(ident.field if ident else fields[0])}}}")
    lines += ["  protected: [id]", "", "# The export's other fields (name: an example value):"]
    for name in (name for name in fields if name not in used):
        example = _example(sniffer, name)
        lines.append(f"#   {_q(name)}" + (f": {_q(example)}" if example else ""))
    return "\n".join(lines) + "\n"


def _rights_lines(rights: Suggestion | None, image: ImageSource | None) -> list[str]:
    if rights is None:
        return [
            "rights:  # CHECK: no licence-like field found; without one every file is rejected",
        ]
    field_name = rights.field
    if image and image.each and field_name.startswith(image.each + "[]."):
        field_name = "image." + field_name[len(image.each) + 3 :]
    return ["rights:", f"  # {', '.join(rights.reasons)}", f"  image: {_q(field_name)}"]


#: What the files of a page template usually are, for the licence's two layers (docs/licenses.md).
_KIND_FOR_TEMPLATE = {"Artwork": "2d", "Photograph": "photo"}


def _facts_lines(date: Suggestion | None, death: Suggestion | None, template: str) -> list[str]:
    """The licence facts: public domain is a conclusion from dates and from what the file is. Without a
    death year, works 120-190 years old wait for review (PD-old-assumed needs a death looked for)."""
    kind = _KIND_FOR_TEMPLATE.get(template)
    lines = [
        "  # CHECK what the files are: 2d (a faithful photo or scan of a flat work), 3d (a photo of an",
        "  # object) or photo (a photograph that is itself the work)",
        "  facts:" if date is not None or death is not None or kind else "  facts: {}",
    ]
    if death is not None:
        lines.append(f"    # the creators' death: {_q(death.field)} ({', '.join(death.reasons)})")
        lines.append(f"    death_year: {{field: {_q(death.field)}, transforms: [{{year: latest}}]}}")
    else:
        lines.append("    # CHECK: no death year field found; map one (death_year) if the export has it, or")
        lines.append("    # works 120-190 years old wait for review")
    if date is not None:
        lines.append(f"    created: {{field: {_q(date.field)}, transforms: [{{year: latest}}]}}")
    lines.append(f"    kind: {{value: {kind}}}" if kind else "  #   kind: {value: 2d}")
    return lines


def _image_lines(image: ImageSource | None, record_id: str) -> list[str]:
    if image is None:  # a guess by the record's id field, one the export has, so the dry run reads it
        return [
            "images:",
            "  # CHECK: no image URLs or file names found; say where the images are",
            f"  path: {_q('images/${' + record_id + '}.jpg')}",
        ]
    lines = ["images:", f"  # {image.reason}"]
    if image.each:
        lines.append(f"  each: {_q(image.each)}")
    if image.keep:
        keep = _IMAGE_SUFFIX.pattern.replace("\\", "\\\\")
        lines.append(f'  {image.kind}: {{field: {_q(image.value)}, transforms: [{{keep: "{keep}"}}]}}')
    else:
        lines.append(f"  {image.kind}: {_q(image.value)}")
    return lines


def _relative(path: Path, folder: Path) -> str:
    """``path`` as the batch file names it: relative to its folder when near, else absolute."""
    absolute = Path(os.path.abspath(path))
    relative = Path(os.path.relpath(absolute, os.path.abspath(folder)))
    return absolute.as_posix() if relative.parts[:2] == ("..", "..") else relative.as_posix()


def _batch_text(export: Path, out_dir: Path, reader: Reader) -> str:
    read = [f"  path: {_q(_relative(export, out_dir))}", f"  format: {reader.format}"]
    if isinstance(reader, CsvReader):
        read.append(f"  encoding: {reader.encoding.replace('utf-8-sig', 'utf-8')}  # detected")
        read.append(f"  delimiter: {_q(reader.delimiter)}  # detected")
    root = _relative(export_base(export), out_dir)
    name = re.sub(r"[^\w-]+", "-", (export.stem if export.is_file() else export.name)).strip("-") or "batch"
    return "\n".join(
        [
            f"# Batch made by `glamupload init` from {export.name}: check it, then run the dry run.",
            f"name: {_q(name)}",
            "export:",
            *read,
            "crosswalk: crosswalk.yaml",
            "images:",
            f"  root: {_q(root)}  # local image paths are looked for here",
            "# institution:  # the contributing institution, for {{Institution:...}}",
            "#   name: Example Museum",
            "categories:",
            f"  tracking: {_q('Media contributed by ' + name)}  # CHECK: the hidden tracking category",
            "",
        ]
    )


def init_batch(
    export: str | Path, out_dir: str | Path | None = None, *, template: str = "Artwork", force: bool = False
) -> Scaffold:
    """Inspect ``export`` and write ``batch.yaml`` and ``crosswalk.yaml`` into ``out_dir`` (default: the
    folder the export is in, or beside an export folder)."""
    text = os.fsencode(str(export))
    try:
        text.decode("utf-8")
    except UnicodeDecodeError:  # the batch file is UTF-8 text: it could not name the export
        shown = text.decode("utf-8", "backslashreplace")
        raise InputError(
            f"the export's path {shown} is not UTF-8 text, which a batch file could not name",
            hint="rename the file (or its folder) with a name in UTF-8",
        ) from None
    if template not in TEMPLATES:
        raise ConfigError(f"init writes crosswalks for {', '.join(TEMPLATES)}, not {template!r}")
    export = Path(export)
    reader = open_export(export)
    shape = reader.shape.whole()
    if not shape.fields:
        raise ConfigError("the export has no fields to map", file=export)
    out = Path(out_dir) if out_dir is not None else export_base(export) if export.is_file() else export.parent
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LocalFileError.from_os(exc, "cannot make the batch folder", out) from None
    batch_file, crosswalk_file = out / "batch.yaml", out / "crosswalk.yaml"
    for path in (batch_file, crosswalk_file):
        if path.exists() and not force:
            raise ConfigError(f"{path} exists; give another --out folder or --force to replace it")
    suggestions, image, sniffer = suggest(reader)
    fields = list(shape.fields)
    crosswalk = crosswalk_text(template, suggestions, image, sniffer, fields, export)
    write_atomically(crosswalk_file, lambda fh: fh.write(crosswalk), "cannot write the crosswalk")
    batch = _batch_text(export, out, reader)
    write_atomically(batch_file, lambda fh: fh.write(batch), "cannot write the batch file")
    commands = [f'glamupload dry-run "{batch_file}" --out "{out / "dry-run"}"']
    if "rights" in suggestions:
        commands.append(f'glamupload values "{batch_file}" "{suggestions["rights"].field}"')
    if "creator" in suggestions:
        commands.append(
            f'glamupload values "{batch_file}" "{suggestions["creator"].field}" --skeleton people.csv'
        )
    return Scaffold(batch_file, crosswalk_file, suggestions, image, fields, commands)
