"""Image sources: local paths confined to the batch's folders, downloads (retries, size limit, cache,
IIIF ``max``→``full``) from a small HTTP server on 127.0.0.1, and an upload from URLs end to end."""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from hypothesis import example, given
from hypothesis import strategies as st
from upload_support import make_image, planned, run, store

from glamupload.errors import InputError
from glamupload.problems import ProblemCode
from glamupload.sources import SourceError, cache_path, fetch, hash_file, is_url, local_path, url_problem
from glamupload.wiki import Wiki


class ImageServer:
    """Serves ``routes[path] = (status, body)`` answers in turn; the last answer repeats."""

    def __init__(self) -> None:
        self.routes: dict[str, list[tuple[int, bytes]]] = {}
        self.hits: Counter[str] = Counter()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

            def do_GET(self) -> None:  # noqa: N802
                server.hits[self.path] += 1
                answers = server.routes.get(self.path, [(404, b"not found")])
                status, body = answers.pop(0) if len(answers) > 1 else answers[0]
                self.send_response(status)
                if status == 503:
                    self.send_header("Retry-After", "0")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"


@pytest.fixture
def server() -> Iterator[ImageServer]:
    images = ImageServer()
    yield images
    images.httpd.shutdown()
    images.httpd.server_close()


def test_local_paths_stay_inside_the_image_folders(tmp_path: Path) -> None:
    root = tmp_path / "images"
    inside = make_image(root / "a.png", "a")
    make_image(tmp_path / "secret.png", "s")
    (root / "link.png").symlink_to(tmp_path / "secret.png")
    assert local_path("a.png", [root]) == inside.resolve()
    for escape in ("../secret.png", str(tmp_path / "secret.png"), "link.png"):
        with pytest.raises(InputError, match="outside the batch's image folders"):
            local_path(escape, [root])
    assert local_path("../secret.png", [root], allow_outside=True).name == "secret.png"
    # a folder whose name only starts with the root's is outside it (paths are compared as text)
    make_image(tmp_path / "images2" / "b.png", "b")
    with pytest.raises(InputError, match="outside the batch's image folders"):
        local_path("../images2/b.png", [root])
    nested = make_image(root / "sub" / "c.png", "c")
    for spelling in ("./a.png", "sub//c.png", "sub/./c.png", "sub/../a.png", "a.png/"):
        assert local_path(spelling, [root]) in (inside.resolve(), nested.resolve()), spelling
    with pytest.raises(SourceError, match="not found under") as missing:
        local_path("missing.png", [root])
    assert missing.value.code == ProblemCode.IMAGE_MISSING


def test_hash_is_of_exactly_the_bytes(tmp_path: Path) -> None:
    image = make_image(tmp_path / "a.png", "x", 64)
    content = hash_file(image)
    assert content.size == image.stat().st_size
    assert content.sha1 == hashlib.sha1(image.read_bytes()).hexdigest()


def test_download_retries_then_caches(server: ImageServer, tmp_path: Path) -> None:
    body = make_image(tmp_path / "src.png", "dl").read_bytes()
    server.routes["/img.png"] = [(503, b"busy"), (500, b"oops"), (200, body)]
    session = requests.Session()
    path = fetch(server.url("/img.png"), tmp_path / "cache", session=session, max_bytes=10**6, backoff=0.01)
    assert path.read_bytes() == body and path == cache_path(server.url("/img.png"), tmp_path / "cache")
    assert server.hits["/img.png"] == 3
    assert fetch(server.url("/img.png"), tmp_path / "cache", session=session, max_bytes=10**6) == path
    assert server.hits["/img.png"] == 3
    assert not list((tmp_path / "cache").glob("*.part"))


def test_download_limits_and_refusals(server: ImageServer, tmp_path: Path) -> None:
    server.routes["/big.png"] = [(200, b"x" * 5000)]
    server.routes["/gone.png"] = [(404, b"no")]
    session = requests.Session()
    with pytest.raises(InputError, match="above the limit"):
        fetch(server.url("/big.png"), tmp_path / "c", session=session, max_bytes=1000)
    with pytest.raises(InputError, match="HTTP 404"):
        fetch(server.url("/gone.png"), tmp_path / "c", session=session, max_bytes=1000, backoff=0.01)
    assert server.hits["/gone.png"] == 1  # a refusal is not retried
    assert not any((tmp_path / "c").iterdir())


def test_iiif_image_api_2_servers_get_full_instead_of_max(server: ImageServer, tmp_path: Path) -> None:
    body = make_image(tmp_path / "src.png", "iiif").read_bytes()
    server.routes["/iiif/obj1/full/max/0/default.jpg"] = [(400, b"bad size")]
    server.routes["/iiif/obj1/full/full/0/default.jpg"] = [(200, body)]
    path = fetch(
        server.url("/iiif/obj1/full/max/0/default.jpg"),
        tmp_path / "c",
        session=requests.Session(),
        max_bytes=10**6,
        backoff=0.01,
    )
    assert path.read_bytes() == body


def test_batch_from_urls_uploads_the_downloaded_bytes(
    server: ImageServer, uploader: Wiki, unique_name: str, tmp_path: Path
) -> None:
    good = make_image(tmp_path / "src" / "good.png", unique_name + "good").read_bytes()
    server.routes["/good.png"] = [(503, b"busy"), (200, good)]
    server.routes["/page.html"] = [(200, b"<html><body>not an image</body></html>")]
    server.routes["/cut.png"] = [(200, good[: len(good) // 2])]
    scripted = (Path(__file__).parent / "data" / "scriptcheck" / "onload.svg").read_bytes()
    server.routes["/drawing.svg"] = [(200, scripted)]
    files = [
        planned("url", f"{unique_name} url.png", server.url("/good.png")),
        planned("html", f"{unique_name} html.png", server.url("/page.html")),
        planned("gone", f"{unique_name} gone.png", server.url("/missing.png")),
        planned("cut", f"{unique_name} cut.png", server.url("/cut.png")),
        planned("svg", f"{unique_name} drawing.svg", server.url("/drawing.svg")),
    ]
    summary = run(store(tmp_path / "s.sqlite", files), uploader, tmp_path / "src")
    problems = {p.record_id: p for p in summary.problems}
    assert summary.counts["uploaded"] == 1
    assert problems["html"].code == "mime-mismatch"
    assert problems["gone"].code == "source" and "404" in (problems["gone"].message or "")
    # a download is checked as a local image is, before its bytes are sent: broken, or refused by the wiki
    assert problems["cut"].code == "source" and "cannot be decoded" in (problems["cut"].message or "")
    assert problems["svg"].code == "source" and "(uploaded-event-handler-on-svg)" in (
        problems["svg"].message or ""
    )
    info = uploader.file_info([f"{unique_name} url.png"])[f"{unique_name} url.png"]
    assert info["sha1"] == hashlib.sha1(good).hexdigest()
    cache = tmp_path / "s.cache"  # next to the state database
    assert not cache_path(server.url("/good.png"), cache).exists()  # uploaded: no longer kept
    assert cache_path(server.url("/page.html"), cache).exists()  # failed: kept for --retry-failed


@given(st.text(st.sampled_from("hHtTpPsS:/[]1 \t\x00-+.xC\\é"), max_size=14))
@example("https://[img.example.org/a.jpg")  # urlsplit raises here
@example("//[::1]:80/a.jpg")  # a netloc with no scheme
@example(" HTTP://a/b.jpg")  # urlsplit strips leading spaces
@example("ht\ttps://a/b.jpg")  # and removes tabs anywhere
@example("1http://a")  # a scheme starts with a letter
@example("C:\\images\\a.jpg")
def test_is_url_is_urlsplits_scheme_test_and_never_raises(source: str) -> None:
    """One answer for the planner, the report and the uploader, never an exception: a malformed URL is
    ``url_problem``'s (a record's error), not a crash."""
    answer = is_url(source)
    try:
        scheme = urlsplit(source).scheme
    except ValueError:
        assert url_problem(source) is not None or not answer
    else:
        assert answer == (scheme in ("http", "https"))


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://img.example.org/a.jpg", None),
        ("http://127.0.0.1:8080/a.jpg", None),
        ("https://[img.example.org/a.jpg", "Invalid IPv6 URL"),
        ("https://img.example.org:jpg/a.jpg", "Port could not be cast"),
        ("https:///a.jpg", "names no host"),
    ],
)
def test_url_problem_says_why_a_url_cannot_be_fetched(url: str, why: str | None) -> None:
    problem = url_problem(url)
    assert problem == why if why is None else why in (problem or "")


@pytest.mark.parametrize(
    ("source", "code"),
    [
        ("a\x00.jpg", ProblemCode.IMAGE_PATH),  # os.lstat raises ValueError: it was a crash of the dry run
        ("a\ud800.jpg", ProblemCode.IMAGE_PATH),  # a lone surrogate (JSON "\ud800"): UnicodeEncodeError
        ("a\udc80.jpg", ProblemCode.IMAGE_MISSING),  # the byte 0x80 as the file system encoding writes it
    ],
)
def test_a_source_no_file_can_be_named_by_is_the_records_error(
    tmp_path: Path, source: str, code: str
) -> None:
    with pytest.raises(SourceError) as err:
        local_path(source, [tmp_path])
    assert err.value.code == code and repr(source) in err.value.message
