"""What only the wiki knows, for the dry-run report: the files it already has under a planned name or
with the same bytes — judged by the upload's own rule (``preflight.judge_on_wiki``) — how it renders the
pages, and which maintenance categories it files them into (glamupload.maintenance: a misspelled
parameter, no machine-readable licence…, as Commons' patrollers will see them).
"""

from __future__ import annotations

from typing import Any

from glamupload import maintenance, preflight, sources
from glamupload.errors import WikiError
from glamupload.report.tally import Examples, Row
from glamupload.wiki import Wiki


class WikiChecks:
    """Asks the wiki, a group of rows at a time, which files it already has, and renders the pages of the
    batch's first ``render_limit`` files with action=parse (one request each: a whole large batch would
    be too many)."""

    def __init__(self, wiki: Wiki, render_limit: int) -> None:
        self.wiki = wiki
        self.render_limit = render_limit
        self.by_title = Examples()
        self.by_sha1 = Examples()
        self.unchecked_sha1 = 0
        self.rendered = 0
        self.render_failed = Examples()
        self.maintenance = Examples()

    def check(self, rows: list[Row], first: int = 0) -> None:
        """Ask about ``rows``, the first of which is the batch's file number ``first`` (0-based)."""
        titles = [row.item.filename for row in rows if row.item.filename]
        existing = self.wiki.file_info(titles) if titles else {}
        for position, row in enumerate(rows, start=first):
            item = row.item
            info = existing.get(item.filename)
            if info is not None:
                row.on_wiki["title"] = info.get("title", f"File:{item.filename}")
                self.by_title.add({"record_id": item.record_id, "filename": item.filename})
            if row.image is None or row.local_outcome is not None:  # a URL, or a file the upload won't send
                self.unchecked_sha1 += 1
            else:
                sha1 = sources.hash_file(row.image).sha1
                same = self.wiki.files_with_sha1(sha1)
                if same:
                    row.on_wiki["sha1"] = same
                    self.by_sha1.add(
                        {
                            "record_id": item.record_id,
                            "filename": item.filename,
                            "sha1": sha1,
                            "existing": same,
                        }
                    )
                outcome = preflight.judge_on_wiki(item.filename, sha1, info, same)
                if outcome is not None:  # what the upload would record instead of sending the file
                    row.on_wiki["outcome"] = {
                        "status": outcome.status.value,
                        "code": outcome.code,
                        "message": outcome.message,
                        "title": outcome.title,
                    }
            if item.wikitext and position < self.render_limit:
                self.render(row)

    def part(self) -> WikiChecks:
        """Checks for one part of the report, through this connection (``merge`` adds them up)."""
        return WikiChecks(self.wiki, self.render_limit)

    def merge(self, other: WikiChecks) -> None:
        """Add a later part's findings (parts come in batch order)."""
        self.by_title.merge(other.by_title)
        self.by_sha1.merge(other.by_sha1)
        self.unchecked_sha1 += other.unchecked_sha1
        self.rendered += other.rendered
        self.render_failed.merge(other.render_failed)
        self.maintenance.merge(other.maintenance)

    def __getstate__(self) -> dict[str, Any]:
        """A part's findings cross processes without the connection."""
        return {**self.__dict__, "wiki": None}

    def render(self, row: Row) -> None:
        """The page as the wiki renders it, and the maintenance categories it lands in; a page the wiki
        refuses is noted, not fatal."""
        try:
            reply = self.wiki.api(
                "parse",
                title=f"File:{row.item.filename or 'Example.jpg'}",
                text=row.item.wikitext,
                contentmodel="wikitext",
                prop="text|categories",
                disableeditsection=1,
                disablelimitreport=1,
                formatversion=2,
            )
        except WikiError as exc:
            self.render_failed.add(
                {"record_id": row.item.record_id, "filename": row.item.filename, "problem": str(exc)}
            )
            return
        row.rendered = str(reply["parse"]["text"])
        found = maintenance.findings(reply["parse"].get("categories", []))
        # a page whose licence is not accepted has no licence tag by design, and its verdict says why (the
        # planner's rule for its own "page has no licence"): the wiki's "no machine-readable license" is
        # no news there
        row.maintenance = [f for f in found if row.item.license.accepted or f.kind != "no-license"]
        if row.maintenance:
            self.maintenance.add(
                {
                    "record_id": row.item.record_id,
                    "filename": row.item.filename,
                    "findings": [finding.message for finding in row.maintenance],
                }
            )
        self.rendered += 1

    def to_json(self) -> dict[str, Any]:
        return {
            "checked": True,
            "by_title": self.by_title.to_json(),
            "by_sha1": self.by_sha1.to_json(),
            "sha1_not_checked": self.unchecked_sha1,
            "rendered": self.rendered,
            "render_limit": self.render_limit,
            "render_failed": self.render_failed.to_json(),
            "maintenance": self.maintenance.to_json(),
        }
