#!/usr/bin/env python3
"""Write synthetic detections (a COCO results JSON array) for a COCO instances file, for the
evaluation benchmarks (W-EVAL). Standard library only; written for detkit.

  python3 tools/gen_coco.py --images 5000 --out /tmp/gt.json
  python3 tools/gen_dets.py --gt /tmp/gt.json --out /tmp/dets.json        # W-EVAL: 500k

Deterministic for --seed. Per image exactly --per-image detections (default 100, COCO's
maxDets), made to exercise what COCO evaluation distinguishes:
- about 60% of the image's non-crowd boxes are found: the box jittered by up to 15% of its
  sides, a score in [0.3, 1), and 10% of them with another category (false positives that
  overlap ground truth);
- about 10% of the found boxes are found twice (a second, lower-scoring copy: duplicates);
- the rest are background boxes anywhere in the image with scores in [0, 0.5), a quarter of
  them inside a crowd region when the image has one (neither true nor false positives);
- scores are rounded to 5 decimals, so equal scores occur as in real results files.
Images without ground truth get background boxes only. The ground truth is read with
`json.load` (about 10x its size in memory); the output is written detection by detection.
"""
import argparse
import json
import random
import sys


def jitter(rng, b, width, height):
    """Box b moved and resized by up to 15% of its sides, kept inside the image."""
    x, y, w, h = b
    w2 = max(1.0, w * rng.uniform(0.85, 1.15))
    h2 = max(1.0, h * rng.uniform(0.85, 1.15))
    x2 = min(max(0.0, x + w * rng.uniform(-0.15, 0.15)), max(0.0, width - w2))
    y2 = min(max(0.0, y + h * rng.uniform(-0.15, 0.15)), max(0.0, height - h2))
    return [round(x2, 2), round(y2, 2), round(w2, 2), round(h2, 2)]


def background(rng, width, height, region=None):
    """A box anywhere in the image (or inside `region`, an [x, y, w, h] box)."""
    x0, y0, rw, rh = region if region else (0.0, 0.0, float(width), float(height))
    w = rng.uniform(0.05, 0.6) * rw
    h = rng.uniform(0.05, 0.6) * rh
    x = x0 + rng.uniform(0.0, rw - w)
    y = y0 + rng.uniform(0.0, rh - h)
    return [round(x, 2), round(y, 2), round(max(w, 1.0), 2), round(max(h, 1.0), 2)]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--gt", required=True, help="COCO instances JSON (e.g. from gen_coco.py)")
    p.add_argument("--per-image", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="-")
    a = p.parse_args()
    rng = random.Random(a.seed)
    with open(a.gt) as f:
        gt = json.load(f)
    categories = [c["id"] for c in gt["categories"]]
    boxes = {image["id"]: [] for image in gt["images"]}
    for ann in gt["annotations"]:
        boxes.setdefault(ann["image_id"], []).append(ann)
    out = sys.stdout if a.out == "-" else open(a.out, "w")
    first = True

    def emit(image_id, category_id, bbox, score):
        nonlocal first
        out.write(("[" if first else ",") + json.dumps(
            {"image_id": image_id, "category_id": category_id, "bbox": bbox,
             "score": round(score, 5)}, separators=(",", ":")))
        first = False

    for image in gt["images"]:
        width, height = image["width"], image["height"]
        anns = boxes[image["id"]]
        crowds = [ann["bbox"] for ann in anns if ann.get("iscrowd")]
        made = []
        for ann in anns:
            if ann.get("iscrowd") or rng.random() >= 0.6:
                continue
            category = ann["category_id"]
            if rng.random() < 0.1:
                category = categories[rng.randrange(len(categories))]
            score = rng.uniform(0.3, 1.0)
            made.append((category, jitter(rng, ann["bbox"], width, height), score))
            if rng.random() < 0.1:
                made.append((category, jitter(rng, ann["bbox"], width, height),
                             score * rng.uniform(0.5, 1.0)))
        made = made[:a.per_image]
        while len(made) < a.per_image:
            region = crowds[rng.randrange(len(crowds))] if crowds and rng.random() < 0.25 else None
            made.append((categories[rng.randrange(len(categories))],
                         background(rng, width, height, region), rng.uniform(0.0, 0.5)))
        for category, bbox, score in made:
            emit(image["id"], category, bbox, score)
    out.write("[]\n" if first else "]\n")
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
