"""What the wiki's answer to an upload means: success (checked by SHA-1), each warning judged by the
table in ``mappings/upload-warnings.yaml`` (never a blanket ``ignorewarnings``), or an error.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from glamupload import preflight, resources
from glamupload.errors import ApiError, ConfigError
from glamupload.state import BatchState, Decision, FileRow, FileStatus, Outcome, OutcomeCode
from glamupload.wiki import Wiki

WarningAction = Literal["proceed", "compare-sha1", "uploaded", "duplicate", "needs_review", "failed"]


class WarningRule(BaseModel):
    """One row of the warning table: what a warning means for the file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    outcome: WarningAction
    reason: str = ""


@functools.lru_cache(maxsize=1)
def warning_policy() -> tuple[WarningRule, ...]:
    """The ordered table of ``mappings/upload-warnings.yaml`` (validated when first read)."""
    path = resources.mappings_dir() / "upload-warnings.yaml"
    try:
        rows = yaml.safe_load(path.read_text(encoding="utf-8"))["warnings"]
        return tuple(WarningRule.model_validate(row) for row in rows)
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValidationError) as exc:
        choices = ", ".join(get_args(WarningAction))
        raise ConfigError(f"the upload warning table is unreadable: {exc}", file=path, hint=choices) from None


def rules_for(warnings: Mapping[str, Any]) -> list[tuple[WarningRule, Any]]:
    """The reply's warnings with their rules, in the table's order; a warning the table does not know
    needs a person, like the table's needs_review ones."""
    policy = warning_policy()
    known = {rule.key for rule in policy}
    ordered = [(rule, warnings[rule.key]) for rule in policy if rule.key in warnings]
    unknown = [
        (WarningRule(key=key, outcome="needs_review", reason=f"wiki warning {key}"), value)
        for key, value in warnings.items()
        if key not in known
    ]
    return ordered + unknown


@dataclass
class ReplyJudge:
    """Turns upload replies and errors into outcomes for one run (it asks the wiki when it must)."""

    wiki: Wiki
    db: BatchState
    #: Called before a publish, so rate-limit pacing covers the second publish after warnings too.
    before_publish: Callable[[], None]

    def judge(self, row: FileRow, reply: dict[str, Any], text: str, comment: str) -> Outcome:
        """An outcome for an upload reply, judging each warning."""
        if reply.get("result") == "Success":
            return self.verify(row, reply)
        warnings: dict[str, Any] = reply.get("warnings") or {}
        if reply.get("result") != "Warning" or not warnings:
            return Outcome(
                FileStatus.NEEDS_REVIEW, code=OutcomeCode.UNEXPECTED_REPLY, message=str(reply)[:500]
            )
        for rule, value in rules_for(warnings):
            decided = self._warning_outcome(row, rule, value)
            if decided is not None:
                return decided
        # every warning is informational or accepted by a reviewer: publish the stashed file
        self.before_publish()
        reply = self.wiki.publish_stash(
            row.filename, str(reply["filekey"]), text, comment, ignore_warnings=True
        )
        return self.verify(row, reply)

    def _warning_outcome(self, row: FileRow, rule: WarningRule, value: Any) -> Outcome | None:
        key = rule.key
        if rule.outcome == "proceed":
            return None
        if rule.outcome == "compare-sha1":
            info = self.wiki.file_info([row.filename])[row.filename]
            if info is not None and info.get("sha1") == row.sha1:
                return Outcome(FileStatus.UPLOADED, info["title"])
            title = info["title"] if info else f"File:{row.filename}"
            return Outcome(
                FileStatus.FAILED, title, OutcomeCode.TITLE_TAKEN, f"{title} exists with other content"
            )
        if rule.outcome == "uploaded":
            return Outcome(FileStatus.UPLOADED, f"File:{row.filename}")
        if rule.outcome == "duplicate":  # the one rule: our own title among the copies means uploaded
            names = value if isinstance(value, list) else [value]
            copies = [f"File:{name}".replace("_", " ") for name in names]
            return preflight.judge_on_wiki(row.filename, row.sha1 or "", None, copies)
        if rule.outcome == "needs_review":
            review = self.db.review_for(row, key)
            if review is not None and review.decision == Decision.ACCEPT:
                return None  # a person looked at this warning for this file name: go past it
            if review is not None:
                return Outcome(
                    FileStatus.SKIPPED,
                    code=OutcomeCode.SKIPPED_BY_REVIEW,
                    message=f"{key}: {review.describe()}",
                )
        detail = f" ({value})" if value not in (None, "", True) else ""
        status = FileStatus.NEEDS_REVIEW if rule.outcome == "needs_review" else FileStatus.FAILED
        return Outcome(status, code=key, message=f"{rule.reason or key}{detail}")

    def verify(self, row: FileRow, reply: dict[str, Any]) -> Outcome:
        """Compare the SHA-1 the wiki computed with ours (after publishing)."""
        title = f"File:{reply.get('filename', row.filename)}".replace("_", " ")
        server_sha1 = (reply.get("imageinfo") or {}).get("sha1")
        if server_sha1 is None:
            info = self.wiki.file_info([row.filename])[row.filename]
            server_sha1 = info.get("sha1") if info else None
        if server_sha1 != row.sha1:
            return Outcome(
                FileStatus.NEEDS_REVIEW,
                title,
                OutcomeCode.SHA1_MISMATCH,
                f"the wiki holds SHA-1 {server_sha1}, the local file has {row.sha1}",
            )
        return Outcome(FileStatus.UPLOADED, title)

    def after_error(self, row: FileRow, exc: ApiError) -> Outcome:
        """A refused upload fails the record, unless the wiki holds our file after all (lost reply)."""
        if exc.code == "fileexists-no-change":
            return Outcome(FileStatus.UPLOADED, f"File:{row.filename}")
        title = self.holds_ours(row)
        if title is not None:
            return Outcome(FileStatus.UPLOADED, title)
        return Outcome(FileStatus.FAILED, code=exc.code, message=exc.info)

    def holds_ours(self, row: FileRow) -> str | None:
        """The title, when the wiki holds our file under our name (a reply we lost said Success)."""
        info = self.wiki.file_info([row.filename])[row.filename]
        return str(info["title"]) if info is not None and info.get("sha1") == row.sha1 else None
