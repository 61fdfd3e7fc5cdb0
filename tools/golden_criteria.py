#!/usr/bin/env python3
"""Golden RetinaNet and RPN head losses for DetLoss's criteria, from real torchvision.

RetinaNet: torchvision's RetinaNetHead.compute_loss (classification: sigmoid focal
loss over non-ignored anchors / max(1, positives) per image, averaged over images;
regression: v1 `_loss_type="l1"` on BoxCoder(1, 1, 1, 1) deltas, v2 "giou" on decoded
boxes), with matched_idxs from torchvision's Matcher(0.5, 0.4, allow_low_quality_matches=True)
on box_iou, exactly as RetinaNet.compute_loss builds them (an image without ground truth
is all -1). Gradients from autograd with respect to cls_logits and bbox_regression.

RPN: torchvision's RegionProposalNetwork.compute_loss with labels and regression
targets from its own assign_targets_to_anchors (Matcher(0.7, 0.3, True)) and
box_coder.encode. Its sampler is random (torch.randperm), so the sampler runs once with a
fixed torch seed, its chosen indices are written to the file, and compute_loss is fed the
same masks (the Swift test passes them to RPNCriterion as precomputed samples).
detectron2's normalisation (both sums / (256 * images)) is re-implemented in torch on the
same samples.

Everything in float32 (torchvision's dtype). Writes fixtures/golden/criteria.json.
Run: ~/.cache/detkit-refenv/bin/python tools/golden_criteria.py
"""
import json, pathlib
import numpy as np
import torch
from torchvision.models.detection import _utils as det_utils
from torchvision.models.detection.retinanet import RetinaNetHead
from torchvision.models.detection.rpn import RegionProposalNetwork, RPNHead
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.ops import box_iou
import torch.nn.functional as F

OUT = pathlib.Path(__file__).resolve().parent.parent / "fixtures/golden/criteria.json"
torch.set_num_threads(1)


def flat(t):
    """float32 values in their shortest decimal form (parsed back to the same float32)."""
    return [float(str(v)) for v in t.detach().reshape(-1).numpy().astype(np.float32)]


def grid_anchors(size, stride, scales, ratios=(1.0,)):
    """Cell-major, type-minor anchors centred on stride * (x, y) (torchvision's layout)."""
    cells = []
    for s in scales:
        for r in ratios:
            h, w = s * r ** 0.5, s / r ** 0.5
            cells.append((-w / 2, -h / 2, w / 2, h / 2))
    cell = torch.tensor(cells, dtype=torch.float32).round()
    n = size // stride
    ys, xs = torch.meshgrid(torch.arange(n) * stride, torch.arange(n) * stride, indexing="ij")
    shifts = torch.stack([xs, ys, xs, ys], dim=-1).reshape(-1, 1, 4).float()
    return (shifts + cell.reshape(1, -1, 4)).reshape(-1, 4), n


def random_boxes(g, count, size):
    xy = torch.rand(count, 2, generator=g) * (size - 24)
    wh = 8 + torch.rand(count, 2, generator=g) * 24
    return torch.cat([xy, xy + wh], dim=1).round()


def problem(seed, gt_counts, classes, size, stride, scales):
    g = torch.Generator().manual_seed(seed)
    anchors, n = grid_anchors(size, stride, scales)
    images = []
    for m in gt_counts:
        boxes = random_boxes(g, m, size)
        labels = torch.randint(0, classes, (m,), generator=g)
        images.append({"boxes": boxes, "labels": labels})
    logits = (torch.randn(len(gt_counts), anchors.shape[0], classes, generator=g) * 2).float()
    deltas = (torch.randn(len(gt_counts), anchors.shape[0], 4, generator=g) * 0.3).float()
    return anchors, n, images, logits, deltas


def retinanet(seed):
    classes, size, stride, scales = 4, 48, 8, (8, 16, 24)
    anchors, n, images, logits, deltas = problem(seed, [3, 0, 2], classes, size, stride, scales)
    matcher = det_utils.Matcher(0.5, 0.4, allow_low_quality_matches=True)
    matched = []
    for t in images:
        if t["boxes"].numel() == 0:
            matched.append(torch.full((anchors.shape[0],), -1, dtype=torch.int64))
        else:
            matched.append(matcher(box_iou(t["boxes"], anchors)))
    out = {"classes": classes, "grid": {"rows": n, "columns": n, "types": len(scales)},
           "anchors": flat(anchors),
           "images": [{"boxes": flat(t["boxes"]), "labels": t["labels"].tolist(),
                       "logits": flat(logits[i]), "deltas": flat(deltas[i]),
                       "matches": matched[i].tolist()} for i, t in enumerate(images)]}
    head = RetinaNetHead(8, len(scales), classes)
    for loss_type in ("l1", "giou"):
        head.regression_head._loss_type = loss_type
        x = logits.clone().requires_grad_(True)
        d = deltas.clone().requires_grad_(True)
        losses = head.compute_loss(images, {"cls_logits": x, "bbox_regression": d},
                                   [anchors] * len(images), matched)
        total = losses["classification"] + losses["bbox_regression"]
        total.backward()
        out[loss_type] = {"classification": float(losses["classification"].detach()),
                          "box": float(losses["bbox_regression"].detach()),
                          "logits_gradient": [flat(x.grad[i]) for i in range(len(images))],
                          "deltas_gradient": [flat(d.grad[i]) for i in range(len(images))]}
    assert out["l1"]["logits_gradient"] == out["giou"]["logits_gradient"]
    for loss_type in ("l1", "giou"):
        grads = out[loss_type].pop("logits_gradient")
    out["logits_gradient"] = grads
    return out


def rpn(seed):
    size, stride, scales = 48, 8, (8, 16, 32)
    anchors, n, images, _, _ = problem(seed, [4, 0, 1], 1, size, stride, scales)
    g = torch.Generator().manual_seed(seed + 1)
    count = len(images)
    objectness = (torch.randn(count * anchors.shape[0], 1, generator=g) * 2).float()
    deltas = (torch.randn(count * anchors.shape[0], 4, generator=g) * 0.3).float()
    rpn = RegionProposalNetwork(
        AnchorGenerator(), RPNHead(8, len(scales)), fg_iou_thresh=0.7, bg_iou_thresh=0.3,
        batch_size_per_image=256, positive_fraction=0.5,
        pre_nms_top_n={"training": 10, "testing": 10}, post_nms_top_n={"training": 10, "testing": 10},
        nms_thresh=0.7)
    labels, matched_gt = rpn.assign_targets_to_anchors([anchors] * count, images)
    targets = rpn.box_coder.encode(matched_gt, [anchors] * count)
    torch.manual_seed(seed)
    pos, neg = rpn.fg_bg_sampler(labels)
    rpn.fg_bg_sampler = lambda _labels: (pos, neg)
    x = objectness.clone().requires_grad_(True)
    d = deltas.clone().requires_grad_(True)
    obj_loss, box_loss = rpn.compute_loss(x, d, labels, targets)
    (obj_loss + box_loss).backward()
    out = {"grid": {"rows": n, "columns": n, "types": len(scales)}, "anchors": flat(anchors),
           "images": [{"boxes": flat(t["boxes"]),
                       "labels": [int(v) for v in labels[i].tolist()],
                       "objectness": flat(objectness[i * anchors.shape[0]:(i + 1) * anchors.shape[0]]),
                       "deltas": flat(deltas[i * anchors.shape[0]:(i + 1) * anchors.shape[0]]),
                       "sampled_positives": torch.where(pos[i])[0].tolist(),
                       "sampled_negatives": torch.where(neg[i])[0].tolist()}
                      for i, t in enumerate(images)],
           "torchvision": {"objectness": float(obj_loss.detach()), "box": float(box_loss.detach()),
                           "objectness_gradient": flat(x.grad), "deltas_gradient": flat(d.grad)}}
    # detectron2 (re-implemented): both sums over the sampled anchors / (256 * images).
    x = objectness.clone().requires_grad_(True)
    d = deltas.clone().requires_grad_(True)
    p = torch.where(torch.cat(pos))[0]
    s = torch.cat([p, torch.where(torch.cat(neg))[0]])
    lab = torch.cat(labels)
    norm = 256 * count
    obj = F.binary_cross_entropy_with_logits(x.flatten()[s], lab[s], reduction="sum") / norm
    box = F.smooth_l1_loss(d[p], torch.cat(targets)[p], beta=1 / 9, reduction="sum") / norm
    (obj + box).backward()
    out["detectron2"] = {"objectness": float(obj.detach()), "box": float(box.detach()),
                         "objectness_gradient": flat(x.grad), "deltas_gradient": flat(d.grad)}
    return out


def main():
    data = {"retinanet": retinanet(7), "rpn": rpn(11)}
    OUT.write_text(json.dumps(data, separators=(",", ":")))
    r = data["retinanet"]
    print(f"retinanet: cls {r['l1']['classification']:.6f} "
          f"l1 {r['l1']['box']:.6f} giou {r['giou']['box']:.6f}; "
          f"positives {[sum(m >= 0 for m in i['matches']) for i in r['images']]}")
    p = data["rpn"]
    print(f"rpn: torchvision obj {p['torchvision']['objectness']:.6f} box {p['torchvision']['box']:.6f}; "
          f"sampled pos {[len(i['sampled_positives']) for i in p['images']]} "
          f"neg {[len(i['sampled_negatives']) for i in p['images']]}")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
