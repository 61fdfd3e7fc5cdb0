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

Ground truth as torchvision's references feed it: crowd annotations dropped and boxes
clamped to the stored image (coco_utils.ConvertCocoPolysToMask; two annotations of the
dataset overhang their image), a flipped image's boxes mirrored on the stored image
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

detectron2 (real code through ../shared/peers/README.md; PEERS_DIR, default /tmp/peers):
per-level NCHW head outputs (seeded random, logits around the prior -4.6), ground truth
through detectron2's own data path (ResizeShortestEdge + HFlipTransform,
detection_utils.transform_instance_annotations / annotations_to_instances, crowd dropped),
ImageList.from_tensors(size_divisibility=32) for the canvas, DefaultAnchorGenerator /
Matcher / Box2BoxTransform as configs/Base-RetinaNet.yaml builds them, and
RetinaNet.label_anchors + RetinaNet.losses on one RetinaNet instance across the batches in
file order (so its EMA normaliser carries over). Multi-scale batches use
ResizeShortestEdge((96, 112, 128), 192, "choice") and state image_sizes; the last uses the
test resize ResizeShortestEdge(800, 1333) and states none.

mmdetection (real code through the same peers folder): RetinaHead.loss_by_feat
(mm_retina.retina_head, the values of retinanet_r50_fpn_1x_coco.py) with per-image
img_shape and pad_shape (own size rounded up to 32, DetDataPreprocessor's rule), ground
truth through HorizontalBoxes.rescale_ / clip_ / flip_ (mmdet's Resize and RandomFlip),
sizes from mmcv's rescale_size (mmcv-lite 2.1.0 wheel: MMCV_LITE_WHEEL, else pip download),
crowd boxes as ignored instances (ignore_iof_thr -1: no effect). Multi-scale batches use
scale (192, 128) and state image_sizes; the last uses (1333, 800) and states none.

Writes fixtures/golden/batches/{instances.json, FRAMEWORK/*.safetensors, FRAMEWORK.json}.
Run: ~/.cache/detkit-refenv/bin/python tools/golden_batches.py [torchvision detectron2 mmdetection]
"""
import json, math, os, pathlib, random, subprocess, sys, tempfile, zipfile
import numpy as np
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
    # Boxes that overhang the image by under a pixel (the store takes up to 1 px): each
    # framework clips them.
    for image_id, bbox in [(13, [100.5, 60.2, 30.3, 40.5]), (31, [-0.6, 10.0, 40.0, 30.5])]:
        annotations.append({"id": len(annotations) + 1, "image_id": image_id, "category_id": 5,
                            "bbox": bbox, "area": bbox[2] * bbox[3], "iscrowd": 0})
    return {"images": images, "annotations": annotations, "categories": CATEGORIES}


def targets_of(coco, image_id, flip):
    """torchvision references: crowd dropped, xywh -> xyxy, clamped to the stored image
    (coco_utils.ConvertCocoPolysToMask), mirrored on it (transforms.RandomHorizontalFlip)."""
    index = {c["id"]: i for i, c in enumerate(coco["categories"])}
    image = next(i for i in coco["images"] if i["id"] == image_id)
    anns = [a for a in coco["annotations"] if a["image_id"] == image_id and not a["iscrowd"]]
    boxes = torch.tensor([[a["bbox"][0], a["bbox"][1], a["bbox"][0] + a["bbox"][2],
                           a["bbox"][1] + a["bbox"][3]] for a in anns], dtype=torch.float64)
    boxes = boxes.reshape(-1, 4).to(torch.float32)
    boxes[:, 0::2].clamp_(min=0, max=image["width"])
    boxes[:, 1::2].clamp_(min=0, max=image["height"])
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


PEERS = os.environ.get("PEERS_DIR", "/tmp/peers")
# (ids, flips, multi-scale, dtype) for detectron2 and mmdetection; all per-level NCHW.
PEER_BATCHES = [
    ([11, 12, 13], [False, True, False], True, torch.float32),
    ([21, 22, 23], None, True, torch.float16),
    ([31, 32], [False, True], False, torch.bfloat16),
]
CLASSES = 3
STRIDES = [8, 16, 32, 64, 128]
PER_CELL = 9


def random_levels(number, batch, canvas, dtype):
    """Seeded per-level NCHW head outputs on `canvas`, rounded to `dtype`."""
    g = torch.Generator().manual_seed(300 + number)
    shapes = [(math.ceil(canvas[0] / s), math.ceil(canvas[1] / s)) for s in STRIDES]
    cls = [(-4.6 + 1.5 * torch.randn(batch, PER_CELL * CLASSES, h, w, generator=g)).to(dtype)
           for h, w in shapes]
    box = [(0.3 * torch.randn(batch, PER_CELL * 4, h, w, generator=g)).to(dtype) for h, w in shapes]
    return cls, box, shapes


def save_levels(out_dir, number, ids, cls, box, canvas, sizes, flips):
    tensors = {f"cls_logits.{l}": t.contiguous() for l, t in enumerate(cls)}
    tensors.update({f"bbox_regression.{l}": t.contiguous() for l, t in enumerate(box)})
    metadata = {"image_ids": json.dumps(ids), "canvas": json.dumps(list(canvas))}
    if sizes is not None:
        metadata["image_sizes"] = json.dumps([list(s) for s in sizes])
    if flips is not None:
        metadata["flips"] = json.dumps(flips)
    name = f"batch_{number:03d}.safetensors"
    save_file(tensors, str(out_dir / name), metadata=metadata)
    return name


def detectron2_batches(coco):
    sys.path[:0] = [os.path.join(PEERS, "d2"), PEERS]
    from detectron2.data import transforms as T
    from detectron2.data import detection_utils as utils
    from detectron2.structures import BoxMode, ImageList
    from detectron2.modeling.meta_arch.retinanet import RetinaNet
    from detectron2.modeling.anchor_generator import DefaultAnchorGenerator
    from detectron2.modeling.matcher import Matcher
    from detectron2.modeling.box_regression import Box2BoxTransform
    from detectron2.utils.events import EventStorage
    out_dir = ROOT / "detectron2"
    out_dir.mkdir(parents=True, exist_ok=True)
    index = {c["id"]: i for i, c in enumerate(coco["categories"])}
    model = RetinaNet(
        backbone=torch.nn.Module(), head=torch.nn.Module(),
        head_in_features=["p3", "p4", "p5", "p6", "p7"],
        anchor_generator=DefaultAnchorGenerator(
            sizes=[[x, x * 2 ** (1.0 / 3), x * 2 ** (2.0 / 3)] for x in [32, 64, 128, 256, 512]],
            aspect_ratios=[[0.5, 1.0, 2.0]], strides=STRIDES, offset=0.0),
        box2box_transform=Box2BoxTransform(weights=(1.0, 1.0, 1.0, 1.0)),
        anchor_matcher=Matcher([0.4, 0.5], [0, -1, 1], allow_low_quality_matches=True),
        num_classes=CLASSES, focal_loss_alpha=0.25, focal_loss_gamma=2.0, smooth_l1_beta=0.0,
        box_reg_loss_type="smooth_l1", pixel_mean=[0.0, 0.0, 0.0], pixel_std=[1.0, 1.0, 1.0])
    np.random.seed(5)
    expected = []
    with EventStorage():
        for number, (ids, flips, multiscale, dtype) in enumerate(PEER_BATCHES):
            aug = (T.ResizeShortestEdge((96, 112, 128), 192, "choice") if multiscale
                   else T.ResizeShortestEdge(800, 1333))
            instances, sizes = [], []
            for k, image_id in enumerate(ids):
                image = next(i for i in coco["images"] if i["id"] == image_id)
                h, w = image["height"], image["width"]
                tfms = [aug.get_transform(np.zeros((h, w, 3), dtype=np.uint8))]
                nh, nw = tfms[0].new_h, tfms[0].new_w
                if flips and flips[k]:
                    tfms.append(T.HFlipTransform(nw))
                tfms = T.TransformList(tfms)
                annos = [utils.transform_instance_annotations(
                    {"bbox": a["bbox"], "bbox_mode": BoxMode.XYWH_ABS,
                     "category_id": index[a["category_id"]]}, tfms, (nh, nw))
                    for a in coco["annotations"] if a["image_id"] == image_id and not a["iscrowd"]]
                instances.append(utils.annotations_to_instances(annos, (nh, nw)))
                sizes.append((nh, nw))
            canvas = tuple(ImageList.from_tensors(
                [torch.zeros(3, h, w) for h, w in sizes], size_divisibility=32).tensor.shape[-2:])
            cls, box, shapes = random_levels(number, len(ids), canvas, dtype)
            features = [torch.zeros(1, 1, h, w) for h, w in shapes]
            anchors = model.anchor_generator(features)
            pred_logits, pred_deltas = model._transpose_dense_predictions(
                [[t.float() for t in cls], [t.float() for t in box]], [CLASSES, 4])
            gt_labels, gt_boxes = model.label_anchors(anchors, instances)
            losses = model.losses(anchors, pred_logits, gt_labels, pred_deltas, gt_boxes)
            positives = [int(((l >= 0) & (l != CLASSES)).sum()) for l in gt_labels]
            name = save_levels(out_dir, number, ids, cls, box, canvas,
                               sizes if multiscale else None, flips)
            expected.append({
                "file": name, "classification": float(losses["loss_cls"]),
                "box": float(losses["loss_box_reg"]), "positives": positives,
                "normalizer": float(model.loss_normalizer), "image_sizes": [list(s) for s in sizes],
                "canvas": list(canvas), "levels": [list(s) for s in shapes],
                "anchors": sum(len(a) for a in anchors)})
            print(f"detectron2 {name}: canvas {canvas} sizes {sizes} positives {positives} "
                  f"ema {model.loss_normalizer:.4f} cls {expected[-1]['classification']:.6f} "
                  f"box {expected[-1]['box']:.6f}")
    (ROOT / "detectron2.json").write_text(json.dumps({
        "source": "detectron2 @HEAD RetinaNet.label_anchors + RetinaNet.losses, Base-RetinaNet.yaml "
                  "(tools/golden_batches.py)", "batches": expected}, indent=1) + "\n")


def mmcv_rescale_size():
    """mmcv.image.geometric.rescale_size from the mmcv-lite 2.1.0 wheel (its one relative
    import, unused by rescale_size, dropped so the file runs alone)."""
    wheel = os.environ.get("MMCV_LITE_WHEEL")
    if not wheel:
        d = tempfile.mkdtemp()
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                        "mmcv-lite==2.1.0", "-d", d], check=True)
        wheel = os.path.join(d, os.listdir(d)[0])
    source = zipfile.ZipFile(wheel).read("mmcv/image/geometric.py").decode()
    source = source.replace("from .io import imread_backend", "imread_backend = 'cv2'")
    scope = {"__name__": "mmcv_image_geometric"}
    exec(compile(source, "mmcv/image/geometric.py", "exec"), scope)
    return scope["rescale_size"]


def mmdetection_batches(coco):
    sys.path[:0] = [PEERS]
    import mm_retina
    from mmload import load
    from mmengine.structures import InstanceData
    HorizontalBoxes = load("mmdet.structures.bbox.horizontal_boxes").HorizontalBoxes
    rescale_size = mmcv_rescale_size()
    out_dir = ROOT / "mmdetection"
    out_dir.mkdir(parents=True, exist_ok=True)
    index = {c["id"]: i for i, c in enumerate(coco["categories"])}
    head = mm_retina.retina_head(CLASSES)
    expected = []
    for number, (ids, flips, multiscale, dtype) in enumerate(PEER_BATCHES):
        scale = (192, 128) if multiscale else (1333, 800)
        gts, ignores, metas, sizes = [], [], [], []
        for k, image_id in enumerate(ids):
            image = next(i for i in coco["images"] if i["id"] == image_id)
            h, w = image["height"], image["width"]
            nw, nh = rescale_size((w, h), scale)
            # mmdet LoadAnnotations: [x, y, x + w, y + h] as float32; Resize: rescale_ by
            # (new_w / w, new_h / h), clip_ to the image; RandomFlip: flip_ on img_shape.
            def boxes_of(crowd):
                anns = [a for a in coco["annotations"]
                        if a["image_id"] == image_id and bool(a["iscrowd"]) == crowd]
                b = HorizontalBoxes(torch.tensor(
                    [[a["bbox"][0], a["bbox"][1], a["bbox"][0] + a["bbox"][2],
                      a["bbox"][1] + a["bbox"][3]] for a in anns], dtype=torch.float32).reshape(-1, 4))
                b.rescale_((nw / w, nh / h))
                b.clip_((nh, nw))
                if flips and flips[k]:
                    b.flip_((nh, nw), direction="horizontal")
                labels = torch.tensor([index[a["category_id"]] for a in anns], dtype=torch.int64)
                return b.tensor, labels
            boxes, labels = boxes_of(False)
            gts.append(InstanceData(bboxes=boxes, labels=labels))
            crowd, crowd_labels = boxes_of(True)
            ignores.append(InstanceData(bboxes=crowd, labels=crowd_labels))
            pad = (math.ceil(nh / 32) * 32, math.ceil(nw / 32) * 32)
            sizes.append((nh, nw))
            metas.append({"img_shape": (nh, nw), "pad_shape": pad})
        canvas = (max(m["pad_shape"][0] for m in metas), max(m["pad_shape"][1] for m in metas))
        for m in metas:
            m["batch_input_shape"] = canvas
        cls, box, shapes = random_levels(100 + number, len(ids), canvas, dtype)
        losses = head.loss_by_feat([t.float() for t in cls], [t.float() for t in box], gts, metas,
                                   batch_gt_instances_ignore=ignores)
        name = save_levels(out_dir, number, ids, cls, box, canvas,
                           sizes if multiscale else None, flips)
        expected.append({
            "file": name, "classification": float(sum(losses["loss_cls"])),
            "box": float(sum(losses["loss_bbox"])), "image_sizes": [list(s) for s in sizes],
            "canvas": list(canvas), "levels": [list(s) for s in shapes],
            "anchors": sum(h * w for h, w in shapes) * PER_CELL})
        print(f"mmdetection {name}: canvas {canvas} sizes {sizes} "
              f"cls {expected[-1]['classification']:.6f} box {expected[-1]['box']:.6f}")
    # Resize cases (tools/golden_resize.py's sizes): mmcv's rescale_size with (1333, 800), and
    # boxes (some overhanging) through rescale_ + clip_, and flip_ on top.
    g = np.random.default_rng(7)
    cases = []
    for h, w in [(480, 640), (640, 480), (427, 640), (612, 612), (375, 500), (1, 1000),
                 (333, 2666), (2000, 3000), (37, 53), (100, 1333), (800, 1333), (1333, 800),
                 (799, 1201), (5, 7)]:
        x1 = g.uniform(-2, w, 5); y1 = g.uniform(-2, h, 5)
        raw = np.stack([x1, y1, x1 + g.uniform(0.5, w, 5), y1 + g.uniform(0.5, h, 5)], 1)
        raw = raw.astype(np.float32)
        nw, nh = rescale_size((w, h), (1333, 800))
        b = HorizontalBoxes(torch.from_numpy(raw.copy()))
        b.rescale_((nw / w, nh / h))
        b.clip_((nh, nw))
        resized = b.tensor.clone()
        b.flip_((nh, nw), direction="horizontal")
        cases.append({"image": [h, w], "boxes": raw.tolist(), "size": [nh, nw],
                      "resized": resized.tolist(), "flipped": b.tensor.tolist()})
    (ROOT / "mmdetection_resize.json").write_text(json.dumps({
        "source": "mmcv-lite 2.1.0 rescale_size; mmdet 3.3.0 HorizontalBoxes rescale_ / clip_ / "
                  "flip_ (tools/golden_batches.py)", "cases": cases}) + "\n")
    (ROOT / "mmdetection.json").write_text(json.dumps({
        "source": "mmdetection 3.3.0 RetinaHead.loss_by_feat, retinanet_r50_fpn_1x_coco.py "
                  "(tools/golden_batches.py)", "batches": expected}, indent=1) + "\n")


def main():
    ROOT.mkdir(parents=True, exist_ok=True)
    coco = dataset()
    (ROOT / "instances.json").write_text(json.dumps(coco, indent=1) + "\n")
    which = sys.argv[1:] or ["torchvision", "detectron2", "mmdetection"]
    if "torchvision" in which:
        torchvision_batches(coco)
    if "detectron2" in which:
        detectron2_batches(coco)
    if "mmdetection" in which:
        mmdetection_batches(coco)
    total = sum(p.stat().st_size for p in ROOT.rglob("*") if p.is_file())
    print(f"wrote {ROOT} ({total} bytes)")


if __name__ == "__main__":
    main()
