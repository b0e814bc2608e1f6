"""Packaging and the command line surface: data folders ship in the wheel, --help teaches."""

from __future__ import annotations

import builtins
import importlib.metadata
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import REPO
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from glamupload import __version__, launch
from glamupload.cli import cli


def clean_copy(tmp_path: Path) -> Path:
    """What the build reads, without build leftovers: setuptools reuses build/, which can hide a module
    the package list forgets."""
    copy = tmp_path / "project"
    for name in ("src", "mappings", "templates"):
        shutil.copytree(REPO / name, copy / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, copy / name)
    return copy


def test_wheel_ships_mappings_and_templates(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(clean_copy(tmp_path)),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("glamupload-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped_data = [
        p.relative_to(REPO).as_posix()
        for folder in ("mappings", "templates")
        for p in (REPO / folder).rglob("*")
        if p.is_file() and p.suffix in {".yaml", ".csv", ".j2", ".wikitext", ".css", ".php", ".json"}
    ]
    assert shipped_data, "mappings/ and templates/ hold data files"
    for rel in shipped_data:
        assert f"glamupload/{rel}" in names, f"{rel} is missing from the wheel"
    modules = [p.relative_to(REPO / "src").as_posix() for p in (REPO / "src" / "glamupload").rglob("*.py")]
    assert [m for m in modules if m not in names] == [], "every module ships (packages in pyproject.toml)"


def test_installed_package_finds_its_data_from_another_directory(tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "--target",
            str(target),
            str(clean_copy(tmp_path)),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    probe = (
        "import glamupload.resources as r; "
        "print(r.mappings_dir()); print(r.templates_dir()); "
        "print(sorted(p.name for p in r.mappings_dir().iterdir()))"
    )
    out = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(target)!r}); {probe}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert out[0].startswith(str(target)) and out[1].startswith(str(target))
    assert "__init__.py" in out[2]


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"glamupload, version {__version__}"


def test_help_lists_every_command_with_a_summary() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    listed = dict(re.findall(r"^  (\S+)\s+(.+)$", result.output.split("Commands:")[1], re.M))
    assert set(listed) == set(cli.commands)
    assert all(summary.strip() for summary in listed.values())
    for name, command in cli.commands.items():
        assert command.help, f"{name} has no help"


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["no-such-command"])
    assert result.exit_code == 2
    assert "No such command" in result.output


def _pins() -> dict[str, str]:
    pins = {}
    for line in (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"constraints.txt: {line!r} is not name==version"
            pins[canonicalize_name(name)] = version
    return pins


def test_constraints_pin_every_dependency_within_its_range() -> None:
    """A fresh clone installs constraints.txt's versions (decision 0021); each must be one pyproject.toml
    admits, or a clone would install what the package's users could not."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    pins = _pins()
    for text in wanted:
        requirement = Requirement(text)
        pin = pins.get(canonicalize_name(requirement.name))
        assert pin is not None, f"constraints.txt does not pin {requirement.name} (scripts/lock)"
        admitted = requirement.specifier.contains(pin, prereleases=True)
        assert admitted, f"constraints.txt pins {requirement.name}=={pin}, outside {text}"


def test_the_tests_run_on_the_pinned_versions() -> None:
    """scripts/bootstrap installed what constraints.txt names (a stale .venv is reinstalled)."""
    wrong = {
        name: (pin, installed)
        for name, pin in _pins().items()
        if (installed := importlib.metadata.version(name)) != pin
    }
    assert not wrong, f"installed versions differ from constraints.txt (pin, installed): {wrong}"


def test_the_console_script_is_the_launcher() -> None:
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts == {"glamupload": "glamupload.launch:main"}


def test_ctrl_c_while_the_cli_loads_is_an_interrupt_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI's modules take half a second to load, before its own Ctrl-C handler exists."""
    real_import = builtins.__import__

    def interrupted(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "glamupload.cli":
            raise KeyboardInterrupt
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", interrupted)
    with pytest.raises(SystemExit) as ended:
        launch.main()
    assert ended.value.code == 130 and capsys.readouterr().err == "Interrupted.\n"
