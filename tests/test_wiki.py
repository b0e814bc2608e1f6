"""The wiki layer against the real sandbox: upload, read back, duplicates, --wiki resolution."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from conftest import EXAMPLES

from glamupload import conventions
from glamupload.accounts import Credentials, Method, Secret, Source
from glamupload.errors import ApiError, AuthError, ConfigError
from glamupload.wiki import COMMONS_API, Wiki, chunked, resolve_target, user_agent

IMAGE = EXAMPLES / "smm" / "images" / "011024824093.jpg"


def test_upload_and_read_back_same_sha1(uploader: Wiki, unique_name: str) -> None:
    name = f"{unique_name}.jpg"
    reply = uploader.upload(IMAGE, name, "== Summary ==\nRead-back test", "read-back test")
    assert reply["result"] == "Success"
    info = uploader.file_info([name])[name]
    assert info is not None
    local_sha1 = hashlib.sha1(IMAGE.read_bytes()).hexdigest()
    assert info["sha1"] == local_sha1
    assert hashlib.sha1(uploader.download(info["url"])).hexdigest() == local_sha1
    assert f"File:{name}" in uploader.files_with_sha1(local_sha1)


def test_second_upload_of_same_bytes_is_a_duplicate_warning(uploader: Wiki, unique_name: str) -> None:
    image = EXAMPLES / "smm" / "images" / "011024824096.jpg"
    uploader.upload(image, f"{unique_name} a.jpg", "a", "a")
    reply = uploader.upload(image, f"{unique_name} b.jpg", "b", "b")
    assert reply["result"] == "Warning"
    assert "duplicate" in reply["warnings"]
    assert uploader.file_info([f"{unique_name} b.jpg"])[f"{unique_name} b.jpg"] is None


def test_file_info_batches_fifty_titles_per_request(uploader: Wiki) -> None:
    titles = [f"Missing file {i}.jpg" for i in range(120)]
    assert [len(group) for group in chunked(titles)] == [50, 50, 20]
    assert uploader.file_info(titles) == {t: None for t in titles}


def test_wiki_option_resolution(tmp_path: Path) -> None:
    assert resolve_target("commons").api == COMMONS_API
    assert resolve_target("https://test.wikipedia.org/w/api.php").api.endswith("/w/api.php")
    with pytest.raises(ConfigError, match="--wiki must be"):
        resolve_target("ftp://example.org/")
    with pytest.raises(ConfigError, match="no sandbox wiki yet"):
        resolve_target("sandbox", tmp_path / "none")


def test_wrong_password_is_an_auth_error(sandbox_wiki, secret_scan) -> None:  # type: ignore[no-untyped-def]
    target = resolve_target("sandbox", Path(sandbox_wiki.dir))
    wrong = secret_scan.secret("wrong-password-0123456789012345678")
    credentials = Credentials(
        Method.BOT_PASSWORD, Source.ENVIRONMENT, "test", "Uploader@glamupload", Secret(wrong)
    )
    with pytest.raises(AuthError, match="Failed") as err:
        Wiki(target, credentials)
    assert wrong not in str(err.value)


def test_user_agent_names_the_tool_and_account() -> None:
    assert user_agent("Museum@glamupload").startswith("glamupload/")
    assert "User:Museum" in user_agent("Museum@glamupload")


def test_the_largest_page_the_wiki_takes_is_the_plans_limit(uploader: Wiki, unique_name: str) -> None:
    """mappings/conventions.yaml's max_page_bytes is MediaWiki's own: one byte more is "contenttoobig"
    (the plan makes such a page an error on its record)."""
    limit = conventions.load().max_page_bytes
    assert uploader.edit(f"{unique_name} full", "é" * (limit // 2), "limit test")["result"] == "Success"
    with pytest.raises(ApiError) as refused:
        uploader.edit(f"{unique_name} over", "é" * (limit // 2) + "x", "limit test")
    assert refused.value.code == "contenttoobig"
