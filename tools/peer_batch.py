#!/usr/bin/env python3
"""W-BATCH (DESIGN.md): the RetinaNet training step's loss side on real batches, torchvision's
side. Writes the workload and times torchvision on it; `detkit bench batch` times detkit on
the same files and compares.

  ~/.cache/detkit-refenv/bin/python tools/peer_batch.py --out /tmp/wbatch [--batches 4]
        [--batch-size 4] [--gt 20] [--seed 1] [--threads 2]
  detkit bench batch --workload /tmp/wbatch

Workload (in --out): instances.json, a COCO dataset of batches x batch-size images whose
stored sizes cycle through a COCO-like mix (640 x 480, 480 x 640, 640 x 427, 612 x 612,
500 x 375, 427 x 640, 640 x 360, 333 x 500; W x H), each with --gt boxes
(peer_bench.gt_boxes, seed + k) of class (7 j) mod 80, C = 80; and batches/NNN.safetensors:
torchvision RetinaNet head outputs for each batch as its head returns them (flat
cls_logits [B, N, 80], bbox_regression [B, N, 4], F16; seeded random values around the prior
-4.6), metadata image_ids and canvas, the images resized by torchvision's
GeneralizedRCNNTransform (800 / 1333) and padded to a multiple of 32.

Timed per batch (after one untimed warm-up batch): read the file (safetensors load_file, F16
to F32), anchors (retinanet_resnet50_fpn's AnchorGenerator on the ImageList and fake feature
maps of the canvas's level sizes), RetinaNet.compute_loss against the resized targets
(prepared before timing, as a data loader would). Forward only. Reports images per second,
per-batch losses (for detkit's parity check) and the process's peak RSS, as JSON on stdout
and in --out/peer.json.
"""
import argparse, json, math, os, resource, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_bench import gt_boxes  # noqa: E402

SIZES = [(480, 640), (640, 480), (427, 640), (612, 612), (375, 500), (640, 427), (360, 640),
         (500, 333)]  # (H, W)
CLASSES = 80


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--batches", type=int, default=4)
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--gt", type=int, default=20)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    import torch
    from safetensors.torch import load_file, save_file
    from torchvision.models.detection import retinanet_resnet50_fpn
    from torchvision.models.detection.image_list import ImageList

    torch.set_num_threads(args.threads)
    os.makedirs(os.path.join(args.out, "batches"), exist_ok=True)
    model = retinanet_resnet50_fpn(weights=None, weights_backbone=None, num_classes=CLASSES)
    model.eval()
    count = args.batches * args.batch_size
    images, annotations = [], []
    for k in range(count):
        h, w = SIZES[k % len(SIZES)]
        images.append({"id": k + 1, "file_name": f"{k + 1:06d}.jpg", "width": w, "height": h})
        for j, b in enumerate(gt_boxes(args.gt, h, w, args.seed + k).astype(float).tolist()):
            annotations.append({"id": len(annotations) + 1, "image_id": k + 1,
                                "category_id": (7 * j) % CLASSES + 1,
                                "bbox": [b[0], b[1], b[2] - b[0], b[3] - b[1]],
                                "area": (b[2] - b[0]) * (b[3] - b[1]), "iscrowd": 0})
    coco = {"images": images, "annotations": annotations,
            "categories": [{"id": c + 1, "name": f"c{c + 1}"} for c in range(CLASSES)]}
    with open(os.path.join(args.out, "instances.json"), "w") as f:
        json.dump(coco, f)

    # Prepare: resized targets and the batch files (not timed).
    g = torch.Generator().manual_seed(args.seed)
    prepared = []
    for b in range(args.batches):
        ids = list(range(b * args.batch_size + 1, (b + 1) * args.batch_size + 1))
        targets, pictures = [], []
        for i in ids:
            h, w = images[i - 1]["height"], images[i - 1]["width"]
            boxes = torch.tensor([[a["bbox"][0], a["bbox"][1], a["bbox"][0] + a["bbox"][2],
                                   a["bbox"][1] + a["bbox"][3]]
                                  for a in annotations if a["image_id"] == i]).float().reshape(-1, 4)
            labels = torch.tensor([a["category_id"] - 1 for a in annotations if a["image_id"] == i])
            targets.append({"boxes": boxes, "labels": labels})
            pictures.append(torch.zeros(3, h, w))
        with torch.no_grad():
            image_list, resized = model.transform(pictures, targets)
        canvas = tuple(image_list.tensors.shape[-2:])
        shapes = [(math.ceil(canvas[0] / s), math.ceil(canvas[1] / s)) for s in (8, 16, 32, 64, 128)]
        n = sum(hh * ww for hh, ww in shapes) * 9
        cls = (-4.6 + torch.randn(len(ids), n, CLASSES, generator=g)).half()
        box = (0.3 * torch.randn(len(ids), n, 4, generator=g)).half()
        path = os.path.join(args.out, "batches", f"{b:03d}.safetensors")
        save_file({"cls_logits": cls, "bbox_regression": box}, path,
                  metadata={"image_ids": json.dumps(ids), "canvas": json.dumps(list(canvas))})
        prepared.append((path, ImageList(torch.zeros(1, 1, *canvas), image_list.image_sizes),
                         resized, shapes))
        del cls, box

    def step(path, image_list, resized, shapes):
        t = load_file(path)
        head = {"cls_logits": t["cls_logits"].float(), "bbox_regression": t["bbox_regression"].float()}
        features = [torch.zeros(1, 1, hh, ww) for hh, ww in shapes]
        anchors = model.anchor_generator(image_list, features)
        with torch.no_grad():
            losses = model.compute_loss(resized, head, anchors)
        return float(losses["classification"]), float(losses["bbox_regression"])

    step(*prepared[0])  # warm-up
    per_batch = []
    start = time.perf_counter()
    for item in prepared:
        c, r = step(*item)
        per_batch.append({"classification": c, "box": r})
    seconds = time.perf_counter() - start
    report = {"workload": "batch", "images": count, "batches": args.batches,
              "batch_size": args.batch_size, "gt": args.gt, "seed": args.seed,
              "threads": args.threads, "seconds": seconds,
              "images_per_second": count / seconds, "per_batch": per_batch,
              "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
              "torch": torch.__version__}
    text = json.dumps(report, indent=1)
    with open(os.path.join(args.out, "peer.json"), "w") as f:
        f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
