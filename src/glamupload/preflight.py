"""The checks between a planned file and the wiki, shared by the dry-run report and the uploader.

One definition each of what may be sent and of what the wiki's answer means, so the report shows a
curator exactly what the upload will do:

* ``check_local``: the plan has no errors, the licence is accepted, the image is a readable file
  inside the batch's image folders whose content matches the file name (URLs are checked when they
  are downloaded, with ``check_download``: checked as the planner checks a local image);
* ``judge_on_wiki``: what the wiki already holds under the name, or with the same bytes, decides
  whether the file is sent at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from glamupload import media, sources
from glamupload.errors import InputError
from glamupload.planned import PlannedFile
from glamupload.state import FileStatus, Outcome, OutcomeCode


@dataclass(frozen=True)
class LocalFile:
    """A local image that may be sent: where it is, its type and size."""

    path: Path
    mime: str
    size: int


def extension_matches(filename: str, mime: str) -> bool:
    """Whether the file name's extension is one Commons takes for this content type."""
    ext = PurePosixPath(filename).suffix.lower().lstrip(".")
    return any(t.mime == mime and ext in (t.extension, *t.aliases) for t in media.media_types())


def check_plan(planned: PlannedFile) -> Outcome | None:
    """The plan's own verdict: errors fail the file, a licence not accepted skips it."""
    if planned.errors:
        problems = "; ".join(p.message for p in planned.errors)
        return Outcome(FileStatus.FAILED, code=OutcomeCode.PLAN_ERROR, message=problems)
    verdict = planned.license
    if not verdict.accepted:
        code = OutcomeCode.LICENSE_REJECT if verdict.verdict == "reject" else OutcomeCode.LICENSE_REVIEW
        return Outcome(FileStatus.SKIPPED, code=code, message=verdict.reason or "no accepted license")
    if not planned.source:
        return Outcome(FileStatus.FAILED, code=OutcomeCode.NO_SOURCE, message="the record has no image")
    return None


def check_local(
    planned: PlannedFile,
    roots: Sequence[Path],
    *,
    allow_outside: bool = False,
    files: sources.LocalFiles | None = None,
) -> Outcome | LocalFile | None:
    """Everything that can be decided without the wiki: an Outcome that settles the file, the local
    image to send, or None for a URL (downloaded and checked at upload). Nothing outside the image
    folders is ever opened. ``files`` resolves paths for a run of many checks (the same roots)."""
    settled = check_plan(planned)
    if settled is not None or sources.is_url(planned.source):
        return settled
    try:
        if files is None:
            files = sources.LocalFiles(roots, allow_outside=allow_outside)
        path = files.path(planned.source)
        return check_content(path, planned.filename, planned.source)
    except sources.SourceError as exc:
        return Outcome(FileStatus.FAILED, code=exc.code, message=exc.message)
    except InputError as exc:
        return Outcome(FileStatus.FAILED, code=OutcomeCode.SOURCE, message=exc.message)


def check_known(planned: PlannedFile, image: LocalFile | None) -> Outcome | LocalFile | None:
    """``check_local`` for a file just planned, whose image the planner found inside the image folders
    and sniffed (``image``; None when it did not): the same verdict, nothing read again."""
    settled = check_plan(planned)
    if settled is not None or sources.is_url(planned.source):
        return settled
    if image is None:  # the planner gives every local image it could use; this cannot happen unread
        return Outcome(FileStatus.FAILED, code=OutcomeCode.SOURCE, message=f"{planned.source}: not checked")
    return _content_matches(image, planned.filename, planned.source)


def check_content(path: Path, filename: str, source: str) -> Outcome | LocalFile:
    """The bytes at ``path`` (a local image or a download) are of the type the file name says."""
    return _content_matches(LocalFile(path, media.sniff_mime(path), path.stat().st_size), filename, source)


def check_download(path: Path, filename: str, source: str) -> Outcome | LocalFile:
    """A downloaded image, checked as the dry run checks a local one (``media.inspect_file``: a usable
    image, nothing MediaWiki refuses as a script risk) and of the type the file name says; an
    ``InputError`` says why not."""
    checked = check_content(path, filename, source)
    if isinstance(checked, LocalFile):
        media.check_image(path, checked.mime)
    return checked


def _content_matches(image: LocalFile, filename: str, source: str) -> Outcome | LocalFile:
    if not extension_matches(filename, image.mime):
        return Outcome(
            FileStatus.FAILED,
            code=OutcomeCode.MIME_MISMATCH,
            message=f"{source} is {image.mime}, which does not match the name {filename}",
        )
    return image


def judge_on_wiki(
    filename: str,
    sha1: str,
    existing: dict[str, Any] | None,
    copies: Sequence[str],
    batch_twin: str | None = None,
) -> Outcome | None:
    """What the wiki's files mean for one file (None: send it).

    ``existing`` is the wiki's imageinfo for the title (None when the title is free), ``copies`` the
    titles of the wiki's files with the same bytes, ``batch_twin`` the title another file of this batch
    with the same bytes was uploaded as. The title holding our bytes means the file is there already
    (an earlier run, or another state's run on the same wiki: uploaded, never a duplicate of itself);
    the title holding other bytes is taken; our bytes under another name are a duplicate.
    """
    own = f"File:{filename}".replace("_", " ")
    if existing is not None:
        if existing.get("sha1") == sha1:
            return Outcome(FileStatus.UPLOADED, str(existing["title"]))
        title = str(existing["title"])
        return Outcome(
            FileStatus.FAILED, title, OutcomeCode.TITLE_TAKEN, f"{title} exists with other content"
        )
    if own in copies:
        return Outcome(FileStatus.UPLOADED, own)
    if batch_twin is not None:
        return Outcome(
            FileStatus.DUPLICATE,
            batch_twin,
            OutcomeCode.DUPLICATE,
            f"same content as {batch_twin} (this batch)",
        )
    if copies:
        first = copies[0]
        return Outcome(FileStatus.DUPLICATE, first, OutcomeCode.DUPLICATE, f"same content as {first}")
    return None
