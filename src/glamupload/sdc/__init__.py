"""Structured Data on Commons: captions and statements planned from the crosswalk, checked in the dry run,
and written once per file to its MediaInfo entity (docs/structured-data.md, decision 0018).

``model`` holds the typed payload and its Wikibase JSON, ``build`` plans it for one record, ``merge``
combines it with what the wiki already holds, ``write`` is the resumable run over the upload state.
This package module imports nothing, so the crosswalk can read the property table without a cycle.
"""
