"""What MediaWiki refuses as a script risk, judged without a wiki (glamupload.scriptcheck): the verdict
on every sample of tests/data/scriptcheck/ is MediaWiki's own, as tests/test_scriptcheck_wiki.py finds it
by uploading them to the sandbox; and a refused file is an error on its record in the dry run."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from glamupload import media, scriptcheck
from glamupload.config import load_batch
from glamupload.errors import InputError
from glamupload.plan import plan_batch

SAMPLES = Path(__file__).parent / "data" / "scriptcheck"
EXPECTED: dict[str, str | None] = yaml.safe_load((SAMPLES / "expected.yaml").read_text(encoding="utf-8"))


def verdict(path: Path) -> str | None:
    data = path.read_bytes()
    found = (
        scriptcheck.svg_problem(data) if path.suffix == ".svg" else scriptcheck.scripted_problem(data[:1024])
    )
    return found.key if found is not None else None


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_sample_gets_mediawikis_verdict(name: str) -> None:
    assert verdict(SAMPLES / name) == EXPECTED[name]


def test_the_samples_cover_every_refusal_the_module_can_give() -> None:
    """Each message key scriptcheck returns is met by a sample, so MediaWiki has judged each rule."""
    keys = set(re.findall(r'Refusal\(\s*"([a-z-]+)"', Path(scriptcheck.__file__).read_text(encoding="utf-8")))
    assert len(keys) > 15 and keys <= set(EXPECTED.values())


def test_an_svg_mediawiki_refuses_is_the_records_error_and_the_rest_are_planned(tmp_path: Path) -> None:
    for name in ("script.svg", "ok.svg", "html_comment.jpg", "plain.jpg"):
        shutil.copy(SAMPLES / name, tmp_path / name.replace("_", "-"))
    (tmp_path / "export.csv").write_text(
        "id,file\nA-1,script.svg\nA-2,ok.svg\nA-3,html-comment.jpg\nA-4,plain.jpg\n", encoding="utf-8"
    )
    (tmp_path / "cw.yaml").write_text(
        "record_id: id\ntemplate: Information\nparams: {description: id}\nimages: {path: '${file}'}\n"
        "filename: {pattern: 'Drawing {id}', parts: {id: id}, protected: [id]}\n",
        encoding="utf-8",
    )
    (tmp_path / "batch.yaml").write_text("export: {path: export.csv}\ncrosswalk: cw.yaml\n", encoding="utf-8")
    script, fine, html, plain = plan_batch(load_batch(tmp_path / "batch.yaml"))
    (error,) = script.errors
    assert error.field == "images" and "MediaWiki refuses this SVG" in error.message
    assert "(uploadscripted)" in error.message and not script.uploadable
    assert "MediaWiki refuses this file" in html.errors[0].message and "'<body'" in html.errors[0].message
    assert not fine.errors and not plain.errors


def test_check_image_refuses_what_the_wiki_would() -> None:
    with pytest.raises(InputError, match=r"\(uploaded-event-handler-on-svg\)"):
        media.check_image(SAMPLES / "onload.svg", media.SVG)
