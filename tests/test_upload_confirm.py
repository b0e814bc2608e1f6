"""`glamupload upload`, `update` and `sdc` never take silence for a yes: without a terminal, writing to a wiki
other than the sandbox needs --yes (the sandbox's own API URL stands in for Commons here, reached as any
other wiki)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES

from glamupload import sandbox
from glamupload.exitcodes import ExitStatus


@pytest.mark.parametrize(
    "command, question",
    [
        (["upload", "--limit", "1"], "Upload to {api} as {user}?"),
        (["update"], "Edit file pages on {api} as {user}?"),
        (["sdc"], "Write structured data on {api} as {user}?"),
    ],
    ids=["upload", "update", "sdc"],
)
def test_writing_to_another_wiki_without_a_terminal_refuses(
    sandbox_wiki: sandbox.SandboxInfo, tmp_path: Path, command: list[str], question: str
) -> None:
    username, password = sandbox.credentials(Path(sandbox_wiki.dir))
    env = dict(os.environ, GLAMUPLOAD_USERNAME=username, GLAMUPLOAD_PASSWORD=password)
    state = tmp_path / "smm.state.sqlite"
    before = sandbox.status(Path(sandbox_wiki.dir)).files  # type: ignore[union-attr]
    result = subprocess.run(
        [sys.executable, "-m", "glamupload", command[0], str(EXAMPLES / "smm" / "batch.yaml"),
         "--wiki", sandbox_wiki.api, "--state", str(state), *command[1:]],
        input="y\n", capture_output=True, text=True, env=env, check=False, timeout=300,
    )  # fmt: skip
    assert result.returncode == ExitStatus.USAGE, result.stderr
    assert question.format(api=sandbox_wiki.api, user=username) in result.stderr
    assert "no terminal" in result.stderr and "--yes" in result.stderr
    assert not state.exists()
    assert sandbox.status(Path(sandbox_wiki.dir)).files == before  # type: ignore[union-attr]
    assert password not in result.stdout + result.stderr
