"""MediaWiki itself judges the samples of tests/data/scriptcheck/: each is uploaded to the REAL sandbox
(Debian's MediaWiki 1.39, the code Commons runs for these checks), and its verdict must be the one in
expected.yaml, which tests/test_scriptcheck.py holds ``glamupload.scriptcheck`` to: what the dry run
refuses is what the wiki refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from glamupload.errors import ApiError
from glamupload.wiki import Wiki

SAMPLES = Path(__file__).parent / "data" / "scriptcheck"
EXPECTED: dict[str, str | None] = yaml.safe_load((SAMPLES / "expected.yaml").read_text(encoding="utf-8"))


def mediawiki_verdict(uploader: Wiki, path: Path, title: str) -> str | None:
    """None when the wiki takes the file, else the message key of its refusal."""
    try:
        reply = uploader.upload(path, title, "script check", "script check")
    except ApiError as exc:
        assert exc.code == "verification-error", (exc.code, exc.info)
        return str(exc.details["details"][0])
    assert reply["result"] == "Success", reply
    return None


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_mediawiki_takes_or_refuses_each_sample_as_expected(
    uploader: Wiki, unique_name: str, name: str
) -> None:
    verdict = mediawiki_verdict(uploader, SAMPLES / name, f"{unique_name} {name}")
    assert verdict == EXPECTED[name]
