#!/usr/bin/env python3
"""Golden anchor grids built by each framework's own generator from detkit's snippets.

For every anchor configuration `fixtures/anchor_snippets/<config>.json` and every framework F
in torchvision, detectron2, mmdetection:

1. the snippet is `detkit anchors --anchor-config <config>.json --compat F --print-snippet F`
   (committed as `fixtures/anchor_snippets/<config>.<F>.txt`; `--make-snippets DETKIT`
   rewrites them with that binary, otherwise the committed texts are used);
2. the snippet TEXT is executed as Python, exactly as a user would paste it, and builds the
   framework's real generator:
   - torchvision 0.29: `torchvision.models.detection.anchor_utils.AnchorGenerator`, called on
     an `ImageList` of the canvas and feature maps of ceil(H/s) x ceil(W/s);
   - detectron2 (real source through ../shared/peers/README.md): `get_cfg()`, the snippet's
     `cfg.MODEL.ANCHOR_GENERATOR.*` lines, then `DefaultAnchorGenerator(cfg, shapes)` with
     the strides the snippet's comment lists, called on feature maps of ceil(H/s) x ceil(W/s);
   - mmdetection 3.3.0 (real `anchor_generator.py` through `mmload`): the snippet's
     `anchor_generator=dict(...)` becomes `AnchorGenerator(**dict)` (the `type` key is the
     registry's and is dropped), then `grid_priors([(ceil(H/s), ceil(W/s)), ...])`;
3. the concatenated grid (level, row, column, type order) is written to
   `fixtures/golden/anchor_snippets/<config>.<F>.json`: for the small canvas every box as
   float32 values, for the larger one the count and FNV-1a 64 of the float32 bit patterns
   (the hash of tools/golden_anchors.py).

A snippet that says `NOT EXPRESSIBLE` is still executed (it shows the first level's values)
but its golden records `"expressible": false` and no grid: the framework cannot build that
configuration's anchors.

Run (PEERS_DIR defaults to /tmp/peers; see ../shared/peers/README.md):
  PEERS_DIR=/tmp/peers ~/.cache/detkit-refenv/bin/python tools/golden_anchor_snippets.py \
      [--make-snippets .build/debug/detkit]
"""
import argparse, json, math, os, pathlib, re, subprocess, sys
import numpy as np
import torch

ROOT = pathlib.Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "fixtures" / "anchor_snippets"
OUT = ROOT / "fixtures" / "golden" / "anchor_snippets"
PEERS = os.environ.get("PEERS_DIR", "/tmp/peers")
FRAMEWORKS = ["torchvision", "detectron2", "mmdetection"]
SMALL = (33, 47)  # odd sides: ceil() feature maps and torchvision's image // grid strides
LARGE = (200, 296)


def fnv1a(boxes):
    """FNV-1a 64 over the float32 bit patterns (as uint32 words), in storage order."""
    h = 0xCBF29CE484222325
    for word in np.ascontiguousarray(boxes, dtype=np.float32).view(np.uint32).ravel().tolist():
        h = ((h ^ word) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def strides_of(snippet):
    """The feature map strides the snippet's comment lists (as a user reads them)."""
    m = re.search(r"^# (?:feature map strides \(from the backbone\)|strides of the feature maps): (.*)$",
                  snippet, re.M)
    return [int(s) for s in m.group(1).split(",")]


def torchvision_grid(snippet, h, w):
    from torchvision.models.detection.image_list import ImageList
    scope = {}
    exec(snippet, scope)
    gen = scope["anchor_generator"]
    images = ImageList(torch.zeros(1, 3, h, w), [(h, w)])
    feats = [torch.zeros(1, 1, -(-h // s), -(-w // s)) for s in strides_of(snippet)]
    return gen(images, feats)[0].numpy()


def detectron2_grid(snippet, h, w):
    from detectron2.config import get_cfg
    from detectron2.layers import ShapeSpec
    from detectron2.modeling.anchor_generator import DefaultAnchorGenerator
    scope = {"cfg": get_cfg()}
    exec(snippet, scope)
    strides = strides_of(snippet)
    gen = DefaultAnchorGenerator(scope["cfg"], [ShapeSpec(channels=1, stride=s) for s in strides])
    feats = [torch.zeros(1, 1, -(-h // s), -(-w // s)) for s in strides]
    return torch.cat([b.tensor for b in gen(feats)]).numpy()


def mmdetection_grid(snippet, h, w):
    from mmload import load
    AnchorGenerator = load("mmdet.models.task_modules.prior_generators.anchor_generator").AnchorGenerator
    scope = {}
    exec(snippet, scope)
    kwargs = dict(scope["anchor_generator"])
    assert kwargs.pop("type") == "AnchorGenerator"
    gen = AnchorGenerator(**kwargs)
    sizes = [(-(-h // s), -(-w // s)) for s in kwargs["strides"]]
    return torch.cat(gen.grid_priors(sizes, device="cpu")).numpy()


GRIDS = {"torchvision": torchvision_grid, "detectron2": detectron2_grid,
         "mmdetection": mmdetection_grid}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--make-snippets", metavar="DETKIT",
                        help="rewrite the snippet texts with this detkit binary first")
    args = parser.parse_args()
    sys.path[:0] = [os.path.join(PEERS, "d2"), PEERS]
    OUT.mkdir(parents=True, exist_ok=True)
    for config in sorted(CONFIGS.glob("*.json")):
        for fw in FRAMEWORKS:
            text_path = CONFIGS / f"{config.stem}.{fw}.txt"
            if args.make_snippets:
                text = subprocess.run(
                    [args.make_snippets, "anchors", "--anchor-config", str(config), "--compat", fw,
                     "--print-snippet", fw], check=True, capture_output=True, text=True).stdout
                text_path.write_text(text)
            snippet = text_path.read_text()
            golden = {"config": config.name, "framework": fw, "snippet": text_path.name,
                      "expressible": "NOT EXPRESSIBLE" not in snippet}
            if golden["expressible"]:
                small = GRIDS[fw](snippet, *SMALL).astype(np.float32)
                large = GRIDS[fw](snippet, *LARGE).astype(np.float32)
                golden["small"] = {"image": list(SMALL), "count": int(small.shape[0]),
                                   "boxes": [[float(v) for v in row] for row in small]}
                golden["large"] = {"image": list(LARGE), "count": int(large.shape[0]),
                                   "fnv1a": fnv1a(large)}
            else:  # still runs: the framework loads the first level's values
                GRIDS[fw](snippet, *SMALL)
            path = OUT / f"{config.stem}.{fw}.json"
            with open(path, "w") as f:
                json.dump(golden, f, separators=(",", ":"))
                f.write("\n")
            print(f"{path.relative_to(ROOT)}: expressible={golden['expressible']}"
                  + (f" small={golden['small']['count']} large={golden['large']['count']}"
                     if golden["expressible"] else ""))


if __name__ == "__main__":
    main()
