#!/usr/bin/env python3
"""Write a synthetic COCO "instances" JSON file of any size, for benchmarks (W-IMPORT,
W-SCALE, W-EVAL ground truth). Standard library only; written for detkit.

  python3 tools/gen_coco.py --images 118287 --out /tmp/train.json     # W-IMPORT scale
  python3 tools/gen_coco.py --images 1182870 --out /tmp/scale.json    # W-SCALE (~4 GB)

Deterministic for --seed. COCO's layout and quirks: top-level keys info, licenses, images,
annotations, categories (categories last, so importers must not need them first); 80
categories with COCO's non-contiguous ids in 1..90; float [x, y, w, h] boxes inside their
image; `area` below the box's (a mask's area); polygon segmentations (28 vertices on average,
as in COCO, so about 3.6 KB of JSON per image); about 1% `iscrowd`
annotations with uncompressed RLE; box sides drawn so that about 41% / 34% / 25% are
small / medium / large by area (< 32², < 96², larger); --per-image annotations on average.

The file is streamed record by record, so memory does not grow with --images.
"""
import argparse
import json
import math
import random
import sys

# COCO's 80 category ids (1..90 with the ten unused ones left out).
CATEGORY_IDS = [i for i in range(1, 91) if i not in (12, 26, 29, 30, 45, 66, 68, 69, 71, 83)]
IMAGE_SIZES = [(640, 480), (480, 640), (640, 427), (427, 640), (640, 426), (612, 612),
               (500, 375), (640, 360)]


def box(rng, width, height):
    """A box [x, y, w, h] inside the image; side sqrt(area) log-uniform per size class."""
    u = rng.random()
    low, high = (4.0, 32.0) if u < 0.41 else (32.0, 96.0) if u < 0.75 else (96.0, 400.0)
    side = math.exp(rng.uniform(math.log(low), math.log(high)))
    ratio = math.exp(rng.uniform(math.log(0.33), math.log(3.0)))  # height / width
    w = min(side / math.sqrt(ratio), width - 1.0)
    h = min(side * math.sqrt(ratio), height - 1.0)
    x = rng.uniform(0, width - w)
    y = rng.uniform(0, height - h)
    return [round(x, 2), round(y, 2), round(w, 2), round(h, 2)]


def polygon(rng, b):
    """A star-shaped polygon inside box b, and its area (shoelace). 10 to 46 vertices, 28 on
    average, about as many as COCO's polygons have, so a file has COCO's bytes per image
    (train2017: about 3.8 KB)."""
    x, y, w, h = b
    n = rng.randint(10, 46)
    points = []
    for k in range(n):
        t = 2 * math.pi * k / n
        r = rng.uniform(0.6, 1.0)
        points.append((x + w / 2 + r * w / 2 * math.cos(t), y + h / 2 + r * h / 2 * math.sin(t)))
    area = 0.5 * abs(sum(points[i][0] * points[i - 1][1] - points[i - 1][0] * points[i][1]
                         for i in range(n)))
    flat = [round(v, 2) for p in points for v in p]
    return [flat], round(area, 2)


def rle(b, width, height):
    """An uncompressed RLE (column-major runs, zeros first) of the pixels wholly inside box
    b, and its area (so never above the box's)."""
    x, y, w, h = b
    x0, y0 = math.ceil(x), math.ceil(y)
    x1, y1 = min(width, math.floor(x + w)), min(height, math.floor(y + h))
    run = y1 - y0
    if x1 <= x0 or run <= 0:
        return {"counts": [width * height], "size": [height, width]}, 0
    counts = [x0 * height + y0]
    for _ in range(x0, x1):
        counts += [run, height - run]
    counts[-1] = width * height - sum(counts[:-1])
    return {"counts": counts, "size": [height, width]}, run * (x1 - x0)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--images", type=int, default=5000)
    p.add_argument("--per-image", type=float, default=6.8, help="mean annotations per image")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="-")
    a = p.parse_args()
    rng = random.Random(a.seed)
    out = sys.stdout if a.out == "-" else open(a.out, "w")
    dump = lambda v: json.dumps(v, separators=(",", ":"))
    out.write('{"info":' + dump({"description": "detkit synthetic COCO", "version": "1.0",
                                   "year": 2026}))
    out.write(',"licenses":' + dump([{"id": 1, "name": "synthetic", "url": ""}]))
    sizes = []
    out.write(',"images":[')
    for i in range(a.images):
        width, height = IMAGE_SIZES[rng.randrange(len(IMAGE_SIZES))]
        sizes.append((width, height))
        out.write(("," if i else "") + dump({
            "id": 100000 + 7 * i, "file_name": f"{100000 + 7 * i:012d}.jpg", "width": width,
            "height": height, "license": 1}))
    out.write('],"annotations":[')
    next_id = 1
    first = True
    for i, (width, height) in enumerate(sizes):
        count = min(60, int(rng.expovariate(1.0 / a.per_image) + 0.5))
        for _ in range(count):
            b = box(rng, width, height)
            crowd = rng.random() < 0.01
            if crowd:
                segmentation, area = rle(b, width, height)
            else:
                segmentation, area = polygon(rng, b)
            out.write(("" if first else ",") + dump({
                "id": next_id, "image_id": 100000 + 7 * i,
                "category_id": CATEGORY_IDS[rng.randrange(80)], "bbox": b, "area": area,
                "iscrowd": int(crowd), "segmentation": segmentation}))
            first = False
            next_id += rng.randint(1, 3)
    out.write('],"categories":' + dump([
        {"id": c, "name": f"class{c}", "supercategory": "thing"} for c in CATEGORY_IDS]))
    out.write("}\n")
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
