#!/usr/bin/env python3
"""Time torchvision on detkit's standard workloads, with the same stages, ground truth and
JSON keys as `detkit bench`.

  ~/.cache/detkit-refenv/bin/python tools/peer_bench.py [fpn] [--gt 20] [--repeat 7] [--seed 1]
        [--stages anchors,iou] [--threads 2] [--modes eager,compiled] > peer.json
  detkit bench --gt 20 --compare peer.json

Every stage runs twice: eagerly ("stages" in the JSON) and as `torch.compile(stage)`
(inductor's default mode, C++ kernels built by the system compiler with OpenMP on --threads
threads; "compiled_stages"). A compiled stage's first call traces and compiles: it is timed
alone and reported as "compile_ms" (shorter when inductor's on-disk cache already holds the
stage's kernels, as on a second run of this script), and a second untimed call precedes the
timed runs. For focal_grad the compiled function is the forward; `.backward()` runs the
backward graph that AOTAutograd compiled with it. A stage the compiler rejects is reported
with its "error" instead of times.

W-FPN (DESIGN.md): image 800 x 1344, FPN anchors (torchvision's faster_rcnn default:
P2-P6, sizes 32-512, ratios 0.5/1/2; 268,569 anchors), M synthetic ground-truth boxes.
Stages (each timed alone on precomputed inputs; median of --repeat runs after one warm-up):
  anchors  AnchorGenerator.forward on an ImageList + fake feature maps ceil(H/s) x ceil(W/s)
  iou      torchvision.ops.box_iou(gt [M,4], anchors [N,4]) -> [M, N]
  match    box_iou + Matcher(0.7, 0.3, allow_low_quality_matches=True) (the RPN matcher)
  match_dense  the same (torchvision has only the dense path)
  encode   BoxCoder((1,1,1,1)).encode_single(gt[matches[pos]], anchors[pos]) on the positives
  focal    torchvision.ops.sigmoid_focal_loss(alpha 0.25, gamma 2, sum) over the non-ignored
           anchors x 80 classes / max(1, positives); labels from the `match` stage (ground
           truth j has class j % 80), logits[k] = float32((k * 2654435761) % 2001 - 1000) / 250
           (detkit computes the same); the one-hot target and the non-ignored rows are
           gathered before timing
  focal_grad  the same forward plus .backward() into the logits' gradient
  smoothl1 F.smooth_l1_loss(beta=1/9, sum) / max(1, positives) between deltas[k] = logit(k) / 40
           of the positive anchors and BoxCoder((1, 1, 1, 1)).encode of their ground truth
Later stages are added as one entry in STAGES here and one in detkit's stage list. detkit's
`iou_into` (the iou matrix written into one buffer reused across runs) has no stage here:
torchvision's box_iou has no out= argument, so its `iou` is always a fresh tensor. Nor has
detkit's `fresh_pages` (new memory of the iou's size, one float written per page: about what
a fresh result's pages cost, which no torchvision function times on its own).

Ground truth (`gt_boxes`), identical in Swift (`SyntheticBoxes.cocoLike`): SplitMix64 seeded
with `seed`; u() = (next() >> 11) * 2**-53. Per box, five draws u0..u4:
  side s: u0 < 0.41 -> [8, 32), u0 < 0.75 -> [32, 96), else [96, 512)  (COCO's
          small / medium / large shares), s = lo + (hi - lo) * u1
  f = 0.7 + 0.6 * u2;  w = min(s * f, W - 1);  h = min(s / f, H - 1)
  x1 = u3 * (W - w);  y1 = u4 * (H - h);  box = float32(x1, y1, x1 + w, y1 + h)
Only +, -, *, / and min on IEEE doubles, so both languages produce the same bits.
"""
import argparse, json, statistics, sys, time

MASK = (1 << 64) - 1
WFPN_IMAGE = (800, 1344)


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def uniform(self):
        return (self.next() >> 11) * 2.0 ** -53


def gt_boxes(count, height, width, seed):
    """COCO-like synthetic boxes inside the image, as float64 values of float32 numbers."""
    import numpy as np
    rng = SplitMix64(seed)
    out = []
    for _ in range(count):
        u0, u1, u2, u3, u4 = (rng.uniform() for _ in range(5))
        lo, hi = (8.0, 32.0) if u0 < 0.41 else (32.0, 96.0) if u0 < 0.75 else (96.0, 512.0)
        s = lo + (hi - lo) * u1
        f = 0.7 + 0.6 * u2
        w = min(s * f, width - 1.0)
        h = min(s / f, height - 1.0)
        x1 = u3 * (width - w)
        y1 = u4 * (height - h)
        out.append([x1, y1, x1 + w, y1 + h])
    return np.array(out, dtype=np.float64).reshape(-1, 4).astype(np.float32)


def fpn_workload(args):
    import torch
    from torchvision.models.detection import faster_rcnn
    from torchvision.models.detection.image_list import ImageList
    from torchvision.ops import box_iou
    from torchvision.models.detection._utils import BoxCoder, Matcher

    h, w = WFPN_IMAGE
    gen = faster_rcnn._default_anchorgen()
    images = ImageList(torch.zeros(1, 3, h, w), [(h, w)])
    feats = [torch.zeros(1, 1, -(-h // s), -(-w // s)) for s in (4, 8, 16, 32, 64)]
    gt = torch.from_numpy(gt_boxes(args.gt, h, w, args.seed))
    anchors = gen(images, feats)[0]
    assert anchors.shape[0] == 268569, anchors.shape
    matcher = Matcher(0.7, 0.3, allow_low_quality_matches=True)
    coder = BoxCoder(weights=(1.0, 1.0, 1.0, 1.0))
    matches = matcher(box_iou(gt, anchors))
    positive = torch.where(matches >= 0)[0]
    # One entry per stage: name -> zero-argument callable on precomputed inputs.
    losses = loss_stages(gt, anchors, matcher)
    return {
        "anchors": lambda: gen(images, feats),
        "iou": lambda: box_iou(gt, anchors),
        "match": lambda: matcher(box_iou(gt, anchors)),
        "match_dense": lambda: matcher(box_iou(gt, anchors)),
        "encode": lambda: coder.encode_single(gt[matches[positive]], anchors[positive]),
        **losses,
    }


def loss_stages(gt, anchors, matcher, classes=80):
    """The focal / focal_grad / smoothl1 stages on the W-FPN matching (see the docstring)."""
    import torch
    import numpy as np
    import torch.nn.functional as F
    from torchvision.ops import box_iou, sigmoid_focal_loss
    from torchvision.models.detection._utils import BoxCoder

    n = anchors.shape[0]
    if gt.shape[0] == 0:
        matched = torch.full((n,), -1, dtype=torch.int64)
    else:
        matched = matcher(box_iou(gt, anchors))
    positive = matched >= 0
    norm = max(1, int(positive.sum()))
    valid = matched != -2
    k = np.arange(n * classes, dtype=np.int64)
    logits = torch.from_numpy(((k * 2654435761) % 2001 - 1000).astype(np.float32) / np.float32(250))
    logits = logits.reshape(n, classes)
    with torch.inference_mode(False):
        target = torch.zeros(n, classes)
        rows = torch.where(positive)[0]
        target[rows, matched[rows] % classes] = 1.0
        x = logits[valid].clone()
        t = target[valid].clone()
        xg = x.clone().requires_grad_(True)
        pos_rows = rows
        deltas = torch.from_numpy(
            ((np.arange(4 * n, dtype=np.int64) * 2654435761) % 2001 - 1000).astype(np.float32)
            / np.float32(250) / np.float32(40)).reshape(n, 4)[pos_rows].clone()
        targets = BoxCoder((1.0, 1.0, 1.0, 1.0)).encode_single(gt[matched[pos_rows]], anchors[pos_rows])

    def focal_loss(logits, target):
        return sigmoid_focal_loss(logits, target, alpha=0.25, gamma=2, reduction="sum") / norm

    def focal(loss=focal_loss):
        return loss(x, t)

    def focal_grad(loss=focal_loss):
        with torch.inference_mode(False), torch.enable_grad():
            xg.grad = None
            value = loss(xg, t)
            value.backward()
            return value

    def compiled(stage):
        # The loss function is what torch.compile sees; the backward call stays outside.
        loss = torch.compile(focal_loss)
        return lambda: stage(loss)

    focal.compiled = lambda: compiled(focal)
    focal_grad.compiled = lambda: compiled(focal_grad)

    def smoothl1():
        return F.smooth_l1_loss(deltas, targets, beta=1 / 9, reduction="sum") / norm

    return {"focal": focal, "focal_grad": focal_grad, "smoothl1": smoothl1}


WORKLOADS = {"fpn": ("W-FPN", fpn_workload)}
MODES = ("eager", "compiled")


def time_stage(run, repeat, warmups=1):
    """Median and minimum of `repeat` timed calls after `warmups` untimed ones, in ms."""
    for _ in range(warmups):
        run()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter_ns()
        run()
        times.append((time.perf_counter_ns() - t0) / 1e6)
    return {"median_ms": round(statistics.median(times), 4), "min_ms": round(min(times), 4),
            "runs": repeat}


def compiled_stage(run, repeat):
    """`run` under torch.compile: the first call (tracing + code generation) timed alone as
    compile_ms, one more untimed call, then the timed runs."""
    import torch
    import torch._dynamo
    torch._dynamo.reset()
    # A stage may provide its own compiled form (e.g. compile the loss, not the backward call).
    fn = run.compiled() if hasattr(run, "compiled") else torch.compile(run)
    try:
        t0 = time.perf_counter_ns()
        fn()
        compile_ms = (time.perf_counter_ns() - t0) / 1e6
    except Exception as error:  # report, do not abort the other stages
        return {"error": f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"}
    result = time_stage(fn, repeat)
    result["compile_ms"] = round(compile_ms, 1)
    return result


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("workload", nargs="?", default="fpn", choices=sorted(WORKLOADS))
    p.add_argument("--gt", type=int, default=20, help="ground-truth boxes M")
    p.add_argument("--repeat", type=int, default=7, help="timed runs per stage (after one warm-up)")
    p.add_argument("--seed", type=int, default=1, help="ground-truth generator seed")
    p.add_argument("--stages", default=None, help="comma-separated stages (default: all)")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    p.add_argument("--modes", default=",".join(MODES),
                   help="comma-separated: eager (torchvision as is), compiled (torch.compile)")
    args = p.parse_args()
    if args.gt < 0 or args.repeat < 1:
        p.error("--gt must be >= 0 and --repeat >= 1")
    modes = args.modes.split(",")
    if not modes or any(m not in MODES for m in modes):
        p.error(f"--modes takes a comma-separated subset of {','.join(MODES)}")
    import torch
    torch.set_num_threads(args.threads)
    name, build = WORKLOADS[args.workload]
    with torch.inference_mode():
        stages = build(args)
        wanted = args.stages.split(",") if args.stages else list(stages)
        unknown = [s for s in wanted if s not in stages]
        if unknown:
            p.error(f"unknown stage(s) {unknown}; available: {','.join(stages)}")
        results, compiled = {}, {}
        for stage in wanted:
            if "eager" in modes:
                results[stage] = time_stage(stages[stage], args.repeat)
            if "compiled" in modes:
                compiled[stage] = compiled_stage(stages[stage], args.repeat)
    report = {"tool": f"torchvision {__import__('torchvision').__version__}", "workload": name,
              "gt": args.gt, "seed": args.seed, "threads": torch.get_num_threads(),
              "stages": results}
    if "compiled" in modes:
        from torch._inductor import config
        report["compiler"] = (f"torch {torch.__version__.split('+')[0]} torch.compile "
                              f"(inductor, {config.cpp.cxx[1] or 'c++'})")
        report["compiled_stages"] = compiled
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
