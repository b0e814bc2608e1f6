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
    """Asks the wiki, a group of rows at a time, which files it already has, and renders the first
    ``render_limit`` pages with action=parse (one request each: a whole large batch would be too many)."""

    def __init__(self, wiki: Wiki, render_limit: int) -> None:
        self.wiki = wiki
        self.render_limit = render_limit
        self.by_title = Examples()
        self.by_sha1 = Examples()
        self.unchecked_sha1 = 0
        self.rendered = 0
        self.render_failed = Examples()
        self.maintenance = Examples()

    def check(self, rows: list[Row]) -> None:
        titles = [row.item.filename for row in rows if row.item.filename]
        existing = self.wiki.file_info(titles) if titles else {}
        for row in rows:
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
            if item.wikitext and self.rendered < self.render_limit:
                self.render(row)

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
        row.maintenance = maintenance.findings(reply["parse"].get("categories", []))
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
