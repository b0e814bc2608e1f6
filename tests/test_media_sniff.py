"""Content sniffing: the type comes from the bytes (real files written by Pillow), not from the name."""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from pathlib import Path

import pytest
from PIL import Image

from glamupload import media
from glamupload.errors import InputError
from glamupload.media import inspect_file
from glamupload.report.thumbnails import thumbnail


def image_bytes(pillow_format: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), (20, 90, 160)).save(buffer, format=pillow_format, **options)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("pillow_format", "options", "mime", "ext"),
    [
        ("JPEG", {}, "image/jpeg", "jpg"),
        ("PNG", {}, "image/png", "png"),
        ("GIF", {}, "image/gif", "gif"),
        ("TIFF", {}, "image/tiff", "tif"),
        ("TIFF", {"big_tiff": True}, "image/tiff", "tif"),
        ("WEBP", {}, "image/webp", "webp"),
        ("PDF", {}, "application/pdf", "pdf"),
    ],
)
def test_images_written_by_pillow_are_recognised(
    pillow_format: str, options: dict[str, object], mime: str, ext: str
) -> None:
    content = image_bytes(pillow_format, **options)
    assert media.sniff_mime(content) == mime
    assert media.extension_for(mime) == ext


def test_big_endian_tiff_is_recognised() -> None:
    assert media.sniff_mime(b"MM\x00*\x00\x00\x00\x08" + bytes(32)) == "image/tiff"


def test_file_name_does_not_matter(tmp_path: Path) -> None:
    lying = tmp_path / "scan.jpg"
    lying.write_bytes(image_bytes("TIFF"))
    assert media.sniff_mime(lying) == "image/tiff"
    assert media.sniff_mime(str(lying)) == "image/tiff"


@pytest.mark.parametrize(
    "content",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>',
        b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?>\n<!-- drawn by hand -->\n'
        b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg>',
        b'<?xml version="1.0"?><!DOCTYPE svg [ <!ENTITY a "b"> ]><svg:svg xmlns:svg="http://www.w3.org/2000/svg"/>',
    ],
)
def test_svg_is_recognised_by_its_root_element(content: bytes) -> None:
    assert media.sniff_mime(content) == "image/svg+xml"
    assert media.extension_for("image/svg+xml") == "svg"


def test_djvu_is_recognised() -> None:
    assert media.sniff_mime(b"AT&TFORM\x00\x00\x10\x00DJVUINFO") == "image/vnd.djvu"


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"hello",
        b"<html><svg></svg></html>",
        b"<?xml version='1.0'?><rdf/>",
        b"RIFF\x00\x00\x00\x00WAVE",
        b"GIF90a",
    ],
)
def test_other_content_is_unknown(content: bytes) -> None:
    assert media.sniff_mime(content) == media.UNKNOWN


def test_types_commons_does_not_take_are_input_errors() -> None:
    assert media.sniff_mime(image_bytes("BMP")) == media.UNKNOWN
    with pytest.raises(InputError, match="image/bmp"):
        media.extension_for("image/bmp")


def test_unreadable_file_is_an_input_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(InputError) as raised:
        media.sniff_mime(tmp_path / "missing.tif")
    assert raised.value.file == str(tmp_path / "missing.tif")


def test_known_extensions_include_aliases() -> None:
    assert {"jpg", "jpeg", "tif", "tiff", "png", "svg", "pdf", "djvu"} <= media.known_extensions()


def test_pillows_warnings_on_a_damaged_file_stay_off_the_terminal(tmp_path: Path) -> None:
    """A TIFF whose tag directory breaks off: Pillow warns "Corrupt EXIF data" (a Python warning with its
    source line, printed amid the dry run's progress) before it refuses the file; the refusal is the
    record's error, the warning is not shown."""
    path = tmp_path / "bad.tif"
    path.write_bytes(b"II*\x00\x08\x00\x00\x00\xff\xff")
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        with pytest.raises(InputError, match="cannot be decoded"):
            inspect_file(path)
        assert thumbnail(path) is None
    assert not shown, [str(w.message) for w in shown]


def test_a_decoder_that_raises_anything_on_damaged_bytes_makes_the_image_unreadable() -> None:
    """A mutated 16-bit TIFF made Pillow raise TypeError, which crashed the dry run."""
    path = Path(__file__).parent / "data" / "media" / "damaged-16bit.tif"
    with pytest.raises(InputError, match="the image cannot be decoded: TypeError") as raised:
        inspect_file(path)
    assert raised.value.file == str(path)


def _png_header(width: int, height: int, data: bytes) -> bytes:
    """A PNG of one IHDR (8-bit greyscale), one IDAT holding ``data`` and IEND."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def test_a_header_claiming_more_pixels_than_pillow_opens_is_checked_not_passed(tmp_path: Path) -> None:
    """Above Pillow's decompression-bomb limit the file was passed unchecked: a 2 KB PNG claiming
    400 million pixels was an uploadable image."""
    lie = tmp_path / "lie.png"
    lie.write_bytes(_png_header(20_000, 20_000, zlib.compress(bytes(1000))))
    with pytest.raises(InputError, match=r"truncated: 20,000 × 20,000 pixels cannot fit in [0-9,]+ bytes"):
        inspect_file(lie)
    assert Image.MAX_IMAGE_PIXELS is not None  # the limit is back for everything else


def test_a_real_image_above_pillows_limit_passes_its_header_checks(tmp_path: Path) -> None:
    """A scan of 196 million pixels (a large map, 1-bit): beyond Pillow's limit, within deflate's ratio."""
    scan = tmp_path / "scan.png"
    Image.new("1", (14_000, 14_000)).save(scan)
    assert 14_000 * 14_000 > 2 * (Image.MAX_IMAGE_PIXELS or 0)
    assert inspect_file(scan) == "image/png"
    assert scan.stat().st_size >= 14_000 * (1 + 14_000 // 8) // media.DEFLATE_MAX_RATIO
