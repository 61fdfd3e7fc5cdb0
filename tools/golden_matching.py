#!/usr/bin/env python3
"""Golden files for DetMatching: max-IoU matching under every peer's rule, ATSS,
balanced-sampler arithmetic.

torchvision's real `Matcher` and `box_iou` are run; detectron2's `Matcher`,
mmdetection's `MaxIoUAssigner` / `ATSSAssigner` and Detectron's RetinaNet rule are
re-implemented here from their sources (REFERENCE.md section 2) and asserted against the
verified vectors of REFERENCE.md before anything is written.

  ~/.cache/detkit-refenv/bin/python tools/golden_matching.py

Writes fixtures/golden/matching.json (max-IoU cases) and
fixtures/golden/matching_atss.json (ATSS cases).
"""
import json, math, pathlib
import numpy as np
import torch
from torchvision.ops import box_iou
from torchvision.models.detection._utils import Matcher

OUT = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "golden"
INF = 100000000


# ---------------------------------------------------------------- peer rules
def tv_match(q, high, low, lq):
    """torchvision Matcher; empty ground truth -> all background (what its callers do)."""
    if q.shape[0] == 0:
        return [-1] * q.shape[1]
    return Matcher(high, low, allow_low_quality_matches=lq)(q.clone()).tolist()


def d2_match(q, high, low, lq):
    """detectron2 modeling/matcher.py Matcher([low, high], [0, -1, 1], lq); returns
    (matches, labels) as detectron2 does."""
    n = q.shape[1]
    if q.shape[0] == 0:
        return [0] * n, [0] * n
    assert torch.all(q >= 0)
    thresholds = [-float("inf"), low, high, float("inf")]
    labels = [0, -1, 1]
    matched_vals, matches = q.max(dim=0)
    match_labels = matches.new_full(matches.size(), 1, dtype=torch.int8)
    for (l, lo, hi) in zip(labels, thresholds[:-1], thresholds[1:]):
        low_high = (matched_vals >= lo) & (matched_vals < hi)
        match_labels[low_high] = l
    if lq:
        highest, _ = q.max(dim=1)
        _, pred_inds = torch.nonzero(q == highest[:, None], as_tuple=True)
        match_labels[pred_inds] = 1
    return matches.tolist(), match_labels.tolist()


def d2_to_index(matches, labels):
    return [m if l == 1 else (-1 if l == 0 else -2) for m, l in zip(matches, labels)]


def mm_assign(q, high, low, lq, min_pos_iou=0.0, gt_max_assign_all=True, ignore_max=None, ignore_iof_thr=-1.0):
    """mmdetection MaxIoUAssigner.assign + assign_wrt_overlaps; returns gt_inds
    (0 negative, -1 ignore, k+1 ground truth k)."""
    q = q.clone()
    num_gts, num_bboxes = q.shape
    if ignore_max is not None and ignore_iof_thr > 0 and num_bboxes > 0:
        q[:, ignore_max > ignore_iof_thr] = -1
    assigned = torch.full((num_bboxes,), -1, dtype=torch.long)
    if num_gts == 0 or num_bboxes == 0:
        if num_gts == 0:
            assigned[:] = 0
        return assigned.tolist()
    max_overlaps, argmax_overlaps = q.max(dim=0)
    gt_max_overlaps, gt_argmax_overlaps = q.max(dim=1)
    assigned[(max_overlaps >= 0) & (max_overlaps < low)] = 0
    pos = max_overlaps >= high
    assigned[pos] = argmax_overlaps[pos] + 1
    if lq:
        for i in range(num_gts):
            if gt_max_overlaps[i] >= min_pos_iou:
                if gt_max_assign_all:
                    assigned[q[i, :] == gt_max_overlaps[i]] = i + 1
                else:
                    assigned[gt_argmax_overlaps[i]] = i + 1
    return assigned.tolist()


def mm_to_index(gt_inds):
    return [g - 1 if g > 0 else (-1 if g == 0 else -2) for g in gt_inds]


def dt_retinanet(q, high, low):
    """Detectron roi_data/retinanet.py: ties first (own argmax), then >= high, then every
    anchor below low reset to background. Returns our index encoding."""
    n = q.shape[1]
    if q.shape[0] == 0:
        return [-1] * n
    ov = q.numpy().T  # anchors x gt, as Detectron's anchor_by_gt_overlap
    labels = np.full(n, -2, dtype=np.int64)
    a2g_arg = ov.argmax(axis=1)
    a2g_max = ov[np.arange(n), a2g_arg]
    g2a_arg = ov.argmax(axis=0)
    g2a_max = ov[g2a_arg, np.arange(ov.shape[1])]
    ties = np.where(ov == g2a_max)[0]
    labels[ties] = a2g_arg[ties]
    pos = a2g_max >= high
    labels[pos] = a2g_arg[pos]
    labels[a2g_max < low] = -1
    return labels.tolist()


def mm_iof(anchors, regions):
    """mmdetection bbox_overlaps(anchors, regions, mode='iof'), float32."""
    lt = torch.max(anchors[:, None, :2], regions[None, :, :2])
    rb = torch.min(anchors[:, None, 2:], regions[None, :, 2:])
    wh = (rb - lt).clamp(min=0)
    overlap = wh[..., 0] * wh[..., 1]
    area1 = (anchors[:, 2] - anchors[:, 0]) * (anchors[:, 3] - anchors[:, 1])
    union = torch.max(area1[:, None], torch.tensor([1e-6], dtype=torch.float32))
    return overlap / union


# ---------------------------------------------------------------- REFERENCE.md vectors
def check_reference():
    t = lambda rows: torch.tensor(rows, dtype=torch.float32)
    two = t([[.10, .60, .60, .20, 0], [.30, .35, .10, .45, 0]])
    assert tv_match(two, .5, .4, True) == [-1, 0, 0, 1, -1]
    assert d2_match(two, .5, .4, True)[1] == [0, 1, 1, 1, 0]
    assert mm_assign(two, .5, .4, True) == [0, 1, 1, 2, 0]
    three = torch.cat([two, torch.zeros(1, 5)])
    assert tv_match(three, .5, .4, True) == [1, 0, 0, 1, 0]
    assert d2_match(three, .5, .4, True)[1] == [1, 1, 1, 1, 1]
    assert mm_assign(three, .5, .4, True) == [3, 3, 3, 3, 3]
    assert tv_match(two, .7, .3, True) == [-2, 0, 0, 1, -1]  # TV4
    assert tv_match(t([[.5, .2], [.5, .2]]), .5, .4, True) == [0, -1]
    best = t([[.35, .10], [.38, .45]])  # anchor 0 is gt0's best (.35) but .38 with gt1
    assert tv_match(best, .5, .4, True) == [1, 1]
    assert d2_match(best, .5, .4, True) == ([1, 1], [1, 1])
    assert mm_assign(best, .5, .4, True) == [1, 2]
    # Detectron: low-quality positives below low are reset.
    assert dt_retinanet(best, .5, .4) == [-1, 1]


# ---------------------------------------------------------------- random cases
def rand_boxes(rng, n, span, lo, hi, integer):
    x1 = rng.uniform(-0.2 * span, span, n)
    y1 = rng.uniform(-0.2 * span, span, n)
    w = rng.uniform(lo, hi, n)
    h = rng.uniform(lo, hi, n)
    b = np.stack([x1, y1, x1 + w, y1 + h], 1)
    if integer:
        b = np.round(b)
        b[:, 2] = np.maximum(b[:, 2], b[:, 0] + 1)
        b[:, 3] = np.maximum(b[:, 3], b[:, 1] + 1)
    return b.astype(np.float32)


def grid_anchors(size, stride, span):
    out = []
    for y in range(0, span, stride):
        for x in range(0, span, stride):
            for (w, h) in ((size, size), (size * 2, size), (size, size * 2)):
                out.append([x - w / 2, y - h / 2, x + w / 2, y + h / 2])
    return np.array(out, dtype=np.float32)


SETTINGS = [(0.7, 0.3, True), (0.5, 0.4, True), (0.5, 0.5, False)]


def make_case(rng, idx):
    kind = idx % 6
    integer = idx % 2 == 0
    if kind in (0, 1):
        anchors = grid_anchors(8, 8, 40)
    else:
        anchors = rand_boxes(rng, int(rng.integers(5, 60)), 40, 2, 25, integer)
    m = 0 if kind == 2 else int(rng.integers(1, 7))
    gt = rand_boxes(rng, m, 40, 1, 30, integer)
    if m >= 2 and rng.random() < 0.5:
        gt[1] = gt[0]  # duplicate ground truth: column ties
    if m >= 1 and rng.random() < 0.5 and len(anchors) > 3:
        gt[m - 1] = anchors[int(rng.integers(0, len(anchors)))]  # IoU exactly 1
    if kind == 3 and m >= 1:
        gt[0] = np.array([500, 500, 510, 520], np.float32)  # all-zero row
    regions = rand_boxes(rng, int(rng.integers(1, 3)), 40, 5, 20, integer) if kind in (1, 4) else np.zeros((0, 4), np.float32)
    return anchors, gt, regions


def run_case(anchors, gt, regions):
    a = torch.from_numpy(anchors)
    g = torch.from_numpy(gt)
    q = box_iou(g, a) if len(gt) else torch.zeros((0, len(anchors)))
    assert not torch.isnan(q).any()
    ignore_max = mm_iof(a, torch.from_numpy(regions)).max(dim=1).values if len(regions) else None
    out = {"anchors": anchors.flatten().tolist(), "gt": gt.flatten().tolist(),
           "ignore": regions.flatten().tolist(), "results": []}
    for (high, low, lq) in SETTINGS:
        r = {"high": high, "low": low, "lq": lq}
        r["torchvision"] = tv_match(q, high, low, lq)
        r["detectron2"] = d2_to_index(*d2_match(q, high, low, lq))
        r["mmdetection"] = mm_to_index(mm_assign(q, high, low, lq))
        r["mmdetection_min_pos_0.3"] = mm_to_index(mm_assign(q, high, low, lq, min_pos_iou=0.3))
        r["mmdetection_first_only"] = mm_to_index(mm_assign(q, high, low, lq, gt_max_assign_all=False))
        if ignore_max is not None:
            r["mmdetection_ignore_0.5"] = mm_to_index(mm_assign(q, high, low, lq, ignore_max=ignore_max, ignore_iof_thr=0.5))
        if lq:
            r["detectron"] = dt_retinanet(q, high, low)
        r["best_iou"] = q.max(dim=1).values.tolist() if len(gt) and len(anchors) else [0.0] * len(gt)
        out["results"].append(r)
    return out


# ---------------------------------------------------------------- ATSS (mmdetection)
def atss_assign(priors, num_level_priors, gt, topk=9, ignore=None, ignore_iof_thr=-1.0):
    """mmdetection ATSSAssigner.assign (v3.3.0) with BboxOverlaps2D; returns gt_inds and
    whether some top-k selection had a tie at its boundary (torch.topk leaves the choice
    among equal distances unspecified)."""
    overlaps = box_iou(priors, gt) if len(gt) else torch.zeros((len(priors), 0))
    num_gt, num_priors = gt.size(0), priors.size(0)
    assigned = overlaps.new_full((num_priors,), 0, dtype=torch.long)
    if num_gt == 0 or num_priors == 0:
        return assigned.tolist(), False
    gt_cx = (gt[:, 0] + gt[:, 2]) / 2.0
    gt_cy = (gt[:, 1] + gt[:, 3]) / 2.0
    gt_points = torch.stack((gt_cx, gt_cy), dim=1)
    priors_cx = (priors[:, 0] + priors[:, 2]) / 2.0
    priors_cy = (priors[:, 1] + priors[:, 3]) / 2.0
    priors_points = torch.stack((priors_cx, priors_cy), dim=1)
    distances = (priors_points[:, None, :] - gt_points[None, :, :]).pow(2).sum(-1).sqrt()
    if ignore is not None and ignore_iof_thr > 0 and ignore.numel() > 0:
        ignore_max = mm_iof(priors, ignore).max(dim=1).values
        idx = ignore_max > ignore_iof_thr
        distances[idx, :] = INF
        assigned[idx] = -1
    candidate_idxs = []
    boundary_tie = False
    start = 0
    for per_level in num_level_priors:
        end = start + per_level
        d = distances[start:end, :]
        k = min(topk, per_level)
        _, top = d.topk(k, dim=0, largest=False)
        if k < per_level:
            s, _ = d.sort(dim=0)
            boundary_tie |= bool((s[k - 1] == s[k]).any())
        candidate_idxs.append(top + start)
        start = end
    candidate_idxs = torch.cat(candidate_idxs, dim=0)
    cand_ov = overlaps[candidate_idxs, torch.arange(num_gt)]
    thr = cand_ov.mean(0) + cand_ov.std(0)
    is_pos = cand_ov >= thr[None, :]
    for g in range(num_gt):
        candidate_idxs[:, g] += g * num_priors
    ep_cx = priors_cx.view(1, -1).expand(num_gt, num_priors).contiguous().view(-1)
    ep_cy = priors_cy.view(1, -1).expand(num_gt, num_priors).contiguous().view(-1)
    candidate_idxs = candidate_idxs.view(-1)
    l_ = ep_cx[candidate_idxs].view(-1, num_gt) - gt[:, 0]
    t_ = ep_cy[candidate_idxs].view(-1, num_gt) - gt[:, 1]
    r_ = gt[:, 2] - ep_cx[candidate_idxs].view(-1, num_gt)
    b_ = gt[:, 3] - ep_cy[candidate_idxs].view(-1, num_gt)
    is_in = torch.stack([l_, t_, r_, b_], dim=1).min(dim=1)[0] > 0.01
    is_pos = is_pos & is_in
    ov_inf = torch.full_like(overlaps, -INF).t().contiguous().view(-1)
    index = candidate_idxs.view(-1)[is_pos.view(-1)]
    ov_inf[index] = overlaps.t().contiguous().view(-1)[index]
    ov_inf = ov_inf.view(num_gt, -1).t()
    max_ov, argmax_ov = ov_inf.max(dim=1)
    assigned[max_ov != -INF] = argmax_ov[max_ov != -INF] + 1
    return assigned.tolist(), boundary_tie


def atss_case(rng, idx):
    levels = []
    boxes = []
    for (stride, size) in ((8, 16), (16, 32)) if idx % 2 == 0 else ((8, 16), (16, 32), (32, 64)):
        span = 64
        n = 0
        for y in range(0, span, stride):
            for x in range(0, span, stride):
                cx = x + stride / 2 + (rng.uniform(-1, 1) if idx % 3 == 0 else 0)
                cy = y + stride / 2 + (rng.uniform(-1, 1) if idx % 3 == 0 else 0)
                boxes.append([cx - size / 2, cy - size / 2, cx + size / 2, cy + size / 2])
                n += 1
        levels.append(n)
    priors = np.array(boxes, dtype=np.float32)
    m = 0 if idx % 7 == 6 else int(rng.integers(1, 5))
    gt = rand_boxes(rng, m, 56, 4, 40, idx % 2 == 0)
    regions = rand_boxes(rng, 1, 56, 8, 20, True) if idx % 5 == 4 else np.zeros((0, 4), np.float32)
    p = torch.from_numpy(priors)
    g = torch.from_numpy(gt)
    r = torch.from_numpy(regions)
    gt_inds, tie = atss_assign(p, levels, g, 9, r if len(regions) else None, 0.5)
    return {"anchors": priors.flatten().tolist(), "levels": levels, "gt": gt.flatten().tolist(),
            "ignore": regions.flatten().tolist(), "ignore_iof_thr": 0.5, "topk": 9,
            "matches": mm_to_index(gt_inds), "boundary_tie": tie}


def sampler_counts():
    """torchvision BalancedPositiveNegativeSampler run for real: how many positives and
    negatives it keeps (labels 1 / 0 / -1 as its callers pass them)."""
    from torchvision.models.detection._utils import BalancedPositiveNegativeSampler
    torch.manual_seed(0)
    rows = []
    for (pos, neg, ign) in ((0, 0, 5), (3, 1000, 10), (200, 1000, 0), (128, 128, 7), (500, 20, 3), (7, 7, 0), (1000, 1000, 1)):
        for (b, f) in ((256, 0.5), (512, 0.25), (255, 0.5), (100, 0.33), (10, 0.7), (0, 0.5), (1, 1.0)):
            labels = torch.tensor([1] * pos + [0] * neg + [-1] * ign)
            pm, nm = BalancedPositiveNegativeSampler(b, f)([labels])
            rows.append({"positives": pos, "negatives": neg, "ignored": ign, "batch": b, "fraction": f,
                         "num_pos": int(pm[0].sum()), "num_neg": int(nm[0].sum())})
    return rows


def wfpn_matches():
    """torchvision on the W-FPN workload (tools/peer_bench.py): box_iou + Matcher(0.7, 0.3,
    True) over the 268,569 FPN anchors for M = 20 and 100 synthetic boxes. Stored sparsely:
    positive (anchor, gt) pairs and ignored anchors; every other anchor is -1."""
    import sys
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    from peer_bench import gt_boxes, WFPN_IMAGE
    from torchvision.models.detection import faster_rcnn
    from torchvision.models.detection.image_list import ImageList
    h, w = WFPN_IMAGE
    gen = faster_rcnn._default_anchorgen()
    feats = [torch.zeros(1, 1, -(-h // s), -(-w // s)) for s in (4, 8, 16, 32, 64)]
    anchors = gen(ImageList(torch.zeros(1, 3, h, w), [(h, w)]), feats)[0]
    out = []
    for m in (20, 100):
        gt = torch.from_numpy(gt_boxes(m, h, w, 1))
        matches = Matcher(0.7, 0.3, True)(box_iou(gt, anchors))
        pos = torch.where(matches >= 0)[0]
        out.append({"gt": m, "seed": 1, "anchors": int(anchors.shape[0]),
                    "positives": [[int(a), int(matches[a])] for a in pos],
                    "ignored": torch.where(matches == -2)[0].tolist()})
    return out


def main():
    check_reference()
    rng = np.random.default_rng(20261129)
    cases = [run_case(*make_case(rng, i)) for i in range(40)]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "matching.json").write_text(json.dumps(
        {"source": "tools/golden_matching.py; torch " + torch.__version__, "cases": cases}, separators=(",", ":")))
    atss = [atss_case(rng, i) for i in range(40)]
    (OUT / "matching_atss.json").write_text(json.dumps(
        {"source": "tools/golden_matching.py; torch " + torch.__version__, "cases": atss}, separators=(",", ":")))
    (OUT / "matching_wfpn.json").write_text(json.dumps(
        {"source": "tools/golden_matching.py; torchvision box_iou + Matcher(0.7, 0.3, True) on W-FPN", "cases": wfpn_matches()},
        separators=(",", ":")))
    (OUT / "matching_sampler.json").write_text(json.dumps(
        {"source": "tools/golden_matching.py; torchvision BalancedPositiveNegativeSampler", "cases": sampler_counts()}, indent=0))
    print(f"matching.json: {len(cases)} cases; matching_atss.json: {len(atss)} cases "
          f"({sum(c['boundary_tie'] for c in atss)} with a top-k boundary tie)")


if __name__ == "__main__":
    main()
