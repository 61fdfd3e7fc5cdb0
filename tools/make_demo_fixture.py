#!/usr/bin/env python3
"""Write the demo dataset bundled in fixtures/demo/ (made for detkit; no third-party data).

Twelve synthetic "street" images of COCO-like sizes with 5 categories (ids sparse like
COCO's), boxes from tiny (< 32 px) to large (> 96 px), one crowd region, one image
without objects. Deterministic: plain Python, no dependencies.

  python3 tools/make_demo_fixture.py          # rewrites fixtures/demo/instances.json
"""
import json, pathlib, random

CATEGORIES = [(1, "person", "person"), (2, "bicycle", "vehicle"), (3, "car", "vehicle"),
              (10, "traffic light", "outdoor"), (18, "dog", "animal")]
SIZES = [(480, 640), (427, 640), (640, 480), (612, 612), (375, 500), (360, 640)]
# (category id, typical width, typical height) in pixels at the image's scale
SHAPES = {1: (40, 110), 2: (90, 60), 3: (140, 80), 10: (14, 34), 18: (70, 50)}


def rectangle_rle(h, w, x, y, bw, bh):
    """Uncompressed COCO RLE (column-major runs, zeros first) of a filled rectangle."""
    counts = [x * h + y, bh]
    for _ in range(bw - 1):
        counts += [h - bh, bh]
    counts.append(h * w - sum(counts))
    return counts


def main():
    rng = random.Random(2026)
    images, annotations = [], []
    ann_id = 9001
    for k in range(12):
        h, w = SIZES[k % len(SIZES)]
        image_id = 100 + 7 * k
        images.append({"id": image_id, "file_name": f"street_{k:03d}.jpg", "width": w, "height": h})
        count = 0 if k == 5 else rng.randint(2, 7)
        for _ in range(count):
            cat = rng.choice(list(SHAPES))
            bw, bh = SHAPES[cat]
            s = rng.choice([0.35, 0.7, 1.0, 1.6, 2.6])
            bw, bh = round(bw * s * rng.uniform(0.8, 1.25), 2), round(bh * s * rng.uniform(0.8, 1.25), 2)
            bw, bh = min(bw, w - 2), min(bh, h - 2)
            x, y = round(rng.uniform(0, w - bw), 2), round(rng.uniform(0, h - bh), 2)
            poly = [x, y, x + bw, y, x + bw, y + bh, x, y + bh]
            annotations.append({"id": ann_id, "image_id": image_id, "category_id": cat,
                                "bbox": [x, y, bw, bh], "area": round(bw * bh, 2), "iscrowd": 0,
                                "segmentation": [[round(v, 2) for v in poly]]})
            ann_id += 1
    # A crowd of people at the back of image 0, as COCO marks groups: uncompressed RLE.
    h, w = SIZES[0]
    annotations.append({"id": ann_id, "image_id": 100, "category_id": 1, "bbox": [380.0, 150.0, 220.0, 90.0],
                        "area": 15400.0, "iscrowd": 1,
                        "segmentation": {"counts": rectangle_rle(h, w, 380, 150, 220, 90), "size": [h, w]}})
    doc = {"info": {"description": "detkit demo: synthetic street scenes", "version": "1.0"},
           "images": images, "annotations": annotations,
           "categories": [{"id": i, "name": n, "supercategory": s} for i, n, s in CATEGORIES]}
    out = pathlib.Path(__file__).resolve().parent.parent / "fixtures/demo/instances.json"
    out.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print(f"wrote {out}: {len(images)} images, {len(annotations)} annotations")


if __name__ == "__main__":
    main()
