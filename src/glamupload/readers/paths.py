"""The field path syntax: how a crosswalk names a value inside a record, and whether an export can give it.

=================  ===============================================================================
``Title``          a field; an exact field name always wins (names may contain dots and brackets)
``maker.name``     key ``name`` of the object ``maker``
``images[]``       every element of the list ``images`` (a single value counts as a list of one)
``images[2]``      the element at index 2 (0-based; ``[-1]`` is the last); ``images.2`` is the same
``images[].url``   key ``url`` of every element, as a list of values
=================  ===============================================================================

A path that walks a key straight into a list of objects (``creator.full_name`` when ``creator`` is a list)
can yield nothing, so the crosswalk check refuses it using the export's `ExportShape`, and the hint shows
the path that works (``creator[].full_name``). One parser, one resolver and one check serve the records,
the crosswalk check, ``glamupload values`` and ``glamupload init``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from glamupload.yamlconfig import suggest

_KEY = re.compile(r"[^.\[\]]+")
#: An element's number: ASCII digits, as few as an index needs ("²" is a digit to ``isdigit`` but no number
#: ``int`` reads, and 5,000 digits are no index but a limit ``int`` enforces)
_INDEX = re.compile(r"-?[0-9]{1,9}")
_NUMBER_KEY = re.compile(r"[0-9]{1,9}")


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a path: a key, every element (``[]``) or one element (``[n]``, ``.n``)."""

    kind: Literal["key", "each", "index"]
    key: str = ""
    index: int = 0


@lru_cache(maxsize=4096)
def parse(path: str) -> tuple[Step, ...] | None:
    """The steps of ``path``; None when it is not a path (unbalanced brackets, empty keys)."""
    steps: list[Step] = []
    pos = 0
    while pos < len(path):
        if path[pos] == "[":
            end = path.find("]", pos)
            inner = path[pos + 1 : end]
            if end < 0 or not (inner == "" or _INDEX.fullmatch(inner)):
                return None
            steps.append(Step("index", index=int(inner)) if inner else Step("each"))
            pos = end + 1
            continue
        if steps:
            if path[pos] != ".":
                return None
            pos += 1
        match = _KEY.match(path, pos)
        if match is None:
            return None
        key = match.group(0)
        numbered = steps and _NUMBER_KEY.fullmatch(key)
        steps.append(Step("index", index=int(key)) if numbered else Step("key", key))
        pos = match.end()
    return tuple(steps) if steps and steps[0].kind == "key" else None


def canonical(steps: Iterable[Step]) -> str:
    """The shape path of ``steps``: keys joined by dots, every list step written ``[]``."""
    out = ""
    for step in steps:
        out += ("." + step.key if out else step.key) if step.kind == "key" else "[]"
    return out


def loose(path: str) -> str:
    """``path`` without list steps (``images[3].url``, ``images.3.url`` → ``images.url``), for hints."""
    steps = parse(path)
    return ".".join(s.key for s in steps if s.kind == "key") if steps else path


def resolve(fields: dict[str, Any], path: str) -> Any:
    """The value at ``path`` in a record's fields, or None.

    Without ``[]`` the result is the one value found (which may itself be a list); with ``[]`` it is the
    list of every value found, flattened one level.
    """
    steps = parse(path)
    if steps is None:
        return None
    nodes: list[Any] = [fields]
    many = False
    for step in steps:
        found: list[Any] = []
        for node in nodes:
            if step.kind == "key":
                item = node.get(step.key) if isinstance(node, dict) else None
                if item is not None:
                    found.append(item)
            elif step.kind == "each":
                found.extend(node if isinstance(node, list) else [node])
            elif isinstance(node, list):
                if -len(node) <= step.index < len(node):
                    found.append(node[step.index])
            elif step.index in (0, -1):  # a single value is a list of one
                found.append(node)
        many = many or step.kind == "each"
        nodes = found
        if not nodes:
            return None
    if not many:
        return nodes[0]
    flat = [item for node in nodes for item in (node if isinstance(node, list) else [node])]
    return flat or None


@dataclass(frozen=True)
class FieldProblem:
    """Why a path cannot give values for an export, and what to write instead."""

    message: str
    hint: str


@dataclass(frozen=True)
class ExportShape:
    """What a crosswalk may name in one export: value paths, list paths, object paths, and how it was read.

    ``fields`` are paths to values (text or lists of text) in the canonical form (``images[].url``);
    ``lists`` are paths that hold a list in some record, ``objects`` paths that hold an object (also the
    elements: ``images[]``). ``read_as`` tells how a text export was decoded and split (encoding,
    delimiter, header as read), for the hint when a name is not found; ``advice`` says what to try.

    ``rest``, when given, means the fields are only those known without reading the export (LIDO's fixed
    fields): it reads the export for the whole shape, and is asked only for a path they cannot answer, so
    a crosswalk naming known fields is checked without a pass over a large export.
    """

    fields: Sequence[str]
    lists: frozenset[str] = frozenset()
    objects: frozenset[str] = frozenset()
    read_as: str | None = None
    advice: str | None = None
    rest: Callable[[], ExportShape] | None = field(default=None, repr=False, compare=False)
    _field_set: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_field_set", frozenset(self.fields))

    @classmethod
    def of(cls, fields: Sequence[str] | ExportShape) -> ExportShape:
        """A shape as given, or the flat shape of a list of field names."""
        return fields if isinstance(fields, ExportShape) else cls(list(fields))

    def whole(self) -> ExportShape:
        """Every field of the export (reading it when the shape was built from known fields only)."""
        return self if self.rest is None else self.rest()

    def _normal(self, steps: Sequence[Step]) -> tuple[str, str | None]:
        """``(shape path, first list walked into by a key)``: ``[]`` on a non-list counts as a list of one."""
        out = ""
        walked_into: str | None = None
        for step in steps:
            if step.kind == "key":
                if out in self.lists and walked_into is None:
                    walked_into = out
                out = out + "." + step.key if out else step.key
            elif out in self.lists:
                out += "[]"
        return out, walked_into

    def has_value(self, path: str) -> bool:
        """Whether ``path`` can give a value (text) in some record of this export."""
        return self.problem(path) is None

    def holds_objects(self, path: str) -> bool:
        """Whether ``path`` is a list of objects or an object (what ``images.each`` needs)."""
        steps = parse(path)
        if path in self.objects or steps is None:
            return path in self.objects
        normal, walked_into = self._normal(steps)
        return walked_into is None and (normal in self.objects or normal + "[]" in self.objects)

    def keys_below(self, path: str) -> list[str]:
        """The value paths inside the objects at ``path`` (``images`` → ``url``, ``size.width``)."""
        steps = parse(path)
        normal = self._normal(steps)[0] if steps else path
        prefixes = (normal + "[].", normal + ".")
        return [f[len(p) :] for f in self.fields for p in prefixes if f.startswith(p)]

    def problem(self, path: str) -> FieldProblem | None:
        """None when ``path`` names a field or a path that can give values; else what is wrong."""
        found = self._problem(path)
        return found if found is None or self.rest is None else self.rest().problem(path)

    def _problem(self, path: str) -> FieldProblem | None:
        """``problem`` among the fields this shape holds."""
        if path.startswith("xpath:"):
            return None
        steps = parse(path)
        walked_into = self._normal(steps)[1] if steps is not None else None
        if walked_into is None and path in self._field_set:
            return None
        if steps is not None:
            normal = self._normal(steps)[0]
            while normal.endswith("[]") and normal[:-2] in self.lists and normal not in self._field_set:
                normal = normal[:-2]  # the elements of a list of values (``tags[]``, ``tags[0]``) are values
            if walked_into is None and normal in self._field_set:
                return None
            if walked_into is not None:
                fixed = self._fixed(path)
                hint = (
                    (f"did you mean {fixed!r}? " if fixed and self.has_value(fixed) else "")
                    + f"write {walked_into + '[]'!r} for every element of the list,"
                    f" {walked_into + '[0]'!r} for the first (see docs/crosswalks.md, field paths)"
                )
                message = f"field {path!r} cannot give a value: {walked_into!r} is a list (of objects)"
                return FieldProblem(message, hint)
        return FieldProblem(f"field {path!r} is not in the export", self._hint(path))

    def _fixed(self, path: str) -> str | None:
        """``path`` with ``[]`` after every list it walks into by key (and ``.n`` written ``[n]``)."""
        steps = parse(path)
        if steps is None:
            return None
        out, shape = "", ""
        for step in steps:
            if step.kind == "key":
                if shape in self.lists:
                    out, shape = out + "[]", shape + "[]"
                out, shape = (out + "." if out else "") + step.key, (shape + "." if shape else "") + step.key
            else:
                out += "[]" if step.kind == "each" else f"[{step.index}]"
                shape += "[]"
        return out

    def _hint(self, path: str) -> str:
        """The closest fields (same keys without list steps first), then the list, then how it was read."""
        if not self.fields:  # "the export's fields are: " with nothing after it says nothing
            hint = "the export has no fields at all: it holds no record that could be read (an empty file or "
            hint += "list, or every record broken)"
            return hint + (f"; {self.read_as}" if self.read_as else "")
        same_keys = [f for f in self.fields if loose(f) == loose(path)]
        close = same_keys[0] if same_keys else suggest(path, self.fields)
        shown = list(self.fields[:60])
        listing = ", ".join(repr(f) for f in shown) + (", ..." if len(self.fields) > len(shown) else "")
        hint = (f"did you mean {close!r}? " if close else "") + f"the export's fields are: {listing}"
        if self.read_as:
            hint += f"; {self.read_as}"
        if self.advice:
            hint += f"; {self.advice}"
        return hint


def shape_of_values(values: Iterable[dict[str, Any]]) -> ExportShape:
    """The shape of a stream of nested records (JSON): every path seen, in first-seen order."""
    fields: dict[str, None] = {}
    lists: set[str] = set()
    objects: set[str] = set()
    for value in values:
        _collect(value, "", fields, lists, objects)
    return ExportShape(list(fields), frozenset(lists), frozenset(objects))


def _collect(value: Any, path: str, fields: dict[str, None], lists: set[str], objects: set[str]) -> None:
    if isinstance(value, dict):
        if path:
            objects.add(path)
        for key, item in value.items():
            _collect(item, f"{path}.{key}" if path else key, fields, lists, objects)
    elif isinstance(value, list):
        lists.add(path)
        scalars = False
        for item in value:
            if isinstance(item, (dict, list)):
                _collect(item, path + "[]", fields, lists, objects)
            else:
                scalars = True
        if scalars:
            fields.setdefault(path, None)
    else:
        fields.setdefault(path, None)
