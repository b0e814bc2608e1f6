"""Thumbnails on the sandbox: every file type glamupload uploads gets a real scaled image (HTTP 200, an
image of the asked width), including photos larger than the preview and larger than MediaWiki's default
12.5-megapixel limit."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
import requests
from PIL import Image

from glamupload.wiki import Wiki

WIDTH = 320


def _image(size: tuple[int, int]) -> Image.Image:
    image = Image.new("RGB", size, (180, 40, 40))
    image.paste((20, 60, 160), (size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2))
    return image


def _make(kind: str, folder: Path, size: tuple[int, int] = (1600, 1200)) -> Path:
    path = folder / f"sample.{kind}"
    if kind == "svg":
        path.write_text(
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{size[0]}" height="{size[1]}">'
            '<rect width="100%" height="100%" fill="#b42828"/>'
            '<circle cx="50%" cy="50%" r="25%" fill="#143ca0"/>'
            "</svg>"
        )
    elif kind == "djvu":
        ppm = folder / "sample.ppm"
        _image(size).save(ppm)
        c44 = shutil.which("c44")
        assert c44, "DjVuLibre's c44 is missing (scripts/bootstrap installs djvulibre-bin)"
        subprocess.run([c44, str(ppm), str(path)], check=True, capture_output=True)
    elif kind == "gif":
        _image(size).convert("P").save(path)
    else:
        _image(size).save(path)
    return path


def _thumbnail(wiki: Wiki, title: str, width: int = WIDTH) -> tuple[requests.Response, dict[str, object]]:
    pages = wiki.api("query", prop="imageinfo", titles=title, iiprop="url|size|mime", iiurlwidth=width)
    info = next(iter(pages["query"]["pages"].values()))["imageinfo"][0]
    return requests.get(info["thumburl"], timeout=120), info


@pytest.mark.parametrize("kind", ["jpg", "png", "gif", "tif", "webp", "svg", "pdf", "djvu"])
def test_every_accepted_type_gets_a_thumbnail(
    uploader: Wiki, unique_name: str, tmp_path: Path, kind: str
) -> None:
    source = _make(kind, tmp_path)
    title = f"File:{unique_name}.{kind}"
    reply = uploader.upload(source, title.removeprefix("File:"), "thumbnail test", "thumbnail test")
    assert reply["result"] == "Success", reply
    response, info = _thumbnail(uploader, title)
    assert response.status_code == 200, (info, response.text[:300])
    assert response.headers["content-type"].startswith("image/")
    thumb = Image.open(io.BytesIO(response.content))
    assert thumb.width == WIDTH
    assert abs(thumb.height - WIDTH * 1200 / 1600) <= 1
    # the thumbnail shows the picture, not an error image: the blue square is where it was drawn
    assert thumb.convert("RGB").getpixel((int(WIDTH * 0.375), int(thumb.height * 0.375)))[2] > 100


def test_a_photo_above_mediawikis_default_area_limit_gets_a_thumbnail(
    uploader: Wiki, unique_name: str, tmp_path: Path
) -> None:
    source = _make("jpg", tmp_path, (5000, 4000))  # 20 megapixels; MediaWiki's default stops at 12.5
    title = f"File:{unique_name}.jpg"
    assert uploader.upload(source, title.removeprefix("File:"), "big", "big")["result"] == "Success"
    response, _ = _thumbnail(uploader, title, 800)
    assert response.status_code == 200
    assert Image.open(io.BytesIO(response.content)).size == (800, 640)
