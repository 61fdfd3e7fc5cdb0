#!/usr/bin/env python3
"""Time torchvision on detkit's pipeline workload: the per-image training-target and loss
path of a RetinaNet-style head, with the same images, ground truth and predictions as
`detkit bench pipeline`.

  ~/.cache/detkit-refenv/bin/python tools/peer_pipeline.py [--images 4] [--gt 20] [--seed 1] > peer.json
  detkit bench pipeline --images 4 --gt 20 --compare peer.json

Per image (W-FPN: 800 x 1344, FPN anchors, 268,569 of them; C = 80 classes), timed
end to end after one warm-up image:
  anchors   faster_rcnn._default_anchorgen() on an ImageList + fake feature maps
  match     box_iou + Matcher(0.7, 0.3, allow_low_quality_matches=True)
  encode    BoxCoder((1, 1, 1, 1)).encode_single on the positives
  losses    RetinaNetClassificationHead.compute_loss / RetinaNetRegressionHead (l1):
            sigmoid_focal_loss(sum) over anchors not matched -2, / max(1, positives);
            l1_loss(sum) on the positives' deltas, / max(1, positives).
Forward only (no backward).

Ground truth of image k: peer_bench.gt_boxes(M, 800, 1344, seed + k); box j has class
(7 j) mod 80. Predictions (shared by all images, built once, not timed), float32 with
every step rounded to float32 so Swift computes the same bits: for flat index i,
  u(i) = ((i * 2654435761) mod 2^32 >> 8) * 2^-24
  cls_logits[i] = -6.5 + 3 u(i)      (i over N * 80)
  bbox_deltas[i] = -0.3 + 0.6 u(i)   (i over N * 4)
"""
import argparse, json, os, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_bench import gt_boxes, WFPN_IMAGE  # noqa: E402


def uniform(n):
    import numpy as np
    i = np.arange(n, dtype=np.uint64)
    h = (i * np.uint64(2654435761)) & np.uint64(0xFFFFFFFF)
    return (h >> np.uint64(8)).astype(np.float32) * np.float32(2.0 ** -24)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--images", type=int, default=4)
    p.add_argument("--gt", type=int, default=20)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    import numpy as np
    import torch
    import torch.nn.functional as F
    import torchvision
    from torchvision.models.detection import faster_rcnn
    from torchvision.models.detection.image_list import ImageList
    from torchvision.models.detection._utils import Matcher, BoxCoder
    from torchvision.ops import box_iou, sigmoid_focal_loss

    torch.set_num_threads(args.threads)
    h, w = WFPN_IMAGE
    C = 80
    gen = faster_rcnn._default_anchorgen()
    images = ImageList(torch.zeros(1, 3, h, w), [(h, w)])
    feats = [torch.zeros(1, 1, -(-h // s), -(-w // s)) for s in (4, 8, 16, 32, 64)]
    n = gen(images, feats)[0].shape[0]
    logits = torch.from_numpy((np.float32(3) * uniform(n * C) + np.float32(-6.5)).reshape(n, C))
    deltas = torch.from_numpy((np.float32(0.6) * uniform(n * 4) + np.float32(-0.3)).reshape(n, 4))
    matcher = Matcher(0.7, 0.3, allow_low_quality_matches=True)
    coder = BoxCoder(weights=(1.0, 1.0, 1.0, 1.0))
    gts = [torch.from_numpy(gt_boxes(args.gt, h, w, args.seed + k)) for k in range(args.images)]
    labels = torch.tensor([(7 * j) % C for j in range(args.gt)], dtype=torch.int64)

    def one(gt):
        anchors = gen(images, feats)[0]
        m = matcher(box_iou(gt, anchors))
        pos = m >= 0
        valid = m != -2
        num_pos = int(pos.sum())
        target = torch.zeros_like(logits)
        target[pos, labels[m[pos]]] = 1.0
        cls = sigmoid_focal_loss(logits[valid], target[valid], reduction="sum") / max(1, num_pos)
        tgt = coder.encode_single(gt[m[pos]], anchors[pos])
        box = F.l1_loss(deltas[pos], tgt, reduction="sum") / max(1, num_pos)
        return float(cls), float(box), num_pos

    with torch.inference_mode():
        one(gts[0])  # warm-up
        t0 = time.perf_counter()
        results = [one(g) for g in gts]
        seconds = time.perf_counter() - t0
    json.dump({
        "tool": f"torchvision {torchvision.__version__}", "workload": "pipeline", "images": args.images,
        "gt": args.gt, "seed": args.seed, "threads": torch.get_num_threads(), "anchors": n, "classes": C,
        "seconds": round(seconds, 4), "images_per_second": round(args.images / seconds, 4),
        "per_image": [{"classification": c, "box": b, "positives": p} for c, b, p in results],
    }, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
