#!/usr/bin/env python3
"""Golden COCO bbox evaluations for DetEval, computed by pycocotools' own COCOeval.

Run with the reference environment's Python (pycocotools 2.0.11, numpy):

  ~/.cache/detkit-refenv/bin/python tools/golden_eval.py [--datasets ../shared/datasets]

Writes fixtures/golden/eval.json:
- "inputs": small ground-truth + detection sets, written out in full:
  * "handmade": crowd regions (listed before and after ordinary boxes, one absorbing
    several detections), duplicate detections, score ties, an image without anything, an
    image with only detections, a category with only ground truth, one with only detections,
    one with neither, a ground truth carrying `"ignore": 1` (pycocotools 2.0 overwrites it
    with `iscrowd`, so it counts), a ground truth with id 0 (pycocotools reads a match to it
    as "unmatched"), areas exactly on the range bounds, two identical ground truths (IoU
    tie), and more detections than maxDets on one image;
  * "handmade_positive": the same without its zero-width detection (what `detkit import
    coco-results` accepts today), for the CLI tests;
  * "generated": a seeded random set of 300 images (crowds, jittered duplicates, random
    false positives, scores on a 0.01 grid so that ties are common, zero-width boxes).
- "runs": a parameter setting over one input set and pycocotools' results for it: the 12
  stats, the summary text it printed, the full recall array and a seeded sample of
  precision entries `[t, r, k, a, m, value]`, plus "stats_chosen": the 12 stats with the
  summary taken at the chosen maxDets (largest for the AP / AR@max lines), computed here
  from pycocotools' own precision / recall arrays with np.mean; "image_counts": per image
  `[image, tp, fp, missed, ignored]` at IoU 0.5, maxDets 100, area [0, 1e10], read off
  pycocotools' own `evalImgs` exactly as `accumulate` counts (tp: dtMatches > 0 and not
  dtIgnore; fp: neither; missed: gtIgnore == 0 minus tp) when the run evaluates that setting;
  and for runs named "arrays*", "precision_full" / "recall_full": `eval['precision']` and
  `eval['recall']` in full, as nested lists (`ndarray.tolist()`).
- "datasets": the same for ../shared/datasets/coco_val2014_100 (instances + the official
  fake bbox results) when that folder exists: numbers only, none of the dataset's contents.
Also "iouThrs" / "recThrs": pycocotools' default parameter arrays, to the bit.
"""
import argparse
import contextlib
import io
import json
import os
import random

import numpy as np
import pycocotools
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval, Params

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "golden", "eval.json")


def handmade():
    cats = [1, 2, 3, 5, 7]
    images = [10, 11, 12, 13, 20]
    gt = []  # [id, image, category, x, y, w, h, area, iscrowd, ignore]
    dt = []  # [image, category, x, y, w, h, score]
    # image 10, category 1: a crowd listed first, two people, duplicates, a tie.
    gt += [[101, 10, 1, 0, 0, 200, 200, 30000.5, 1, 0],
           [102, 10, 1, 10, 10, 50, 50, 2500, 0, 0],
           [103, 10, 1, 100, 100, 20, 20, 400, 0, 0],
           [104, 10, 1, 300, 300, 40, 40, 1600, 1, 0]]
    dt += [[10, 1, 11, 11, 50, 50, 0.9],
           [10, 1, 12, 10, 49, 51, 0.9],      # duplicate of the first, same score
           [10, 1, 400, 400, 30, 30, 0.9],    # false positive, same score
           [10, 1, 120, 120, 30, 30, 0.8],    # inside the crowd
           [10, 1, 20, 150, 10, 10, 0.8],     # inside the crowd too
           [10, 1, 101, 101, 20, 19, 0.7],
           [10, 1, 305, 305, 30, 30, 0.65],   # in the second crowd
           [10, 1, 11, 11, 50, 50, 0.1]]
    # image 10, category 2: ground truth id 0 and one with "ignore": 1 (no effect).
    gt += [[0, 10, 2, 50, 50, 100, 80, 8000, 0, 0],
           [105, 10, 2, 300, 50, 60, 60, 3600, 0, 1]]
    dt += [[10, 2, 52, 50, 100, 80, 0.95],
           [10, 2, 300, 52, 60, 60, 0.6],
           [10, 2, 500, 500, 10, 10, 0.3]]
    # image 11: areas on the bounds 32^2 and 96^2, identical ground truths.
    gt += [[106, 11, 1, 0, 0, 32, 32, 1024, 0, 0],
           [107, 11, 1, 100, 0, 96, 96, 9216, 0, 0],
           [108, 11, 2, 0, 200, 40, 40, 1500, 0, 0],
           [109, 11, 2, 0, 200, 40, 40, 1500, 0, 0]]
    dt += [[11, 1, 0, 0, 32, 32, 0.5],
           [11, 1, 100, 0, 96, 96, 0.5],
           [11, 1, 1, 1, 32, 32, 0.4],
           [11, 2, 1, 201, 40, 40, 0.8],
           [11, 2, 0, 200, 40, 40, 0.7],
           [11, 2, 0, 200, 40, 40, 0.7],
           [11, 2, 5, 5, 0, 10, 0.9],         # zero width
           [11, 7, 0, 0, 10, 10, 0.9]]        # category 7 has no ground truth
    # image 12: nothing. image 13: only detections.
    dt += [[13, 1, 5, 5, 20, 20, 0.99], [13, 2, 5, 5, 200, 200, 0.2]]
    # image 20: category 3 only ground truth; category 1 more detections than maxDets 10.
    gt += [[110, 20, 3, 10, 10, 30, 30, 900, 0, 0],
           [111, 20, 1, 0, 0, 100, 100, 9000, 0, 0],
           [112, 20, 1, 200, 0, 50, 50, 2500, 0, 0],
           [113, 20, 1, 0, 200, 20, 20, 400, 0, 0]]
    for n in range(14):
        dt.append([20, 1, 3 * n, 2 * n, 100 - n, 100, round(0.9 - 0.05 * (n // 2), 2)])
    dt += [[20, 1, 201, 1, 50, 50, 0.05], [20, 1, 0, 201, 20, 20, 0.05]]
    return {"images": images, "categories": cats, "gt": gt, "dt": dt}


def generated(seed=17, count=300):
    rng = random.Random(seed)
    cats = [1, 2, 3, 4, 5, 6, 9]
    images = list(range(1000, 1000 + count))
    gt, dt = [], []
    next_id = 1
    for image in images:
        for _ in range(rng.randint(0, 8)):
            cat = rng.choice(cats[:6])
            w = round(rng.uniform(2, 300), 2)
            h = round(rng.uniform(2, 300), 2)
            x = round(rng.uniform(0, 600), 2)
            y = round(rng.uniform(0, 400), 2)
            crowd = 1 if rng.random() < 0.05 else 0
            area = round(w * h * rng.uniform(0.4, 1.0), 2)
            gt.append([next_id, image, cat, x, y, w, h, area, crowd, 0])
            next_id += 1
            for _ in range(rng.choice([0, 1, 1, 1, 2, 3])):
                j = lambda v, s: round(v + rng.gauss(0, s), 2)
                dt.append([image, cat, j(x, w * 0.08), j(y, h * 0.08), max(0.0, j(w, w * 0.1)),
                           max(0.0, j(h, h * 0.1)), round(rng.uniform(0.05, 1.0), 2)])
        for _ in range(rng.randint(0, 5)):
            dt.append([image, rng.choice(cats[:6]), round(rng.uniform(0, 600), 2),
                       round(rng.uniform(0, 400), 2), round(rng.uniform(0, 150), 2),
                       round(rng.uniform(1, 150), 2), round(rng.uniform(0.0, 0.6), 2)])
    return {"images": images, "categories": cats, "gt": gt, "dt": dt}


def coco_objects(data):
    gt = {"images": [{"id": i, "width": 1000, "height": 1000, "file_name": f"{i}.jpg"}
                     for i in data["images"]],
          "categories": [{"id": c, "name": f"c{c}"} for c in data["categories"]],
          "annotations": []}
    for g in data["gt"]:
        ann = {"id": g[0], "image_id": g[1], "category_id": g[2], "bbox": g[3:7], "area": g[7],
               "iscrowd": g[8]}
        if g[9]:
            ann["ignore"] = 1
        gt["annotations"].append(ann)
    dts = [{"image_id": d[0], "category_id": d[1], "bbox": d[2:6], "score": d[6]}
           for d in data["dt"]]
    return gt, dts


def run_eval(coco_gt, dts, params, sample_rng):
    coco_dt = coco_gt.loadRes(dts)
    E = COCOeval(coco_gt, coco_dt, "bbox")
    for key, value in params.items():
        if value is not None:
            setattr(E.params, key, value)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        E.evaluate()
        E.accumulate()
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        try:
            E.summarize()
            stats = [float(s) for s in E.stats]
        except IndexError:
            stats = None
    precision = E.eval["precision"]
    recall = E.eval["recall"]

    def mean(s):
        s = s[s > -1]
        return -1.0 if s.size == 0 else float(np.mean(s))

    p = E.params
    lbl = list(p.areaRngLbl)
    md = list(p.maxDets)
    ti = lambda v: [i for i, t in enumerate(p.iouThrs) if t == v]
    ai = lambda l: [i for i, x in enumerate(lbl) if x == l]
    last = len(md) - 1
    second = 1 if len(md) > 1 else last

    def ap(area, m, iou=None):
        s = precision if iou is None else precision[ti(iou)]
        return mean(s[:, :, :, ai(area), [m]] if ai(area) else s[:, :, :, [], [m]][:0])

    def ar(area, m):
        return mean(recall[:, :, ai(area), [m]] if ai(area) else recall[:0])

    chosen = [ap("all", last), ap("all", last, 0.5), ap("all", last, 0.75), ap("small", last),
              ap("medium", last), ap("large", last), ar("all", 0), ar("all", second),
              ar("all", last), ar("small", last), ar("medium", last), ar("large", last)]
    T, R, K, A, M = precision.shape
    image_counts = None
    t50 = [i for i, t in enumerate(p.iouThrs) if t == 0.5]
    a_all = [i for i, r in enumerate(p.areaRng) if list(r) == [0, 1e10]]
    if t50 and a_all and p.maxDets[-1] >= 100:
        t, a = t50[0], a_all[0]
        I = len(p.imgIds)
        K0 = len(p.catIds) if p.useCats else 1
        counts = {int(i): [int(i), 0, 0, 0, 0] for i in p.imgIds}
        for k in range(K0):
            for i in range(I):
                e = E.evalImgs[k * len(p.areaRng) * I + a * I + i]
                if e is None:
                    continue
                c = counts[int(e["image_id"])]
                dtm = e["dtMatches"][t, :100]
                dti = e["dtIgnore"][t, :100]
                tp = int(np.logical_and(dtm, np.logical_not(dti)).sum())
                fp = int(np.logical_and(np.logical_not(dtm), np.logical_not(dti)).sum())
                c[1] += tp
                c[2] += fp
                c[3] += int((np.asarray(e["gtIgnore"]) == 0).sum()) - tp
                c[4] += int(dti.sum())
        image_counts = [counts[i] for i in sorted(counts)]
    samples = []
    for _ in range(60):
        idx = (sample_rng.randrange(T), sample_rng.randrange(R), sample_rng.randrange(K),
               sample_rng.randrange(A), sample_rng.randrange(M))
        samples.append(list(idx) + [float(precision[idx])])
    return {"stats": stats, "summary": text.getvalue() if stats else None,
            "stats_chosen": chosen, "shape": [T, R, K, A, M],
            "recall": [float(v) for v in recall.reshape(-1)], "precision_samples": samples,
            "image_counts": image_counts, "precision_full": precision.tolist(),
            "recall_full": recall.tolist()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", default=os.path.join(HERE, "..", "..", "shared", "datasets"))
    args = parser.parse_args()
    sample_rng = random.Random(5)
    inputs = {"handmade": handmade(), "generated": generated()}
    # What `detkit import coco-results` accepts today (it rejects zero-size boxes): the CLI
    # tests import this one.
    positive = dict(inputs["handmade"])
    positive["dt"] = [d for d in positive["dt"] if d[4] > 0 and d[5] > 0]
    inputs["handmade_positive"] = positive
    runs_spec = [
        ("handmade", "default", {}),
        ("handmade", "no-categories", {"useCats": 0}),
        ("handmade", "maxdets-1-2-5", {"maxDets": [5, 1, 2]}),
        ("handmade", "maxdets-1-10-300", {"maxDets": [1, 10, 300]}),
        ("handmade", "iou-thresholds", {"iouThrs": np.array([0.3, 0.5, 0.75, 0.9])}),
        ("handmade", "area-ranges", {"areaRng": [[0, 1e10], [0, 1024], [1024, 1e10]],
                                     "areaRngLbl": ["all", "small", "large"]}),
        ("handmade", "subsets", {"imgIds": [10, 20, 11, 999], "catIds": [2, 1, 5]}),
        ("handmade_positive", "default", {}),
        ("handmade_positive", "maxdets-1-10-300", {"maxDets": [1, 10, 300]}),
        ("handmade_positive", "subsets", {"imgIds": [10, 20], "catIds": [1, 2]}),
        ("generated", "default", {}),
        ("generated", "no-categories", {"useCats": 0}),
        ("generated", "maxdets-1-3-20", {"maxDets": [1, 3, 20]}),
        ("generated", "categories-2-4", {"catIds": [2, 4]}),
        ("handmade_positive", "arrays", {"iouThrs": np.array([0.5, 0.75])}),
    ]
    runs = []
    for name, label, params in runs_spec:
        gt_json, dts = coco_objects(inputs[name])
        with contextlib.redirect_stdout(io.StringIO()):
            coco_gt = COCO()
            coco_gt.dataset = gt_json
            coco_gt.createIndex()
        result = run_eval(coco_gt, dts, params, sample_rng)
        if not label.startswith("arrays"):
            del result["precision_full"], result["recall_full"]
        jsonable = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in params.items()}
        runs.append({"input": name, "name": label, "params": jsonable, **result})

    datasets = []
    folder = os.path.join(args.datasets, "coco_val2014_100")
    if os.path.isdir(folder):
        with contextlib.redirect_stdout(io.StringIO()):
            coco_gt = COCO(os.path.join(folder, "instances_val2014_100.json"))
        with open(os.path.join(folder, "instances_val2014_fakebbox100_results.json")) as f:
            dts = json.load(f)
        with contextlib.redirect_stdout(io.StringIO()):
            result = run_eval(coco_gt, dts, {}, sample_rng)
        del result["precision_full"], result["recall_full"]
        datasets.append({"name": "coco_val2014_100",
                         "ground_truth": "coco_val2014_100/instances_val2014_100.json",
                         "detections": "coco_val2014_100/instances_val2014_fakebbox100_results.json",
                         **result})

    p = Params(iouType="bbox")
    golden = {
        "generator": "tools/golden_eval.py",
        "pycocotools": pycocotools.__version__ if hasattr(pycocotools, "__version__") else "2.0.11",
        "numpy": np.__version__,
        "iouThrs": [float(v) for v in p.iouThrs],
        "recThrs": [float(v) for v in p.recThrs],
        "inputs": inputs,
        "runs": runs,
        "datasets": datasets,
    }
    with open(OUT, "w") as f:
        json.dump(golden, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT}: {len(runs)} runs, {len(datasets)} dataset(s), "
          f"{os.path.getsize(OUT)} bytes")


if __name__ == "__main__":
    main()
