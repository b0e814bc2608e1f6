"""``glamupload update``: correct the pages of files already on the wiki without undoing anyone's edits.

``parts`` holds glamupload's own parts of a file page and the three-way rule (decision 0012), ``run`` the
run over a batch's state (reconcile, read, merge, one paced and guarded edit per page), ``report`` the
dry run's Markdown report. See docs/update.md.
"""

from glamupload.update.parts import Change, Merge, PageParts, merge, parts_of
from glamupload.update.report import write_report
from glamupload.update.run import (
    FileUpdate,
    UpdateOptions,
    UpdateOutcome,
    UpdateResult,
    UpdateRun,
    default_report_path,
)

__all__ = [
    "Change",
    "FileUpdate",
    "Merge",
    "PageParts",
    "UpdateOptions",
    "UpdateOutcome",
    "UpdateResult",
    "UpdateRun",
    "default_report_path",
    "merge",
    "parts_of",
    "write_report",
]
