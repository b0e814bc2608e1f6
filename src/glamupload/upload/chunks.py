"""The chunked-upload protocol: a large file goes to the wiki's stash piece by piece, and an
interrupted upload continues where the server is, not where we think we were.

The stash key and the server's offset are stored in the state after every chunk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from glamupload import sources
from glamupload.errors import ApiError
from glamupload.state import BatchState, FileRow
from glamupload.stopping import StopSignal
from glamupload.wiki import Wiki


@dataclass
class ChunkedUpload:
    """Sends files to the stash for one run."""

    wiki: Wiki
    db: BatchState
    chunk_size: int
    stop: StopSignal
    #: Called with the number of bytes the server holds more (or fewer, after a restart) than before.
    sent: Callable[[int], None]

    def send(self, row: FileRow, content: sources.Content) -> str | None:
        """Send the file chunk by chunk; the assembled file's stash key, or None when stopped."""
        filekey, offset = self.position(row, content.size)
        restarted = False
        self.sent(offset)
        with content.path.open("rb") as fh:
            while offset < content.size:
                if self.stop.is_set():
                    return None
                fh.seek(offset)
                chunk = fh.read(self.chunk_size)
                try:
                    reply = self.wiki.upload_chunk(
                        row.filename, chunk, offset, content.size, filekey if offset else None
                    )
                except ApiError as exc:
                    expected = exc.details.get("offset")
                    if exc.code == "stashfailed" and expected is not None and int(expected) != offset:
                        self.sent(int(expected) - offset)
                        offset = int(expected)  # the server got a chunk whose reply we lost
                        continue
                    if restarted:
                        raise
                    # the session is gone (e.g. the last chunk's reply was lost): once more from the start
                    restarted = True
                    self.sent(-offset)
                    filekey, offset = None, 0
                    self.db.set_stash(row.id, None, None)
                    continue
                filekey = str(reply["filekey"])
                new_offset = int(reply["offset"]) if reply.get("result") == "Continue" else content.size
                self.sent(new_offset - offset)
                offset = new_offset
                self.db.set_stash(row.id, filekey, offset)
        return filekey

    def position(self, row: FileRow, size: int) -> tuple[str | None, int]:
        """Where a chunked upload of an earlier run stands on the server (or a fresh start)."""
        if not row.filekey:
            return None, 0
        if row.stash_offset == size:  # assembled in an earlier run: use it if the stash still holds it
            stashed = self.wiki.stash_info(row.filekey)
            return (row.filekey, size) if stashed and stashed.get("sha1") == row.sha1 else (None, 0)
        try:
            status = self.wiki.stash_status(row.filekey)
        except ApiError:
            return None, 0
        if status.get("result") == "Continue" and "offset" in status:
            return row.filekey, int(status["offset"])
        return None, 0
