#!/usr/bin/env python3
"""Golden ground truth of the benchmark generator (tools/peer_bench.py `gt_boxes`), so the
Swift `SyntheticBoxes.cocoLike` is pinned to the same bits. Writes fixtures/golden/bench_gt.json.
"""
import json, pathlib, sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from peer_bench import SplitMix64, gt_boxes  # noqa: E402


def main():
    rng = SplitMix64(1)
    raw = [rng.next() for _ in range(4)]
    cases = []
    for count, (h, w), seed in [(20, (800, 1344), 1), (100, (800, 1344), 1), (7, (37, 53), 42), (5, (600, 20), 0)]:
        cases.append({"count": count, "image": [h, w], "seed": seed, "boxes": gt_boxes(count, h, w, seed).tolist()})
    out = pathlib.Path(__file__).resolve().parent.parent / "fixtures/golden/bench_gt.json"
    out.write_text(json.dumps({"source": "tools/peer_bench.py gt_boxes", "splitmix64_seed1": [str(v) for v in raw],
                               "cases": cases}))
    print("wrote", out)


if __name__ == "__main__":
    main()
