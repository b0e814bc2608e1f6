"""Small JPEG previews of local images, embedded in report.html."""

from __future__ import annotations

import base64
import io
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from glamupload.media import quiet_decoder

#: Thumbnails are small JPEGs so that a large batch's report stays a file one can mail.
THUMBNAIL_PX = 96
THUMBNAIL_QUALITY = 70


def thumbnail(path: Path, size: int = THUMBNAIL_PX) -> str | None:
    """A small base64 JPEG of a local image, or None when Pillow cannot read it."""
    try:
        with quiet_decoder(), Image.open(path) as image:
            image.draft("RGB", (size, size))
            small = ImageOps.exif_transpose(image).convert("RGB")
            small.thumbnail((size, size))
            out = io.BytesIO()
            small.save(out, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
        return None
    return base64.b64encode(out.getvalue()).decode("ascii")
