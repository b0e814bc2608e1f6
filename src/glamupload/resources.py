"""Locate glamupload's folders: the data shipped inside the installed package (mappings/, templates/),
the per-user data folder (the sandbox wiki, saved wiki sessions) and the per-user state folder (the
reports of unexpected errors)."""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path


def mappings_dir() -> Path:
    """The shipped ``mappings/`` folder (crosswalks, license table, lookup tables)."""
    return Path(str(files("glamupload.mappings")))


def templates_dir() -> Path:
    """The shipped ``templates/`` folder (Jinja2 page templates)."""
    return Path(str(files("glamupload.templates")))


def user_data_dir() -> Path:
    """The per-user data folder, ``$XDG_DATA_HOME/glamupload`` (default ``~/.local/share/glamupload``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "glamupload"


def user_state_dir() -> Path:
    """The per-user state folder, ``$XDG_STATE_HOME/glamupload`` (default ``~/.local/state/glamupload``)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "glamupload"
