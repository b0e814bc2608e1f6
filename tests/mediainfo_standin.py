"""A STAND-IN for Commons' MediaInfo API (WikibaseMediaInfo), for the structured-data write tests.

WikibaseMediaInfo cannot run here (it is not packaged for Debian and needs Wikibase), so this proxy sits in
front of the real sandbox wiki and answers ``wbgetentities`` and ``wbeditentity`` itself, keeping the
entities in memory; every other request (login, tokens, page ids, uploads) goes to the sandbox unchanged.
It answers as Commons does, after the documented contract (Wikibase API and
Extension:WikibaseMediaInfo/Data Model/JSON; the error codes as Commons gives them):

- an entity is ``M`` + the file page's id; a page id the sandbox does not have is ``no-such-entity`` on
  edit, ``missing`` on read; an entity without data yet reads as ``missing``;
- ``wbeditentity`` applies ``labels`` and ``claims`` in one revision: a claim without ``id`` is added, one
  with ``id`` replaces that claim whole (its qualifiers too), ``{"id": …, "remove": ""}`` removes it and a
  label with ``remove`` is removed (Wikibase's EditEntityTest "remove the claim", wbeditentity's example
  "Removes a label"); any other claim without ``type`` and ``mainsnak`` is refused and nothing is
  applied; ``baserevid`` older than the entity's revision is ``edit-conflict``;
- scheduled faults answer the next edit with ``maxlag`` (with Retry-After), ``ratelimited`` or ``badtoken``,
  and ``someone_edits`` makes another user save the entity between our read and our write.

It reads only what glamupload sends; it is not a Wikibase.
"""

from __future__ import annotations

import http.client
import itertools
import json
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from faultproxy import FaultProxy

Reply = tuple[dict[str, object], list[tuple[str, str]]]
ERROR_INFO = {
    "maxlag": "Waiting for a database server: 7 seconds lagged.",
    "ratelimited": "As an anti-abuse measure, you are limited from performing this action too many times.",
    "badtoken": "Invalid CSRF token.",
    "edit-conflict": "Edit conflict: the entity was changed since the base revision.",
    "no-such-entity": "Could not find an entity with the ID.",
    "invalid-claim": "Invalid claim: every claim needs type and mainsnak.",
}


class MediaInfoStandIn(FaultProxy):
    """``with MediaInfoStandIn(sandbox_api) as standin:`` then point the wiki layer at ``standin.api``."""

    def __init__(self, upstream_api: str) -> None:
        super().__init__(upstream_api, retry_after=1)
        self.entities: dict[str, dict[str, Any]] = {}  #: M-id → {"labels", "statements", "lastrevid"}
        self.edits: dict[str, list[dict[str, Any]]] = {}  #: M-id → the data of every edit applied
        self.errors: list[str] = []  #: error codes to answer the next edits with, in order
        self.others: list[dict[str, Any]] = []  #: claims "another user" saves just before our next edit
        self.deleted: set[str] = set()  #: entities whose file page "was deleted" (no-such-entity)
        #: seconds to wait after applying an edit before answering (a kill then lands mid-reply)
        self.delay_after_edit = 0.0
        self._ids = itertools.count(1)
        self._revisions = itertools.count(1000)
        self._store = threading.Lock()

    # -- what a test arranges --------------------------------------------------------------------

    def fail_next_edit(self, *codes: str) -> None:
        self.errors.extend(codes)

    def someone_edits(self, entity_id: str, claim: dict[str, Any]) -> None:
        """Another user saves ``claim`` on the entity right now (a new revision)."""
        with self._store:
            self._apply(entity_id, {"claims": [claim]}, record=False)

    # -- the API ---------------------------------------------------------------------------------

    def answer(self, action: str, body: bytes) -> Reply | None:
        if action not in ("wbgetentities", "wbeditentity"):
            return None
        form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        with self._store:
            if action == "wbgetentities":
                return self._get(form["ids"]), []
            return self._edit(form)

    def _page_exists(self, entity_id: str) -> bool:
        if entity_id in self.deleted:
            return False
        conn = http.client.HTTPConnection(*self.upstream, timeout=60)
        try:
            conn.request(
                "POST",
                self.path,
                body=f"action=query&format=json&pageids={entity_id[1:]}",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            pages = json.loads(conn.getresponse().read())["query"]["pages"]
        finally:
            conn.close()
        return all("missing" not in p and p.get("ns") == 6 for p in pages.values())

    def _get(self, ids: str) -> dict[str, object]:
        entities: dict[str, object] = {}
        for entity_id in ids.split("|"):
            stored = self.entities.get(entity_id)
            if stored is None or not self._page_exists(entity_id):
                entities[entity_id] = {"id": entity_id, "missing": ""}
                continue
            statements = stored["statements"] or []  # MediaInfo serialises no statements as []
            entities[entity_id] = {
                "type": "mediainfo",
                "id": entity_id,
                "pageid": int(entity_id[1:]),
                "ns": 6,
                "lastrevid": stored["lastrevid"],
                "labels": stored["labels"],
                "descriptions": {},
                "statements": statements,
            }
        return {"entities": entities, "success": 1}

    def _error(self, code: str) -> Reply:
        headers = [("Retry-After", "1")] if code in ("maxlag", "ratelimited") else []
        return {"error": {"code": code, "info": ERROR_INFO[code]}}, headers

    def _edit(self, form: dict[str, str]) -> Reply:
        entity_id = form["id"]
        if self.errors:
            return self._error(self.errors.pop(0))
        if not self._page_exists(entity_id):
            return self._error("no-such-entity")
        if self.others:
            self._apply(entity_id, {"claims": [self.others.pop(0)]}, record=False)
        data = json.loads(form["data"])
        claims = [c for c in data.get("claims", []) if "remove" not in c]
        if any(c.get("type") != "statement" or "mainsnak" not in c for c in claims):
            return self._error("invalid-claim")
        current = self.entities.get(entity_id, {}).get("lastrevid")
        if current is not None and int(form.get("baserevid") or 0) < current:
            return self._error("edit-conflict")
        entity = self._apply(entity_id, data, record=True)
        if self.delay_after_edit:
            time.sleep(self.delay_after_edit)
        return {
            "entity": {"id": entity_id, "type": "mediainfo", "lastrevid": entity["lastrevid"]},
            "success": 1,
        }, []

    def _apply(self, entity_id: str, data: dict[str, Any], *, record: bool) -> dict[str, Any]:
        entity = self.entities.setdefault(entity_id, {"labels": {}, "statements": {}, "lastrevid": 0})
        apply_edit(entity, data, lambda: f"{entity_id}$standin-{next(self._ids)}")
        entity["lastrevid"] = next(self._revisions)
        if record:
            self.edits.setdefault(entity_id, []).append(data)
        return entity


def apply_edit(entity: dict[str, Any], data: dict[str, Any], new_id: Callable[[], str]) -> None:
    """Apply one ``wbeditentity`` ``data`` to ``entity`` ({"labels", "statements"}) as Wikibase does."""
    for language, label in data.get("labels", {}).items():
        if "remove" in label:
            entity["labels"].pop(language, None)
        else:
            entity["labels"][language] = label
    for claim in data.get("claims", []):
        if "remove" in claim:
            for prop, claims in list(entity["statements"].items()):
                claims[:] = [c for c in claims if c["id"] != claim["id"]]
                if not claims:
                    del entity["statements"][prop]
            continue
        claim = dict(claim)
        claims = entity["statements"].setdefault(claim["mainsnak"]["property"], [])
        if "id" in claim:
            claims[:] = [claim if c["id"] == claim["id"] else c for c in claims]
        else:
            claim["id"] = new_id()
            claims.append(claim)
