"""What can be wrong with one planned file: a problem names its field, says what in a sentence, and
carries a code that code (the uploader, the report, the state) acts on — never the sentence itself.

A leaf module: the transforms, the page checker and the planner create problems; the upload state
and the report read them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class ProblemCode(StrEnum):
    """Kinds of problems. Errors make a file not uploadable; warnings are for the curator."""

    NO_ID = "no-id"  #: the record has no identifier
    RECORD = "record"  #: the record itself could not be read
    DUPLICATE_ID = "duplicate-id"  #: another record of the export has the same identifier
    VALUE = "value"  #: a transform could not read a value (kept as text, or left out)
    FACT = "fact"  #: a value the licence reasoning needs is unusable (e.g. not a year)
    NO_IMAGE = "no-image"  #: the record names no image
    IMAGE_PATH = "image-path"  #: the image path pattern cannot be filled, or the path cannot name a file
    IMAGE_OUTSIDE_ROOT = "image-outside-root"  #: the image path leads outside the batch's image folders
    IMAGE_MISSING = "image-missing"  #: the image file is not found under the image folders
    IMAGE_UNREADABLE = "image-unreadable"  #: the image's bytes are not a usable image
    IMAGE_URL = "image-url"  #: the image's URL cannot be fetched (it does not parse, or names no host)
    REMOTE_EXTENSION = "remote-extension"  #: a URL's extension is provisional until it is downloaded
    FILENAME = "filename"  #: no valid file name can be made
    CAMERA_DEFAULT = "camera-default"  #: the name looks like a camera's default, which Commons refuses
    COLLISION = "collision"  #: the wanted name was already planned, so this file got another one
    CATEGORY = "category"  #: a category name is not a valid title
    PAGE = "page"  #: the rendered page is not what was intended
    NO_LICENSE = "no-license"  #: the page has no licence (a refused licence is reported by its verdict)
    SDC_VALUE = "sdc-value"  #: a structured-data value does not fit its property's datatype (left out)
    SDC_CAPTION = "sdc-caption"  #: a caption is too long or holds markup (left out)
    SDC_CONTRADICTS = "sdc-contradicts"  #: a statement contradicts the page (licence: error; date: warning)
    # Commons page conventions (glamupload.conventions; warnings: the file may go, a patroller would fix it)
    CREATOR_MISPLACED = "creator-misplaced"  #: a {{Creator:…}} outside artist/author/photographer
    NEEDS_CATEGORIES = "needs-categories"  #: no topical category: the file goes into the batch's backlog
    SAYS_LITTLE = "says-little"  #: the file name's descriptive part is an identifier or one upper-case word
    NAME_MARKUP = "name-markup"  #: a file-name part holds page markup (lang, format, a lookup's wikitext…)
    UNTAGGED_TEXT = "untagged-text"  #: free text of a known language without a language template
    SOURCE_WITHOUT_URL = "source-without-url"  #: ``source`` does not link the record's web page
    ATTRIBUTION_WITHOUT_PHOTOGRAPHER = "attribution-without-photographer"  #: the licence credit lacks them


@dataclass(frozen=True)
class Problem:
    """A warning or an error about one field of one planned file."""

    field: str
    message: str
    code: ProblemCode = ProblemCode.VALUE

    def to_dict(self) -> dict[str, str]:
        """The records.jsonl shape."""
        return {"code": self.code.value, "field": self.field, "message": self.message}

    @classmethod
    def from_dict(cls, data: Mapping[str, str]) -> Problem:
        return cls(str(data["field"]), str(data["message"]), ProblemCode(data["code"]))

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"
