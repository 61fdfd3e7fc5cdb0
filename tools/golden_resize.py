#!/usr/bin/env python3
"""Golden resize sizes and scaled boxes: torchvision's GeneralizedRCNNTransform (real) and
detectron2's ResizeShortestEdge (re-implemented from detectron2/data/transforms).

Writes fixtures/golden/resize.json. Run with the refenv python (tools/make_golden.py).
"""
import json, pathlib
import numpy as np
import torch
from torchvision.models.detection.transform import GeneralizedRCNNTransform

SIZES = [(480, 640), (640, 480), (427, 640), (612, 612), (375, 500), (1, 1000), (333, 2666),
         (2000, 3000), (37, 53), (100, 1333), (800, 1333), (1333, 800), (799, 1201), (5, 7)]


def d2_output_shape(h, w, short, long):
    # detectron2 ResizeShortestEdge.get_output_shape
    size = short * 1.0
    scale = size / min(h, w)
    newh, neww = (size, scale * w) if h < w else (scale * h, size)
    if max(newh, neww) > long:
        scale = long * 1.0 / max(newh, neww)
        newh, neww = newh * scale, neww * scale
    return int(newh + 0.5), int(neww + 0.5)


def main():
    rng = np.random.default_rng(7)
    transform = GeneralizedRCNNTransform(800, 1333, [0.0] * 3, [1.0] * 3)
    transform.eval()
    cases = []
    for h, w in SIZES:
        n = 5
        x1 = rng.uniform(0, w, n); y1 = rng.uniform(0, h, n)
        boxes = np.stack([x1, y1, x1 + rng.uniform(0.5, w, n), y1 + rng.uniform(0.5, h, n)], 1).astype(np.float32)
        image = torch.zeros(3, h, w)
        images, targets = transform([image], [{"boxes": torch.from_numpy(boxes.copy()), "labels": torch.ones(n, dtype=torch.int64)}])
        tv_size = list(images.image_sizes[0])
        tv_canvas = list(images.tensors.shape[-2:])
        tv_boxes = targets[0]["boxes"].numpy()
        dh, dw = d2_output_shape(h, w, 800, 1333)
        d2_boxes = (boxes.astype(np.float64) * np.array([dw / w, dh / h, dw / w, dh / h])).astype(np.float32)
        d2_canvas = [-(-dh // 32) * 32, -(-dw // 32) * 32]
        cases.append({
            "image": [h, w], "boxes": boxes.tolist(),
            "torchvision": {"size": tv_size, "canvas": tv_canvas, "boxes": tv_boxes.tolist()},
            "detectron2": {"size": [dh, dw], "canvas": d2_canvas, "boxes": d2_boxes.tolist()},
        })
    # The COCO image of DESIGN.md's W-FPN workload: 800 x 1333 pads to 800 x 1344.
    assert cases[10]["torchvision"]["canvas"] == [800, 1344], cases[10]
    out = pathlib.Path(__file__).resolve().parent.parent / "fixtures/golden/resize.json"
    out.write_text(json.dumps({"source": "torchvision 0.29.2 GeneralizedRCNNTransform(800, 1333); detectron2 ResizeShortestEdge re-impl", "cases": cases}))
    print("wrote", out)


if __name__ == "__main__":
    main()
