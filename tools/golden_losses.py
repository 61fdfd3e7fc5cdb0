#!/usr/bin/env python3
"""Golden per-element losses and gradients for DetLoss, from torch autograd.

Real torch/torchvision: sigmoid_focal_loss, binary_cross_entropy_with_logits,
smooth_l1_loss, l1_loss, mse_loss, huber_loss, generalized_box_iou_loss,
distance_box_iou_loss, complete_box_iou_loss. Re-implemented in torch (autograd gives the
gradient) from the mmdetection 3.3 sources: balanced_l1_loss and the mmdetection
giou / diou / ciou losses. Every case runs in float64 and float32 on the same inputs
(float32-representable). Gradients are of the 'sum' reduction (= per-element
derivatives); non-finite torch results (e.g. CIoU of a 0 x 0 box) are written as null.
Asserts REFERENCE.md's verified vectors TV2, TV3 and TV6 first.

Writes fixtures/golden/losses_focal.json, losses_regression.json, losses_iou.json.
Run: ~/.cache/detkit-refenv/bin/python tools/golden_losses.py
"""
import json, math, pathlib
import numpy as np
import torch
import torch.nn.functional as F
from torchvision.ops import (sigmoid_focal_loss, generalized_box_iou_loss,
                             distance_box_iou_loss, complete_box_iou_loss)

OUT = pathlib.Path(__file__).resolve().parent.parent / "fixtures/golden"
torch.set_num_threads(1)


def finite_list(t):
    """A tensor as a list with non-finite entries as None (JSON has no NaN)."""
    return [float(v) if math.isfinite(v) else None for v in t.detach().reshape(-1).tolist()]


def f32(values):
    return [float(v) for v in np.asarray(values, dtype=np.float32).reshape(-1)]


def run(fn, pred, *rest, dtype):
    """values (reduction none) and d(sum)/d(pred) in `dtype`."""
    x = torch.tensor(np.asarray(pred, dtype=np.float32), dtype=dtype, requires_grad=True)
    others = [torch.tensor(np.asarray(r, dtype=np.float32), dtype=dtype) for r in rest]
    values = fn(x, *others)
    values.sum().backward()
    total = float(values.detach().double().sum())
    return {"values": finite_list(values), "gradient": finite_list(x.grad),
            "sum": total if math.isfinite(total) else None}


def both(fn, pred, *rest):
    return {"float64": run(fn, pred, *rest, dtype=torch.float64),
            "float32": run(fn, pred, *rest, dtype=torch.float32)}


def close(a, b, tol=1e-10):
    assert len(a) == len(b), (a, b)
    for x, y in zip(a, b):
        assert abs(x - y) <= tol * max(1.0, abs(y)), (a, b)


# MARK: - Focal / BCE

def check_tv2():
    x = [-3, -1, 0, 1, 3, -4.59511985013459, 20, -20]
    t = [0, 1, 1, 0, 1, 0, 0, 1]
    xs = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    ts = torch.tensor(t, dtype=torch.float64)
    loss = sigmoid_focal_loss(xs, ts, alpha=0.25, gamma=2)
    loss.sum().backward()
    close(loss.tolist(), [8.19624933727e-05, 0.175467075853, 0.043321698785, 0.526401227559,
                          2.73208311242e-05, 7.53775189013e-07, 14.9999999397, 4.9999999799], 1e-9)
    close(xs.grad.tolist(), [2.36153884866e-04, -0.1920586808, -0.074571698785, 0.576176042399,
                             -7.87179616221e-05, 2.24247487424e-06, 0.750000057197, -0.250000019066], 1e-9)
    off = sigmoid_focal_loss(xs.detach(), ts, alpha=-1, gamma=2)
    close(off.tolist(), [1.09283324497e-04, 0.701868303411, 0.17328679514, 0.701868303411,
                         1.09283324497e-04, 1.00503358535e-06, 19.9999999196, 19.9999999196], 1e-9)
    bce = F.binary_cross_entropy_with_logits(xs.detach(), ts, reduction="none")
    assert torch.equal(sigmoid_focal_loss(xs.detach(), ts, alpha=-1, gamma=0), bce)
    x32 = torch.tensor([100.0, -100.0, 50.0], requires_grad=True)
    l32 = sigmoid_focal_loss(x32, torch.tensor([0.0, 1.0, 1.0]))
    l32.sum().backward()
    assert l32.tolist() == [75.0, 25.0, 0.0] and x32.grad.tolist() == [0.75, -0.25, 0.0]
    return x, t


def focal_cases():
    rng = np.random.default_rng(4)
    cases = []
    tv2x, tv2t = check_tv2()
    extremes = [1e30, -1e30, 1e4, -1e4, 100, -100, 50, -50, 20, -20, 0, 1e-30]
    params = [(0.25, 2.0), (-1.0, 2.0), (-1.0, 0.0), (0.25, 0.0), (0.75, 1.5), (0.25, 0.5), (0.5, 1.0)]

    def add(name, x, t, alpha, gamma):
        fn = lambda a, b: sigmoid_focal_loss(a, b, alpha=alpha, gamma=gamma)
        cases.append({"name": name, "alpha": alpha, "gamma": gamma, "logits": f32(x), "targets": f32(t),
                      **both(fn, x, t)})

    for alpha, gamma in params:
        add("tv2", tv2x, tv2t, alpha, gamma)
        t = np.zeros(30); t[rng.integers(0, 30, 6)] = 1
        add("random one-hot 6x5", rng.normal(0, 3, 30), t, alpha, gamma)
        add("random soft 6x5", rng.normal(0, 3, 30), rng.uniform(0, 1, 30), alpha, gamma)
        ex = extremes * 3
        et = [1.0] * len(extremes) + [0.0] * len(extremes) + [0.3] * len(extremes)
        add("extreme logits", ex, et, alpha, gamma)
        add("empty", [], [], alpha, gamma)
    # BCE with logits itself, to pin gamma 0 / alpha off as F.binary_cross_entropy_with_logits.
    x = rng.normal(0, 4, 40); t = rng.uniform(0, 1, 40)
    fn = lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction="none")
    cases.append({"name": "bce F.binary_cross_entropy_with_logits", "alpha": -1.0, "gamma": 0.0,
                  "logits": f32(x), "targets": f32(t), **both(fn, x, t)})

    # Class-index labels, torchvision convention (-1 background, -2 ignore): the loss is the
    # one-hot focal loss on non-ignored rows; ignored rows have value and gradient 0.
    labels_cases = []
    for alpha, gamma, n, c in [(0.25, 2.0, 9, 5), (-1.0, 0.0, 7, 11), (0.25, 0.5, 8, 3), (0.25, 2.0, 12, 80)]:
        x = rng.normal(-2, 3, n * c)
        labels = rng.integers(-2, c, n)
        labels[0], labels[1], labels[2] = -1, -2, c - 1
        def fn(a, _unused, labels=labels, c=c, alpha=alpha, gamma=gamma):
            a = a.reshape(-1, c)
            onehot = torch.zeros_like(a)
            for i, l in enumerate(labels):
                if l >= 0:
                    onehot[i, l] = 1
            valid = torch.tensor(labels != -2, dtype=a.dtype).unsqueeze(1)
            return (sigmoid_focal_loss(a, onehot, alpha=alpha, gamma=gamma) * valid).reshape(-1)
        labels_cases.append({"alpha": alpha, "gamma": gamma, "classes": c, "logits": f32(x),
                             "labels": labels.tolist(), **both(fn, x, np.zeros(1))})
    return cases, labels_cases


# MARK: - Regression

def balanced_l1(pred, target, alpha=0.5, gamma=1.5, beta=1.0):
    # mmdet/models/losses/balanced_l1_loss.py
    diff = torch.abs(pred - target)
    b = math.e ** (gamma / alpha) - 1
    return torch.where(diff < beta, alpha / b * (b * diff + 1) * torch.log(b * diff / beta + 1) - alpha * diff,
                       gamma * diff + gamma / b - alpha * beta)


def check_tv3():
    d = torch.tensor([0, 0.05, 1 / 9, 0.2, 1, -2], dtype=torch.float64, requires_grad=True)
    z = torch.zeros(6, dtype=torch.float64)
    loss = F.smooth_l1_loss(d, z, beta=1 / 9, reduction="none")
    loss.sum().backward()
    close(loss.tolist(), [0, 0.01125, 0.0555555555556, 0.144444444444, 0.944444444444, 1.94444444444], 1e-11)
    close(d.grad.tolist(), [0, 0.45, 1, 1, 1, -1], 1e-12)
    close(F.smooth_l1_loss(d, z, beta=0.1, reduction="none").tolist(), [0, 0.0125, 0.0611111111111, 0.15, 0.95, 1.95], 1e-11)
    close(F.smooth_l1_loss(d, z, beta=1.0, reduction="none").tolist(), [0, 0.00125, 0.00617283950617, 0.02, 0.5, 1.5], 1e-11)
    d.grad = None
    l0 = F.smooth_l1_loss(d, z, beta=0.0, reduction="none")
    l0.sum().backward()
    assert torch.equal(l0, d.detach().abs()) and d.grad.tolist() == [0, 1, 1, 1, 1, -1]
    close(F.huber_loss(d, z, delta=0.1, reduction="none").tolist(), [0, 0.00125, 0.00611111111111, 0.015, 0.095, 0.195], 1e-11)


def regression_cases():
    check_tv3()
    rng = np.random.default_rng(5)
    losses = [
        ("smoothL1", {"beta": 1 / 9}, lambda a, b: F.smooth_l1_loss(a, b, beta=1 / 9, reduction="none")),
        ("smoothL1", {"beta": 0.1}, lambda a, b: F.smooth_l1_loss(a, b, beta=0.1, reduction="none")),
        ("smoothL1", {"beta": 1.0}, lambda a, b: F.smooth_l1_loss(a, b, beta=1.0, reduction="none")),
        ("smoothL1", {"beta": 0.0}, lambda a, b: F.smooth_l1_loss(a, b, beta=0.0, reduction="none")),
        ("smoothL1", {"beta": 1e-6}, lambda a, b: F.smooth_l1_loss(a, b, beta=1e-6, reduction="none")),
        ("l1", {}, lambda a, b: F.l1_loss(a, b, reduction="none")),
        ("l2", {}, lambda a, b: F.mse_loss(a, b, reduction="none")),
        ("huber", {"delta": 0.1}, lambda a, b: F.huber_loss(a, b, delta=0.1, reduction="none")),
        ("huber", {"delta": 1.0}, lambda a, b: F.huber_loss(a, b, delta=1.0, reduction="none")),
        ("balancedL1", {"alpha": 0.5, "gamma": 1.5, "beta": 1.0}, balanced_l1),
    ]
    inputs = [
        ("tv3", [0, 0.05, 1 / 9, 0.2, 1, -2], [0] * 6),
        ("random", rng.normal(0, 1, 40), rng.normal(0, 1, 40)),
        ("equal", [0.5, -3, 7], [0.5, -3, 7]),
        ("empty", [], []),
    ]
    cases = []
    for loss, params, fn in losses:
        for name, p, t in inputs:
            cases.append({"loss": loss, "params": params, "name": name, "predictions": f32(p),
                          "targets": f32(t), **both(fn, p, t)})
    return cases


# MARK: - IoU family

def mm_terms(pred, target):
    lt = torch.max(pred[:, :2], target[:, :2])
    rb = torch.min(pred[:, 2:], target[:, 2:])
    wh = (rb - lt).clamp(min=0)
    overlap = wh[:, 0] * wh[:, 1]
    ap = (pred[:, 2] - pred[:, 0]) * (pred[:, 3] - pred[:, 1])
    ag = (target[:, 2] - target[:, 0]) * (target[:, 3] - target[:, 1])
    enclose_wh = (torch.max(pred[:, 2:], target[:, 2:]) - torch.min(pred[:, :2], target[:, :2])).clamp(min=0)
    return overlap, ap, ag, enclose_wh


def mm_giou(pred, target, eps=1e-7):
    # mmdet/structures/bbox/bbox_overlaps.py, mode='giou', is_aligned=True
    overlap, ap, ag, enclose_wh = mm_terms(pred, target)
    e = pred.new_tensor([eps])
    union = torch.max(ap + ag - overlap, e)
    ious = overlap / union
    enclose_area = torch.max(enclose_wh[:, 0] * enclose_wh[:, 1], e)
    return 1 - (ious - (enclose_area - union) / enclose_area)


def mm_diou_ciou(pred, target, eps=1e-7, complete=False):
    # mmdet/models/losses/iou_loss.py diou_loss / ciou_loss (v3.3)
    overlap, ap, ag, enclose_wh = mm_terms(pred, target)
    union = ap + ag - overlap + eps
    ious = overlap / union
    c2 = enclose_wh[:, 0] ** 2 + enclose_wh[:, 1] ** 2 + eps
    b1_x1, b1_y1, b1_x2, b1_y2 = pred.unbind(1)
    b2_x1, b2_y1, b2_x2, b2_y2 = target.unbind(1)
    left = ((b2_x1 + b2_x2) - (b1_x1 + b1_x2)) ** 2 / 4
    right = ((b2_y1 + b2_y2) - (b1_y1 + b1_y2)) ** 2 / 4
    rho2 = left + right
    if not complete:
        return 1 - (ious - rho2 / c2)
    w1, h1 = b1_x2 - b1_x1, b1_y2 - b1_y1 + eps
    w2, h2 = b2_x2 - b2_x1, b2_y2 - b2_y1 + eps
    v = (4 / math.pi ** 2) * torch.pow(torch.atan(w2 / h2) - torch.atan(w1 / h1), 2)
    with torch.no_grad():
        alpha = (ious > 0.5).to(v.dtype) * v / (1 - ious + v)
    cious = ious - (rho2 / c2 + alpha * v)
    return 1 - cious.clamp(min=-1.0, max=1.0)


def check_tv6():
    a = torch.tensor([[0, 0, 10, 10.0]] * 2, dtype=torch.float64)
    b = torch.tensor([[5, 5, 20, 15.0], [20, 20, 30, 40.0]], dtype=torch.float64)
    close(generalized_box_iou_loss(a, b).tolist(), [1.1388888888549382, 1.7499999999375], 1e-12)
    close(distance_box_iou_loss(a, b).tolist(), [1.0188888889174716, 1.4099999999836], 1e-12)
    close(complete_box_iou_loss(a, b).tolist(), [1.0191645494451977, 1.4116894606829955], 1e-12)


def iou_cases():
    check_tv6()
    rng = np.random.default_rng(6)
    pairs = [
        ([0, 0, 10, 10], [5, 5, 20, 15]), ([0, 0, 10, 10], [20, 20, 30, 40]),   # TV6
        ([1, 2, 30, 40], [1, 2, 30, 40]),                                         # identical: min/max ties
        ([2, 2, 8, 8], [0, 0, 10, 10]), ([0, 0, 10, 10], [2, 2, 8, 8]),           # contained
        ([0, 0, 10, 10], [10, 0, 20, 10]),                                        # touching edge
        ([5, 5, 5, 5], [0, 0, 10, 10]), ([5, 5, 5, 9], [0, 0, 10, 10]),           # zero area / zero width
        ([5, 5, 9, 5], [0, 0, 10, 10]), ([3, 3, 3, 3], [3, 3, 3, 3]),             # zero height / both points
        ([0, 0, 10, 10], [4, 4, 4, 4]),                                            # degenerate target
    ]
    for _ in range(24):
        p = rng.uniform(0, 50, 2); g = rng.uniform(0, 50, 2)
        pairs.append(([*p, *(p + rng.uniform(0.5, 40, 2))], [*g, *(g + rng.uniform(0.5, 40, 2))]))
    for _ in range(8):  # close pairs: IoU > 0.5 exercises mmdetection's CIoU alpha
        g = rng.uniform(0, 50, 2); wh = rng.uniform(5, 40, 2)
        p = g + rng.uniform(-1, 1, 2)
        pairs.append(([*p, *(p + wh * rng.uniform(0.8, 1.2, 2))], [*g, *(g + wh)]))
    pred = f32([c for p, _ in pairs for c in p])
    target = f32([c for _, t in pairs for c in t])
    kinds = {
        ("giou", "torchvision"): lambda a, b, e: generalized_box_iou_loss(a.reshape(-1, 4), b.reshape(-1, 4), eps=e),
        ("diou", "torchvision"): lambda a, b, e: distance_box_iou_loss(a.reshape(-1, 4), b.reshape(-1, 4), eps=e),
        ("ciou", "torchvision"): lambda a, b, e: complete_box_iou_loss(a.reshape(-1, 4), b.reshape(-1, 4), eps=e),
        ("giou", "mmdetection"): lambda a, b, e: mm_giou(a.reshape(-1, 4), b.reshape(-1, 4), eps=e),
        ("diou", "mmdetection"): lambda a, b, e: mm_diou_ciou(a.reshape(-1, 4), b.reshape(-1, 4), eps=e),
        ("ciou", "mmdetection"): lambda a, b, e: mm_diou_ciou(a.reshape(-1, 4), b.reshape(-1, 4), eps=e, complete=True),
    }
    cases = []
    for (kind, variant), fn in kinds.items():
        for eps in (1e-7, 1e-6):
            f = lambda a, b, fn=fn, eps=eps: fn(a, b, eps)
            cases.append({"kind": kind, "variant": variant, "eps": eps, "predicted": pred, "target": target,
                          **both(f, pred, target)})
        f = lambda a, b, fn=fn: fn(a, b, 1e-7)
        cases.append({"kind": kind, "variant": variant, "eps": 1e-7, "predicted": [], "target": [],
                      **both(f, [], [])})
    return cases


def write(name, payload):
    path = OUT / name
    path.write_text(json.dumps(payload, allow_nan=False))
    print("wrote", path, path.stat().st_size, "bytes")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    source = "torch 2.15 / torchvision 0.29.2 autograd; mmdetection 3.3 formulas re-implemented in torch"
    focal, labels = focal_cases()
    write("losses_focal.json", {"source": source, "cases": focal, "labels": labels})
    write("losses_regression.json", {"source": source, "cases": regression_cases()})
    write("losses_iou.json", {"source": source, "cases": iou_cases()})


if __name__ == "__main__":
    main()
