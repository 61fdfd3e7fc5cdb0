#!/usr/bin/env python3
"""Golden anchor grids for every compatibility mode of detkit's AnchorGenerator.

- torchvision: the real `AnchorGenerator` of torchvision 0.29.2 (faster_rcnn and retinanet
  `_default_anchorgen`), fed an ImageList and fake feature maps of ceil(H/s) x ceil(W/s).
- detectron2 (DefaultAnchorGenerator), mmdetection v3.3.0 (AnchorGenerator) and Detectron /
  py-faster-rcnn (generate_anchors, "+1" pixels) are not installable here: their code is
  re-implemented below line for line (torch float32 ops where the peer uses torch, numpy
  float64 where it uses numpy) and checked against REFERENCE.md's verified vectors first.

Writes fixtures/golden/anchors.json. Small grids are stored whole; big ones as count,
an FNV-1a 64 hash of the float32 bit patterns (see `fnv1a`), and sampled rows.
Run with the refenv python: `~/.cache/detkit-refenv/bin/python tools/golden_anchors.py`.
"""
import json, math, pathlib
import numpy as np
import torch
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.image_list import ImageList
from torchvision.models.detection import faster_rcnn, retinanet

OCTAVES = [1.0, 2 ** (1.0 / 3), 2 ** (2.0 / 3)]
PRESETS = {
    "fpn": dict(names=["P2", "P3", "P4", "P5", "P6"], strides=[4, 8, 16, 32, 64],
                sizes=[32, 64, 128, 256, 512], scales=[1.0], ratios=[0.5, 1.0, 2.0]),
    "retinanet": dict(names=["P3", "P4", "P5", "P6", "P7"], strides=[8, 16, 32, 64, 128],
                      sizes=[32, 64, 128, 256, 512], scales=OCTAVES, ratios=[0.5, 1.0, 2.0]),
    # A deliberately odd configuration: non-power-of-two stride, non-integer scale,
    # a ratio whose square root is irrational.
    "custom": dict(names=["L0", "L1"], strides=[12, 16], sizes=[45, 90], scales=[1.0, 1.5],
                   ratios=[0.5, 1.0, 3.0]),
}
IMAGES = [(37, 53), (513, 771), (800, 1344)]
FULL_LIMIT = 600  # small grids stored whole (custom preset, and fpn in torchvision mode)


def fnv1a(boxes):
    """FNV-1a 64 over the float32 bit patterns (as uint32 words), in storage order."""
    h = 0xCBF29CE484222325
    for word in np.ascontiguousarray(boxes, dtype=np.float32).view(np.uint32).ravel().tolist():
        h = ((h ^ word) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def grid_shape(h, w, s):
    return -(-h // s), -(-w // s)


# ---------------------------------------------------------------- torchvision (real)
def torchvision_grid(cfg, h, w):
    if cfg is PRESETS["fpn"]:
        gen = faster_rcnn._default_anchorgen()
    elif cfg is PRESETS["retinanet"]:
        gen = retinanet._default_anchorgen()
    else:  # the same int() truncation of size x scale as retinanet._default_anchorgen
        sizes = tuple(tuple(int(x * s) for s in cfg["scales"]) for x in cfg["sizes"])
        gen = AnchorGenerator(sizes, (tuple(cfg["ratios"]),) * len(sizes))
    images = ImageList(torch.zeros(1, 3, h, w), [(h, w)])
    feats = [torch.zeros(1, 1, *grid_shape(h, w, s)) for s in cfg["strides"]]
    anchors = gen(images, feats)[0].numpy()
    strides = [(h // f.shape[-2], w // f.shape[-1]) for f in feats]  # forward()'s quirk
    cells = [c.numpy() for c in gen.cell_anchors]
    return anchors, strides, cells, [0.0] * len(feats)


# ---------------------------------------------------------------- detectron2 (re-impl)
def d2_cell_anchors(sizes, aspect_ratios):
    # detectron2/modeling/anchor_generator.py DefaultAnchorGenerator.generate_cell_anchors
    anchors = []
    for size in sizes:
        area = size ** 2.0
        for aspect_ratio in aspect_ratios:
            w = math.sqrt(area / aspect_ratio)
            h = aspect_ratio * w
            anchors.append([-w / 2.0, -h / 2.0, w / 2.0, h / 2.0])
    return torch.tensor(anchors)


def d2_grid(cfg, h, w, offset):
    out, cells = [], []
    for size, stride in zip(cfg["sizes"], cfg["strides"]):
        base = d2_cell_anchors([size * s for s in cfg["scales"]], cfg["ratios"])
        gh, gw = grid_shape(h, w, stride)
        # _create_grid_offsets
        shifts_x = torch.arange(offset * stride, gw * stride, step=stride, dtype=torch.float32)
        shifts_y = torch.arange(offset * stride, gh * stride, step=stride, dtype=torch.float32)
        shift_y, shift_x = torch.meshgrid(shifts_y, shifts_x, indexing="ij")
        shift_x, shift_y = shift_x.reshape(-1), shift_y.reshape(-1)
        shifts = torch.stack((shift_x, shift_y, shift_x, shift_y), dim=1)
        out.append((shifts.view(-1, 1, 4) + base.view(1, -1, 4)).reshape(-1, 4))
        cells.append(base.numpy())
    strides = [(s, s) for s in cfg["strides"]]
    return torch.cat(out).numpy(), strides, cells, [offset * s for s in cfg["strides"]]


# ---------------------------------------------------------------- mmdetection (re-impl)
def mm_base_anchors(base_size, scales, ratios, center_offset, scale_major=True):
    # mmdet/models/task_modules/prior_generators/anchor_generator.py
    # AnchorGenerator.gen_single_level_base_anchors
    w = base_size
    h = base_size
    x_center = center_offset * w
    y_center = center_offset * h
    h_ratios = torch.sqrt(ratios)
    w_ratios = 1 / h_ratios
    if scale_major:
        ws = (w * w_ratios[:, None] * scales[None, :]).view(-1)
        hs = (h * h_ratios[:, None] * scales[None, :]).view(-1)
    else:
        ws = (w * scales[:, None] * w_ratios[None, :]).view(-1)
        hs = (h * scales[:, None] * h_ratios[None, :]).view(-1)
    base_anchors = [x_center - 0.5 * ws, y_center - 0.5 * hs, x_center + 0.5 * ws, y_center + 0.5 * hs]
    return torch.stack(base_anchors, dim=-1)


def mm_grid(cfg, h, w, offset, scale_major=True):
    out, cells = [], []
    ratios = torch.Tensor(cfg["ratios"])
    for size, stride in zip(cfg["sizes"], cfg["strides"]):
        # base_sizes default to the stride; mmdet's presets express the size as a scale of
        # it (FPN scales=[8]; RetinaNet octave_base_scale=4 x 2**(i/3)).
        scales = torch.Tensor(np.array([s for s in cfg["scales"]]) * (size / stride))
        base = mm_base_anchors(stride, scales, ratios, offset, scale_major)
        gh, gw = grid_shape(h, w, stride)
        # single_level_grid_priors
        shift_x = torch.arange(0, gw).to(torch.float32) * stride
        shift_y = torch.arange(0, gh).to(torch.float32) * stride
        xx = shift_x.repeat(len(shift_y))
        yy = shift_y.view(-1, 1).repeat(1, len(shift_x)).view(-1)
        shifts = torch.stack([xx, yy, xx, yy], dim=-1)
        out.append((base[None, :, :] + shifts[:, None, :]).view(-1, 4))
        center = torch.tensor(offset * stride, dtype=torch.float32).item()
        cells.append((base - torch.tensor([center, center, center, center])).numpy())
    strides = [(s, s) for s in cfg["strides"]]
    return torch.cat(out).numpy(), strides, cells, [offset * s for s in cfg["strides"]]


def mm_retinanet_preset_base(stride):
    # The same level built from mmdetection's own RetinaNet parameters (cross-check).
    octave_scales = np.array([2 ** (i / 3) for i in range(3)])
    scales = torch.Tensor(octave_scales * 4)
    return mm_base_anchors(stride, scales, torch.Tensor([0.5, 1.0, 2.0]), 0.0)


# ---------------------------------------------------------------- Detectron legacy (re-impl)
def _whctrs(anchor):
    w = anchor[2] - anchor[0] + 1
    h = anchor[3] - anchor[1] + 1
    x_ctr = anchor[0] + 0.5 * (w - 1)
    y_ctr = anchor[1] + 0.5 * (h - 1)
    return w, h, x_ctr, y_ctr


def _mkanchors(ws, hs, x_ctr, y_ctr):
    ws = ws[:, np.newaxis]
    hs = hs[:, np.newaxis]
    return np.hstack((x_ctr - 0.5 * (ws - 1), y_ctr - 0.5 * (hs - 1),
                      x_ctr + 0.5 * (ws - 1), y_ctr + 0.5 * (hs - 1)))


def _ratio_enum(anchor, ratios):
    w, h, x_ctr, y_ctr = _whctrs(anchor)
    size = w * h
    size_ratios = size / ratios
    ws = np.round(np.sqrt(size_ratios))
    hs = np.round(ws * ratios)
    return _mkanchors(ws, hs, x_ctr, y_ctr)


def _scale_enum(anchor, scales):
    w, h, x_ctr, y_ctr = _whctrs(anchor)
    ws = w * scales
    hs = h * scales
    return _mkanchors(ws, hs, x_ctr, y_ctr)


def generate_anchors(stride=16, sizes=(32, 64, 128, 256, 512), aspect_ratios=(0.5, 1, 2)):
    # Detectron modeling/generate_anchors.py
    scales = np.array(sizes, dtype=np.float64) / stride
    ratios = np.array(aspect_ratios, dtype=np.float64)
    anchor = np.array([1, 1, stride, stride], dtype=np.float64) - 1
    anchors = _ratio_enum(anchor, ratios)
    return np.vstack([_scale_enum(anchors[i, :], scales) for i in range(anchors.shape[0])])


def legacy_grid(cfg, h, w):
    out, cells = [], []
    for size, stride in zip(cfg["sizes"], cfg["strides"]):
        cell = generate_anchors(stride, [size * s for s in cfg["scales"]], cfg["ratios"]).astype(np.float32)
        gh, gw = grid_shape(h, w, stride)
        # roi_data/data_utils.py get_field_of_anchors, on a gh x gw grid
        sx, sy = np.meshgrid(np.arange(0, gw) * stride, np.arange(0, gh) * stride)
        shifts = np.vstack((sx.ravel(), sy.ravel(), sx.ravel(), sy.ravel())).transpose()
        field = cell.reshape((1, -1, 4)) + shifts.reshape((1, -1, 4)).transpose((1, 0, 2))
        out.append(field.reshape((-1, 4)).astype(np.float32))
        c = (stride - 1) / 2
        cells.append((cell.astype(np.float64) - c).astype(np.float32))
    strides = [(s, s) for s in cfg["strides"]]
    return np.concatenate(out), strides, cells, [(s - 1) / 2 for s in cfg["strides"]]


# ---------------------------------------------------------------- verified vectors
def check_reference_vectors():
    tv = AnchorGenerator(((32,),), ((0.5, 1, 2),)).cell_anchors[0].tolist()
    assert tv == [[-23, -11, 23, 11], [-16, -16, 16, 16], [-11, -23, 11, 23]], tv  # TV1
    p3 = retinanet._default_anchorgen().cell_anchors[0].tolist()
    assert p3 == [[-23, -11, 23, 11], [-28, -14, 28, 14], [-35, -18, 35, 18], [-16, -16, 16, 16],
                  [-20, -20, 20, 20], [-25, -25, 25, 25], [-11, -23, 11, 23], [-14, -28, 14, 28],
                  [-18, -35, 18, 35]], p3
    g = AnchorGenerator(((16,),), ((1.0,),))
    grid = g(ImageList(torch.zeros(1, 3, 64, 64), [(64, 64)]), [torch.zeros(1, 1, 2, 2)])[0].tolist()
    assert grid == [[-8, -8, 8, 8], [24, -8, 40, 8], [-8, 24, 8, 40], [24, 24, 40, 40]], grid
    d2 = d2_cell_anchors([32], [0.5, 1, 2]).numpy()
    assert np.allclose(d2[:, 2:], [[22.627417, 11.313708], [16, 16], [11.313708, 22.627417]], atol=1e-6), d2
    pfr = generate_anchors(16, [16 * s for s in (8, 16, 32)], (0.5, 1, 2)).tolist()
    assert pfr == [[-84, -40, 99, 55], [-176, -88, 191, 103], [-360, -184, 375, 199],
                   [-56, -56, 71, 71], [-120, -120, 135, 135], [-248, -248, 263, 263],
                   [-36, -80, 51, 95], [-80, -168, 95, 183], [-168, -344, 183, 359]], pfr
    p2 = generate_anchors(4, (32,), (0.5, 1, 2)).tolist()
    assert p2 == [[-22, -10, 25, 13], [-14, -14, 17, 17], [-10, -22, 13, 25]], p2
    # Detectron RetinaNet: anchor_sizes = (stride * 2.**(octave / 3) * ANCHOR_SCALE,)
    oct1 = generate_anchors(8, (8 * 2.0 ** (1 / 3.0) * 4,), (0.5,))[0]
    assert np.allclose(oct1, [-23.718, -11.119, 30.718, 18.119], atol=1e-3), oct1
    # Our mmdetection level mapping equals mmdetection's own RetinaNet parameters.
    mine = mm_base_anchors(8, torch.Tensor(np.array(OCTAVES) * 4.0), torch.Tensor([0.5, 1, 2]), 0.0)
    assert torch.equal(mine, mm_retinanet_preset_base(8))
    # mmdetection's scale_major=True order is ratio-major, like torchvision (REFERENCE §1).
    mm = mm_base_anchors(8, torch.Tensor([4.0, 8.0]), torch.Tensor([0.5, 1, 2]), 0.0)
    assert mm[1, 2] > mm[0, 2] and mm[2, 3] > mm[0, 3], mm


def case(preset, compat, image, offset=0.0, scale_major=True):
    cfg = PRESETS[preset]
    h, w = image
    if compat == "torchvision":
        boxes, strides, cells, offsets = torchvision_grid(cfg, h, w)
    elif compat == "detectron2":
        boxes, strides, cells, offsets = d2_grid(cfg, h, w, offset)
    elif compat == "mmdetection":
        boxes, strides, cells, offsets = mm_grid(cfg, h, w, offset, scale_major)
    else:
        boxes, strides, cells, offsets = legacy_grid(cfg, h, w)
    boxes = np.ascontiguousarray(boxes, dtype=np.float32)
    levels, start = [], 0
    for name, s, (sy, sx), cell, off in zip(cfg["names"], cfg["strides"], strides, cells, offsets):
        rows, cols = grid_shape(h, w, s)
        n = rows * cols * len(cell)
        level = {"name": name, "rows": rows, "columns": cols, "strideY": sy, "strideX": sx,
                 "start": start, "end": start + n, "offset": off}
        if image == IMAGES[0]:  # cell anchors do not depend on the image: store them once
            level["cellAnchors"] = np.asarray(cell, dtype=np.float32).tolist()
        levels.append(level)
        start += n
    assert start == len(boxes), (start, len(boxes))
    picks = set(np.linspace(0, len(boxes) - 1, 16).astype(int).tolist())
    for lv in levels:
        picks |= {lv["start"], lv["end"] - 1}
    out = {"preset": preset, "compat": compat, "image": [h, w], "offset": offset,
           "scaleMajor": scale_major, "count": len(boxes), "fnv1a": fnv1a(boxes), "levels": levels,
           "samples": [[i] + boxes[i].tolist() for i in sorted(picks)]}
    whole = preset == "custom" or (preset == "fpn" and compat == "torchvision")
    if len(boxes) <= FULL_LIMIT and offset == 0.0 and whole:
        out["boxes"] = boxes.tolist()
    return out


def main():
    check_reference_vectors()
    cases = []
    for image in IMAGES:
        for preset in ["fpn", "retinanet", "custom"]:
            for compat in ["torchvision", "detectron2", "mmdetection", "detectronLegacy"]:
                cases.append(case(preset, compat, image))
            cases.append(case(preset, "detectron2", image, offset=0.5))
            cases.append(case(preset, "mmdetection", image, offset=0.5))
        cases.append(case("custom", "detectron2", image, offset=0.3))
        cases.append(case("custom", "mmdetection", image, offset=0.3, scale_major=False))
    by = {(c["preset"], c["compat"], tuple(c["image"]), c["offset"]): c for c in cases}
    assert by[("fpn", "torchvision", (800, 1344), 0.0)]["count"] == 268569
    assert by[("retinanet", "torchvision", (800, 1344), 0.0)]["count"] == 201600
    tv_retina = by[("retinanet", "torchvision", (800, 1344), 0.0)]["levels"]
    assert [(l["rows"], l["columns"]) for l in tv_retina] == [(100, 168), (50, 84), (25, 42), (13, 21), (7, 11)]
    assert (tv_retina[3]["strideY"], tv_retina[3]["strideX"]) == (61, 64)  # the stride quirk
    assert (tv_retina[4]["strideY"], tv_retina[4]["strideX"]) == (114, 122)
    out = pathlib.Path(__file__).resolve().parent.parent / "fixtures/golden/anchors.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "source": "torchvision 0.29.2 AnchorGenerator (real); detectron2, mmdetection v3.3.0, "
                  "Detectron generate_anchors re-implemented in tools/golden_anchors.py",
        "hash": "FNV-1a 64 over float32 bit patterns as uint32 words, offset 0xcbf29ce484222325, prime 0x100000001b3",
        "cases": cases}, separators=(",", ":")))
    print("wrote", out, len(cases), "cases,", out.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
