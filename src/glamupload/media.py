"""Media files: what a file really is, and the extension Commons expects for it.

The type comes from the file's first bytes, never from a URL or the export's file name: Commons rejects a
file whose content does not match its extension (``filetype-mime-mismatch``), and exports often name TIFFs
``.jpg``. The signatures and extensions are data (``mappings/media-types.yaml``). A table of signatures
rather than Pillow: Pillow refuses to even open very large archival scans (its decompression-bomb guard)
and recognises many formats Commons does not take.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import typing
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import yaml
from PIL import Image, UnidentifiedImageError

from glamupload import resources, scriptcheck
from glamupload.errors import ConfigError, InputError

SNIFF_BYTES = 4096
"""How much of a file is read to recognise it (SVG may start with a long comment or doctype)."""

UNKNOWN = "application/octet-stream"
SVG = "image/svg+xml"

_SVG_ROOT = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*\?>\s*)?"
    rb"(?:(?:<!--.*?-->|<\?.*?\?>|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>)\s*)*<(?:\w+:)?svg[\s>/]",
    re.DOTALL,
)


@dataclass(frozen=True)
class MediaType:
    """One uploadable type: its MIME, canonical extension, accepted alias extensions and signatures."""

    mime: str
    extension: str
    aliases: tuple[str, ...]
    signatures: tuple[tuple[tuple[int, bytes], ...], ...]

    def matches(self, head: bytes) -> bool:
        return any(
            all(head[offset : offset + len(magic)] == magic for offset, magic in signature)
            for signature in self.signatures
        )


@functools.lru_cache(maxsize=1)
def media_types() -> tuple[MediaType, ...]:
    """The table from ``mappings/media-types.yaml``."""
    path = resources.mappings_dir() / "media-types.yaml"
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))["types"]
        return tuple(
            MediaType(
                mime=entry["mime"],
                extension=entry["extension"],
                aliases=tuple(entry.get("aliases", ())),
                signatures=tuple(
                    tuple((part["offset"], bytes.fromhex(part["hex"])) for part in signature)
                    for signature in entry.get("magic", ())
                ),
            )
            for entry in entries
        )
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as error:
        raise ConfigError(f"media type table is unreadable: {error}", file=path) from error


def sniff_mime(source: str | os.PathLike[str] | bytes) -> str:
    """The MIME type of a file (path) or of content (bytes), from its first bytes; ``UNKNOWN`` if none
    of the uploadable types matches."""
    if isinstance(source, bytes):
        return _mime_of(source[:SNIFF_BYTES])
    try:
        with open(source, "rb") as stream:
            head = stream.read(SNIFF_BYTES)
    except OSError as error:
        raise InputError(f"cannot read media file: {error.strerror}", file=os.fspath(source)) from error
    return _mime_of(head)


def _mime_of(head: bytes) -> str:
    for media_type in media_types():
        if media_type.matches(head):
            return media_type.mime
    return SVG if _SVG_ROOT.match(head) else UNKNOWN


def inspect_file(path: str | os.PathLike[str]) -> str:
    """``sniff_mime`` and then ``check_image`` of a file opened once (the planner's per-file step):
    its MIME type, or ``InputError`` as those raise it."""
    try:
        stream = open(path, "rb")
    except OSError as error:
        raise InputError(f"cannot read media file: {error.strerror}", file=path) from error
    with stream:
        try:
            head = stream.read(SNIFF_BYTES)
            size = os.fstat(stream.fileno()).st_size
        except OSError as error:
            raise InputError(f"cannot read media file: {error.strerror}", file=path) from error
        mime = _mime_of(head)
        extension_for(mime)  # Commons takes this type (else InputError)
        stream.seek(0)
        _check(stream, path, mime, size)
    return mime


#: Types Pillow decodes; others get the structural checks of ``check_image`` only.
DECODED = frozenset({"image/jpeg", "image/png", "image/gif", "image/tiff", "image/webp"})
#: Above this many pixels a non-JPEG image is not decoded whole (time and memory): its header is read and
#: every stored strip or tile must lie inside the file. JPEGs are decoded at 1/8 scale, whatever their size.
DECODE_PIXELS = 50_000_000
PDF_TAIL = 2048


def check_image(path: str | os.PathLike[str], mime: str) -> None:
    """Raise ``InputError`` when the file is not a usable image of type ``mime``: empty, truncated,
    corrupt (Commons would show a 0 × 0 file, or refuse it after the bytes were sent).

    Why here and not at upload: the dry run shows a curator every broken image before anything is
    sent, and the upload's plan is the dry run's, so both refuse the same files.
    """
    with open(path, "rb") as stream:
        _check(stream, path, mime, os.fstat(stream.fileno()).st_size)


def _check(stream: typing.BinaryIO, path: str | os.PathLike[str], mime: str, size: int) -> None:
    if size == 0:
        raise InputError("the image file is empty (0 bytes)", file=path)
    if mime == "application/pdf":
        stream.seek(max(0, size - PDF_TAIL))
        if b"%%EOF" not in stream.read():
            raise InputError("the PDF is truncated (no %%EOF at its end)", file=path)
        return
    if mime == SVG:
        problem = scriptcheck.svg_problem(stream.read())
        if problem is not None:
            raise InputError(f"MediaWiki refuses this SVG: {problem}", file=path)
        return
    problem = scriptcheck.scripted_problem(stream.read(scriptcheck.SCRIPT_BYTES))
    if problem is not None:
        raise InputError(f"MediaWiki refuses this file: {problem}", file=path)
    stream.seek(0)
    if mime not in DECODED:
        return
    try:
        try:
            _open_checked(stream, size, path)
        except Image.DecompressionBombError:
            # more pixels than Pillow opens by default: a large map scan, or a header that lies. Its header
            # is read without the limit, and checked as any image too large to decode whole
            stream.seek(0)
            with _no_pixel_limit():
                _open_checked(stream, size, path)
    except UnidentifiedImageError:  # Pillow's own words, as when it opens the path itself
        identify = f"cannot identify image file {os.fspath(path)!r}"
        raise InputError(f"the image cannot be decoded: {identify}", file=path) from None
    except InputError:
        raise
    except Exception as error:  # noqa: BLE001 (Pillow's decoders raise anything on damaged bytes)
        why = str(error) if isinstance(error, (OSError, ValueError, SyntaxError)) else type(error).__name__
        raise InputError(f"the image cannot be decoded: {why}", file=path) from None


@contextlib.contextmanager
def quiet_decoder() -> Iterator[None]:
    """Pillow's remarks while it reads a file ("Corrupt EXIF data", "Truncated File Read") kept off the
    terminal: Python warnings with a source line, printed amid the progress, about a file whose decoding
    the checks judge anyway (an image that cannot be used is its record's error)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _open_checked(stream: typing.BinaryIO, size: int, path: str | os.PathLike[str]) -> None:
    """Open the image and check it: decoded (a JPEG at 1/8 scale), or for one too large to decode,
    by its header (``_check_tiles``, ``_check_packed_size``)."""
    with quiet_decoder(), Image.open(stream) as image:
        width, height = image.size
        if width <= 0 or height <= 0:
            raise InputError(f"the image is {width} × {height} pixels", file=path)
        if image.format == "JPEG" and width * height // 64 <= DECODE_PIXELS:
            image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
            image.load()
        elif width * height <= DECODE_PIXELS:
            image.load()
        else:
            _check_tiles(image, size, path)
            _check_packed_size(image, size, path)


@contextlib.contextmanager
def _no_pixel_limit() -> Iterator[None]:
    """Pillow's decompression-bomb limit lifted while a header is read (nothing is decoded whole)."""
    limit = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None
    try:
        yield
    finally:
        Image.MAX_IMAGE_PIXELS = limit


#: Deflate's largest possible ratio (a 258-byte match in two bits): a PNG's data cannot be smaller than
#: its rows' bytes divided by this.
DEFLATE_MAX_RATIO = 1032


def _check_packed_size(image: Image.Image, size: int, path: str | os.PathLike[str]) -> None:
    """A PNG whose rows (at one bit a pixel, the least any PNG has) could not fit in the file's bytes
    even at deflate's best: its header claims pixels the file does not hold."""
    if image.format != "PNG":
        return
    width, height = image.size
    least = height * (1 + (width + 7) // 8) // DEFLATE_MAX_RATIO
    if size < least:
        claimed = f"{width:,} × {height:,} pixels"
        raise InputError(f"the image is truncated: {claimed} cannot fit in {size:,} bytes", file=path)


def _check_tiles(image: Image.Image, size: int, path: str | os.PathLike[str]) -> None:
    """For an image too large to decode: every stored strip or tile starts inside the file."""
    for tile in getattr(image, "tile", ()):
        if tile[2] >= size:
            raise InputError(f"the image is truncated (data expected at byte {tile[2]} of {size})", file=path)


def extension_for(mime: str) -> str:
    """The canonical Commons extension for ``mime`` (``image/jpeg`` → ``jpg``); ``InputError`` if Commons
    does not take that type."""
    for media_type in media_types():
        if media_type.mime == mime:
            return media_type.extension
    raise InputError(
        f"media type {mime} cannot be uploaded",
        hint="uploadable: " + ", ".join(t.mime for t in media_types()),
    )


@functools.lru_cache(maxsize=1)
def known_extensions() -> frozenset[str]:
    """Every extension of an uploadable type, canonical and alias (to spot double extensions)."""
    return frozenset(ext for t in media_types() for ext in (t.extension, *t.aliases))
