"""Generate the clearly labelled placeholder images for the SMM example batch.

The real export names image ids (column ``Dimukode``) but ships no images; rather than invent
artwork, each planned file gets a small JPEG that says PLACEHOLDER and carries the record's
accession number, so every image has distinct content (distinct SHA-1) and is obviously not real.
Run: python examples/smm/make_placeholders.py
"""

from __future__ import annotations

import csv
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).parent
EXPORT = HERE / "Exportlista Wikimedia v5-2015-09-07.csv"


def main() -> None:
    out = HERE / "images"
    out.mkdir(exist_ok=True)
    with EXPORT.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="|"))
    header, body = rows[0], rows[1:]
    id_col, code_col = header.index("Identifikationsnr"), header.index("Dimukode")
    for row in body:
        image = Image.new("RGB", (320, 200), (200, 214, 229))
        draw = ImageDraw.Draw(image)
        draw.rectangle((4, 4, 315, 195), outline=(40, 60, 90), width=3)
        draw.text((16, 20), "PLACEHOLDER IMAGE", fill=(120, 0, 0))
        draw.text((16, 50), "glamupload example batch (not a real photo)", fill=(20, 20, 20))
        draw.text((16, 90), f"Record: {row[id_col]}", fill=(20, 20, 20))
        draw.text((16, 120), f"Image id (Dimukode): {row[code_col]}", fill=(20, 20, 20))
        draw.text((16, 160), "Sjohistoriska / Vasamuseet metadata, 2015", fill=(60, 60, 60))
        image.save(out / f"{row[code_col]}.jpg", quality=60)


if __name__ == "__main__":
    main()
