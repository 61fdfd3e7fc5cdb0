"""Golden image sizes for detkit's header readers, taken from Pillow (an independent reader).

Writes
  fixtures/images/*                       tiny images of every supported format and layout
  fixtures/golden/image_sizes_fixtures.json
  fixtures/golden/image_sizes_coco128.json   (when ../shared/datasets is present)

Each record: file (relative), format, width and height as PIL's Image.size reports them
(stored grid, EXIF ignored), and orientation (EXIF tag 274, or null).

Run: ~/.cache/detkit-refenv/bin/python tools/golden_image_sizes.py
"""
import json
import os
import sys

import PIL
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMAGES = os.path.join(ROOT, "fixtures", "images")
GOLDEN = os.path.join(ROOT, "fixtures", "golden")
# The optional sample datasets beside the repository (developer tooling only).
DATASETS = os.path.join(os.path.dirname(ROOT), "shared", "datasets")


def pattern(w, h, mode="RGB"):
    img = Image.new(mode, (w, h))
    px = img.load()
    for y in range(h):
        for x in range(w):
            v = (x * 37 + y * 91) % 256
            px[x, y] = (v, 255 - v, (v * 3) % 256) if mode == "RGB" else (v, 255 - v, 7, 200)
    return img


def exif_with_orientation(value):
    exif = Image.Exif()
    exif[274] = value
    exif[0x010F] = "detkit"  # Make, so the orientation is not the only IFD0 entry
    return exif.tobytes()


def make_fixtures():
    os.makedirs(IMAGES, exist_ok=True)
    made = []

    def save(name, img, **kw):
        path = os.path.join(IMAGES, name)
        img.save(path, **kw)
        made.append(name)

    save("rgb_7x5.png", pattern(7, 5))
    save("rgb_7x5_baseline.jpg", pattern(7, 5), quality=90)
    save("rgb_7x5_progressive.jpg", pattern(7, 5), quality=90, progressive=True)
    save("rgb_7x5_exif6_progressive.jpg", pattern(7, 5), progressive=True,
         exif=exif_with_orientation(6))
    save("rgb_9x4_exif5.jpg", pattern(9, 4), exif=exif_with_orientation(5))
    save("rgb_9x4_exif3.jpg", pattern(9, 4), exif=exif_with_orientation(3))
    save("rgb_7x5.bmp", pattern(7, 5))
    save("rgb_7x5.gif", pattern(7, 5).convert("P"))
    save("rgb_7x5_lossy.webp", pattern(7, 5), lossless=False, quality=80)
    save("rgb_7x5_lossless.webp", pattern(7, 5), lossless=True)
    save("rgba_7x5_extended.webp", pattern(7, 5, "RGBA"), lossless=False, quality=80,
         exif=exif_with_orientation(6))
    save("rgb_300x2_lossless.webp", pattern(300, 2), lossless=True)
    return made


def record(path, rel):
    with Image.open(path) as img:
        orientation = img.getexif().get(274) if img.format == "JPEG" else None
        return {"file": rel, "format": img.format.lower(), "width": img.size[0],
                "height": img.size[1], "orientation": orientation}


def write(name, records):
    with open(os.path.join(GOLDEN, name), "w") as f:
        json.dump({"generator": "tools/golden_image_sizes.py", "pillow": PIL.__version__,
                   "images": records}, f, indent=1)
        f.write("\n")


def main():
    os.makedirs(GOLDEN, exist_ok=True)
    made = make_fixtures()
    fixtures = [record(os.path.join(IMAGES, n), n) for n in sorted(made)]
    # The VP8X fixture must really be extended, the others simple: assert the chunk types.
    for n, chunk in [("rgb_7x5_lossy.webp", b"VP8 "), ("rgb_7x5_lossless.webp", b"VP8L"),
                     ("rgba_7x5_extended.webp", b"VP8X")]:
        with open(os.path.join(IMAGES, n), "rb") as f:
            assert f.read(16)[12:16] == chunk, n
    write("image_sizes_fixtures.json", fixtures)
    coco128 = os.path.join(DATASETS, "coco128_yolo")
    if os.path.isdir(coco128):
        recs = []
        for dirpath, _, files in os.walk(os.path.join(coco128, "images")):
            for n in files:
                p = os.path.join(dirpath, n)
                recs.append(record(p, os.path.relpath(p, coco128)))
        recs.sort(key=lambda r: r["file"])
        write("image_sizes_coco128.json", recs)
        print(f"{len(recs)} coco128 images")
    else:
        print("datasets absent: coco128 golden not written", file=sys.stderr)
    print(f"{len(fixtures)} fixtures")


if __name__ == "__main__":
    main()
