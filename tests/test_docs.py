"""The docs follow the code: the command reference is the commands' own help, the README's exit-code
table is the ExitStatus enum, and the Python shown in the docs runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, OwnSandbox

from glamupload import sandbox
from glamupload.exitcodes import ExitStatus

CLI_REFERENCE = REPO / "docs" / "cli-reference.md"
DOCS = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)


def test_cli_reference_is_the_commands_help() -> None:
    # A fresh interpreter, as `cog -r` runs: click keeps a command's help option from its first use, so
    # a command that tests invoked on its own would lose its `-h` in this process.
    check = [sys.executable, "-m", "cogapp", "--check", "--diff", str(CLI_REFERENCE)]
    result = subprocess.run(check, capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 0, (
        f"{result.stdout}{result.stderr}\nregenerate: .venv/bin/cog -r docs/cli-reference.md"
    )


def test_cli_reference_holds_nothing_of_the_machine_it_was_made_on() -> None:
    text = CLI_REFERENCE.read_text(encoding="utf-8")
    for local in {str(Path.home()), str(REPO), "/root/", "/home/", "/tmp/"}:
        assert local not in text


def test_readme_exit_codes_are_the_enum() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Exit codes\n", 1)[1].split("\n\n", 1)[0]
    rows = re.findall(r"^\| (\d+) \| (.+) \|$", section, re.MULTILINE)
    assert [int(code) for code, _ in rows] == [status.value for status in ExitStatus]
    assert all(meaning.strip() for _, meaning in rows)


def python_blocks(*, wiki: bool) -> list[pytest.param]:
    """The ```python blocks of README.md and docs/, those that connect to a wiki or those that do not."""
    blocks = [
        pytest.param(code, id=f"{path.relative_to(REPO)}:{text[: match.start()].count(chr(10)) + 2}")
        for path in DOCS
        for text in [path.read_text(encoding="utf-8")]
        for match in PYTHON_BLOCK.finditer(text)
        for code in [match.group(1)]
        if ("Wiki.connect" in code) == wiki
    ]
    assert blocks
    return blocks


def run_block(code: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run a block as a reader would from a checkout (paths such as ``examples/...`` relative to it),
    but in a scratch folder so that what it writes stays out of the repository."""
    os.symlink(REPO / "examples", folder / "examples")
    monkeypatch.chdir(folder)
    exec(compile(code, "<doc block>", "exec"), {"__name__": "__doc_block__"})


@pytest.mark.parametrize("code", python_blocks(wiki=False))
def test_python_in_the_docs_runs(code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run_block(code, tmp_path, monkeypatch)


@pytest.mark.parametrize("code", python_blocks(wiki=True))
def test_python_in_the_docs_runs_against_the_sandbox(
    code: str, own_sandbox: OwnSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with own_sandbox("docs") as info:  # its own: the blocks create pages other tests expect missing
        monkeypatch.setattr(sandbox, "default_dir", lambda: Path(info.dir))  # "the sandbox" of the docs
        run_block(code, tmp_path, monkeypatch)
