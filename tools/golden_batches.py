#!/usr/bin/env python3
"""Golden batch losses for `detkit loss retinanet` over batch files, from real torchvision.

A small COCO dataset (fixtures/golden/batches/instances.json: 3 categories with sparse ids,
images of mixed sizes, crowd boxes, an image without boxes) and, for torchvision, batch
files as its RetinaNet emits them, with the loss its own code computes on them:

  model = torchvision retinanet_resnet50_fpn(weights=None, num_classes=3, ...) in training
  images, targets = model.transform(images, targets)   # real resize and batch padding
  features = model.backbone(images.tensors); head = model.head(features)
  anchors = model.anchor_generator(images, features)
  losses = model.compute_loss(targets, head, anchors)   # RetinaNet.compute_loss

which is RetinaNet.forward in training, step by step, so the head outputs can be saved.
The head's outputs (random weights) get seeded Gaussian noise added (logits sd 1.5, deltas
sd 0.3) so that anchors differ from their neighbours and a wrong anchor order shows; the
stored tensors (rounded to the file's dtype first) are exactly what compute_loss sees.

Ground truth as torchvision's references feed it: crowd annotations dropped
(coco_utils.ConvertCocoPolysToMask), a flipped image's boxes mirrored on the stored image
(transforms.RandomHorizontalFlip, before the model's transform), labels the contiguous
category index (store order).

Batches (files read in name order):
  batch_000  per-level NCHW cls_logits.l / bbox_regression.l, F32; min_size drawn per image
             from (96, 112, 128), max_size 192 (GeneralizedRCNNTransform's training choice),
             so image_sizes, flips and canvas are in the metadata
  batch_001  flat [B, N, C] / [B, N, 4], BF16, multi-scale as above, image_sizes given
  batch_002  flat, F16, torchvision's default 800 / 1333 resize (no image_sizes): two
             elongated images (canvases 96 x 1344 and 64 x 1344, P6 / P7 stride quirk),
             one flipped

Writes fixtures/golden/batches/{instances.json, torchvision/*.safetensors, torchvision.json}.
Run: ~/.cache/detkit-refenv/bin/python tools/golden_batches.py
"""
import json, pathlib, random
import torch
from safetensors.torch import save_file

ROOT = pathlib.Path(__file__).resolve().parent.parent / "fixtures/golden/batches"
torch.set_num_threads(2)

CATEGORIES = [{"id": 1, "name": "cat"}, {"id": 5, "name": "dog"}, {"id": 9, "name": "bird"}]
# (id, width, height, boxes, crowd boxes); stored order is deliberately not batch order.
IMAGES = [
    (32, 900, 30, 3, 0), (11, 90, 60, 3, 0), (21, 80, 80, 0, 0), (13, 130, 100, 4, 1),
    (31, 700, 40, 2, 1), (12, 50, 75, 2, 0), (22, 120, 70, 2, 1), (23, 64, 100, 3, 0),
]
BATCHES = [
    {"ids": [11, 12, 13], "flips": [False, True, False], "multiscale": True, "form": "levels",
     "dtype": torch.float32},
    {"ids": [21, 22, 23], "flips": None, "multiscale": True, "form": "flat",
     "dtype": torch.bfloat16},
    {"ids": [31, 32], "flips": [False, True], "multiscale": False, "form": "flat",
     "dtype": torch.float16},
]


def dataset():
    """COCO instances with seeded boxes (one decimal), crowd boxes larger than the rest."""
    rng = random.Random(13)
    images, annotations = [], []
    for image_id, w, h, count, crowd in IMAGES:
        images.append({"id": image_id, "file_name": f"{image_id}.jpg", "width": w, "height": h})
        for k in range(count + crowd):
            is_crowd = k >= count
            bw = round(rng.uniform(0.3, 0.8) * w if is_crowd else rng.uniform(4, min(w, 60) * 0.7), 1)
            bh = round(rng.uniform(0.3, 0.8) * h if is_crowd else rng.uniform(4, min(h, 60) * 0.7), 1)
            x = round(rng.uniform(0, w - bw - 0.1), 1)
            y = round(rng.uniform(0, h - bh - 0.1), 1)
            annotations.append({
                "id": len(annotations) + 1, "image_id": image_id,
                "category_id": CATEGORIES[rng.randrange(3)]["id"], "bbox": [x, y, bw, bh],
                "area": bw * bh, "iscrowd": int(is_crowd)})
    return {"images": images, "annotations": annotations, "categories": CATEGORIES}


def targets_of(coco, image_id, flip):
    """torchvision references: crowd dropped, xywh -> xyxy, mirrored on the stored image."""
    index = {c["id"]: i for i, c in enumerate(coco["categories"])}
    image = next(i for i in coco["images"] if i["id"] == image_id)
    anns = [a for a in coco["annotations"] if a["image_id"] == image_id and not a["iscrowd"]]
    boxes = torch.tensor([[a["bbox"][0], a["bbox"][1], a["bbox"][0] + a["bbox"][2],
                           a["bbox"][1] + a["bbox"][3]] for a in anns], dtype=torch.float64)
    boxes = boxes.reshape(-1, 4).to(torch.float32)
    if flip:
        boxes[:, [0, 2]] = image["width"] - boxes[:, [2, 0]]
    labels = torch.tensor([index[a["category_id"]] for a in anns], dtype=torch.int64)
    return {"boxes": boxes, "labels": labels}, (image["height"], image["width"])


def to_levels(flat, shapes, per_cell):
    """The head's per-level NCHW outputs from its flat [B, sum(H W A), K] (the inverse of
    RetinaNetClassificationHead's view / permute / reshape)."""
    out, start = [], 0
    b, _, k = flat.shape
    for h, w in shapes:
        n = h * w * per_cell
        level = flat[:, start:start + n].reshape(b, h, w, per_cell, k)
        out.append(level.permute(0, 3, 4, 1, 2).reshape(b, per_cell * k, h, w).contiguous())
        start += n
    return out


def torchvision_batches(coco):
    from torchvision.models.detection import retinanet_resnet50_fpn
    from torchvision.ops import box_iou
    out_dir = ROOT / "torchvision"
    out_dir.mkdir(parents=True, exist_ok=True)
    expected = []
    for number, spec in enumerate(BATCHES):
        torch.manual_seed(100 + number)
        kwargs = {"min_size": (96, 112, 128), "max_size": 192} if spec["multiscale"] else {}
        model = retinanet_resnet50_fpn(weights=None, weights_backbone=None, num_classes=3, **kwargs)
        model.train()
        flips = spec["flips"] or [False] * len(spec["ids"])
        targets, images = [], []
        for image_id, flip in zip(spec["ids"], flips):
            t, (h, w) = targets_of(coco, image_id, flip)
            targets.append(t)
            images.append(torch.rand(3, h, w))
        with torch.no_grad():
            image_list, resized = model.transform(images, targets)
            features = list(model.backbone(image_list.tensors).values())
            head = model.head(features)
            anchors = model.anchor_generator(image_list, features)
            g = torch.Generator().manual_seed(200 + number)
            cls = head["cls_logits"] + 1.5 * torch.randn(head["cls_logits"].shape, generator=g)
            box = head["bbox_regression"] + 0.3 * torch.randn(head["bbox_regression"].shape, generator=g)
            cls, box = cls.to(spec["dtype"]), box.to(spec["dtype"])
            losses = model.compute_loss(
                resized, {"cls_logits": cls.float(), "bbox_regression": box.float()}, anchors)
            positives = []
            for t, a in zip(resized, anchors):
                if t["boxes"].numel() == 0:
                    positives.append(0)
                else:
                    positives.append(int((model.proposal_matcher(box_iou(t["boxes"], a)) >= 0).sum()))
        shapes = [tuple(f.shape[-2:]) for f in features]
        per_cell = model.anchor_generator.num_anchors_per_location()[0]
        if spec["form"] == "levels":
            tensors = {}
            for level, t in enumerate(to_levels(cls, shapes, per_cell)):
                tensors[f"cls_logits.{level}"] = t
            for level, t in enumerate(to_levels(box, shapes, per_cell)):
                tensors[f"bbox_regression.{level}"] = t
        else:
            tensors = {"cls_logits": cls.contiguous(), "bbox_regression": box.contiguous()}
        canvas = list(image_list.tensors.shape[-2:])
        metadata = {"image_ids": json.dumps(spec["ids"]), "canvas": json.dumps(canvas)}
        if spec["multiscale"]:
            metadata["image_sizes"] = json.dumps([list(s) for s in image_list.image_sizes])
        if spec["flips"] is not None:
            metadata["flips"] = json.dumps(spec["flips"])
        name = f"batch_{number:03d}.safetensors"
        save_file(tensors, str(out_dir / name), metadata=metadata)
        expected.append({
            "file": name, "classification": float(losses["classification"]),
            "box": float(losses["bbox_regression"]), "positives": positives,
            "image_sizes": [list(s) for s in image_list.image_sizes], "canvas": canvas,
            "levels": [list(s) for s in shapes], "anchors": int(anchors[0].shape[0])})
        print(f"torchvision {name}: canvas {canvas} sizes {image_list.image_sizes} "
              f"N {anchors[0].shape[0]} positives {positives} "
              f"cls {float(losses['classification']):.6f} box {float(losses['bbox_regression']):.6f}")
    (ROOT / "torchvision.json").write_text(json.dumps({
        "source": "torchvision 0.29 RetinaNet.compute_loss (tools/golden_batches.py)",
        "batches": expected}, indent=1) + "\n")


def main():
    ROOT.mkdir(parents=True, exist_ok=True)
    coco = dataset()
    (ROOT / "instances.json").write_text(json.dumps(coco, indent=1) + "\n")
    torchvision_batches(coco)
    total = sum(p.stat().st_size for p in ROOT.rglob("*") if p.is_file())
    print(f"wrote {ROOT} ({total} bytes)")


if __name__ == "__main__":
    main()
