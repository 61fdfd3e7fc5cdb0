"""Small annotation and image fixtures made for detkit's format tests (fixtures/formats/).

Each folder reproduces, on a few invented boxes, a layout quirk that real-world files have
(the optional samples in ../shared/datasets show them on real data, see their SOURCES.md);
nothing is copied from those samples. The expected values the tests use (counts, sizes,
boxes) are stated in fixtures/formats/README.md and in the files written here (the CSV
tables), computed by this script from its own definitions, not by detkit.

Standard library only (json, struct, zlib): images are tiny but complete, decodable files
(grey JPEGs coded with one-bit Huffman tables, zlib-compressed PNGs), a few KB each.

Run: python3 tools/make_format_fixtures.py   (rewrites fixtures/formats/ deterministically)
"""
import json
import os
import shutil
import struct
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "formats")


def write(rel, data, newline=True):
    path = os.path.join(OUT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
        if newline and not data.endswith(b"\n"):
            data += b"\n"
    with open(path, "wb") as f:
        f.write(data)


def write_json(rel, value, indent=None, newline=True):
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    write(rel, text if newline else text.encode("utf-8"), newline)


# MARK: - Images


def segment(marker, payload):
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


JFIF = segment(0xE0, b"JFIF\0" + bytes([1, 1, 0, 0, 1, 0, 1, 0, 0]))
DQT = segment(0xDB, bytes([0]) + bytes([1] * 64))  # table 0, all ones
DQT1 = segment(0xDB, bytes([1]) + bytes([2] * 64))  # table 1 (unused), as cameras write two
# One-bit Huffman tables: DC table 0 codes only category 0 ("no change"), AC table 0 only
# EOB. Every 8x8 block of a flat mid-grey image is then "0" (DC) + "0" (EOB).
DHT_DC = segment(0xC4, bytes([0x00, 1] + [0] * 15 + [0x00]))
DHT_AC = segment(0xC4, bytes([0x10, 1] + [0] * 15 + [0x00]))


def sof(marker, width, height):
    return segment(marker, bytes([8]) + struct.pack(">HH", height, width) + bytes([1, 1, 0x11, 0]))


def entropy(bits):
    out = bytearray()
    for i in range(0, len(bits), 8):
        chunk = bits[i:i + 8].ljust(8, "1")  # pad with ones, as the standard says
        byte = int(chunk, 2)
        out.append(byte)
        if byte == 0xFF:
            out.append(0)  # byte stuffing
    return bytes(out)


def exif_app1(orientation=None, thumbnail=None):
    """APP1 Exif, little-endian TIFF: IFD0 (Make, optional Orientation), and IFD1 pointing
    at an embedded JPEG thumbnail when one is given (its own SOF must not be read)."""
    entries = [(0x010F, 2, 7, None)]  # Make, ASCII, out of line
    if orientation is not None:
        entries.append((0x0112, 3, 1, orientation))
    ifd0_size = 2 + 12 * len(entries) + 4
    make_at = 8 + ifd0_size
    make = b"detkit\0"
    ifd1_at = make_at + len(make) + 1  # keep it even
    tiff = bytearray(b"II*\0" + struct.pack("<I", 8) + struct.pack("<H", len(entries)))
    for tag, kind, count, value in entries:
        if tag == 0x010F:
            tiff += struct.pack("<HHII", tag, kind, count, make_at)
        else:
            tiff += struct.pack("<HHIHH", tag, kind, count, value, 0)
    tiff += struct.pack("<I", ifd1_at if thumbnail else 0)
    tiff += make + b"\0"
    if thumbnail:
        thumb_at = ifd1_at + 2 + 2 * 12 + 4
        tiff += struct.pack("<H", 2)
        tiff += struct.pack("<HHII", 0x0201, 4, 1, thumb_at)  # JPEGInterchangeFormat
        tiff += struct.pack("<HHII", 0x0202, 4, 1, len(thumbnail))  # ...Length
        tiff += struct.pack("<I", 0)
        tiff += thumbnail
    return segment(0xE1, b"Exif\0\0" + bytes(tiff))


def jpeg(width, height, progressive=False, before_frame=(), frame_marker=None):
    """A flat grey 8-bit greyscale JPEG that decoders accept (baseline, or progressive with
    its DC scan only: the AC coefficients are then zero, as in a first pass)."""
    blocks = ((width + 7) // 8) * ((height + 7) // 8)
    marker = frame_marker or (0xC2 if progressive else 0xC0)
    out = b"\xFF\xD8" + b"".join(before_frame) + DQT + DQT1 + sof(marker, width, height)
    out += DHT_DC + DHT_AC
    if progressive:
        # DC first scan, Ss = Se = 0, Ah = Al = 0: one bit ("no change") per block.
        out += segment(0xDA, bytes([1, 1, 0x00, 0, 0, 0])) + entropy("0" * blocks)
    else:
        out += segment(0xDA, bytes([1, 1, 0x00, 0, 63, 0])) + entropy("00" * blocks)
    return out + b"\xFF\xD9"


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width, height, extra=()):
    """A black 8-bit RGB PNG (filter byte 0 on every row), with optional chunks after IHDR."""
    raw = (b"\0" + b"\0" * (3 * width)) * height
    out = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    for kind, data in extra:
        out += png_chunk(kind, data)
    return out + png_chunk(b"IDAT", zlib.compress(raw, 9)) + png_chunk(b"IEND", b"")


THUMBNAIL = jpeg(160, 120)  # an EXIF thumbnail: a complete JPEG with its own frame header
ICC = segment(0xE2, b"ICC_PROFILE\0\x01\x01" + bytes(64))
ADOBE = segment(0xEE, b"Adobe" + bytes([0, 100, 0, 0, 0, 0, 1]))
COMMENT = segment(0xFE, b"made for detkit")

# name -> (bytes, width, height, what it shows). Sizes use both bytes of each 16-bit field.
IMAGES = {
    "jfif_500x375.jpg": (jpeg(500, 375, before_frame=[JFIF]), 500, 375,
                         "JFIF APP0 then two DQT before SOF0 (the usual camera/libjpeg layout)"),
    "exif_thumbnail_353x500.jpg": (
        jpeg(353, 500, before_frame=[exif_app1(orientation=1, thumbnail=THUMBNAIL), ICC]),
        353, 500, "APP1 Exif holding a 160x120 JPEG thumbnail (its own SOI/SOF0), then APP2 ICC"),
    "progressive_486x500.jpg": (
        jpeg(486, 500, progressive=True, before_frame=[JFIF, COMMENT, ADOBE]), 486, 500,
        "SOF2 (progressive) after APP0, COM and APP14 Adobe"),
    "extended_640x427.jpg": (jpeg(640, 427, before_frame=[JFIF], frame_marker=0xC1), 640, 427,
                             "SOF1 (extended sequential)"),
    "rgb_1000x300.png": (png(1000, 300, extra=[(b"gAMA", struct.pack(">I", 45455)),
                                               (b"pHYs", struct.pack(">IIB", 2835, 2835, 1))]),
                         1000, 300, "PNG with gAMA and pHYs after IHDR"),
}


def make_images():
    rows = ["file,width,height,what"]
    for name, (data, w, h, what) in IMAGES.items():
        write(f"images/{name}", data)
        rows.append(f"{name},{w},{h},{what}")
    write("images/image_sizes.csv", "\n".join(rows))


# MARK: - One small dataset in many formats (VOC, CVAT VOC, darknet YOLO, two COCO flavours)

# Three images (sizes are those of the JPEGs written for them) and seven boxes in VOC's
# 1-based integer pixel values, as the files carry them. Flags: difficult, truncated; pose.
MULTI_IMAGES = [("m_0001", 500, 375), ("m_0002", 353, 500), ("m_0003", 486, 500)]
MULTI_BOXES = [
    # image, class, xmin, ymin, xmax, ymax, difficult, truncated, pose
    ("m_0001", "dog", 1, 1, 200, 180, 0, 1, "Left"),  # touches the x = 1, y = 1 edge
    ("m_0001", "person", 250, 40, 499, 375, 1, 1, "Frontal"),
    ("m_0001", "cat", 120, 200, 180, 260, 0, 0, "Unspecified"),
    ("m_0002", "person", 17, 33, 341, 497, 0, 0, "Rear"),
    ("m_0003", "bicycle", 1, 250, 300, 499, 1, 0, "Right"),
    ("m_0003", "person", 174, 101, 349, 351, 0, 1, "Frontal"),
    ("m_0003", "dog", 300, 400, 313, 411, 1, 0, "Unspecified"),
]
VOC_ORDER = sorted({b[1] for b in MULTI_BOXES})  # bicycle, cat, dog, person
CVAT_ORDER = ["person", "cat", "bicycle", "dog"]  # the order a CVAT export lists labels in
V2_ORDER = ["dog", "bicycle", "person", "cat"]


def voc_object(b, flavour):
    _, name, x1, y1, x2, y2, difficult, truncated, pose = b
    if flavour == "cvat":
        return (f"  <object>\n    <name>{name}</name>\n    <occluded>0</occluded>\n"
                f"    <bndbox>\n      <xmin>{x1}.0</xmin>\n      <ymin>{y1}.0</ymin>\n"
                f"      <xmax>{x2}.0</xmax>\n      <ymax>{y2}.0</ymax>\n    </bndbox>\n  </object>\n")
    return (f"\t<object>\n\t\t<name>{name}</name>\n\t\t<pose>{pose}</pose>\n"
            f"\t\t<truncated>{truncated}</truncated>\n\t\t<difficult>{difficult}</difficult>\n"
            f"\t\t<bndbox>\n\t\t\t<xmin>{x1}</xmin>\n\t\t\t<ymin>{y1}</ymin>\n"
            f"\t\t\t<xmax>{x2}</xmax>\n\t\t\t<ymax>{y2}</ymax>\n\t\t</bndbox>\n\t</object>\n")


def make_multi():
    base = "multi"
    jpeg_of = {"m_0001": "jfif_500x375.jpg", "m_0002": "exif_thumbnail_353x500.jpg",
               "m_0003": "progressive_486x500.jpg"}
    for stem, w, h in MULTI_IMAGES:
        write(f"{base}/images/{stem}.jpg", IMAGES[jpeg_of[stem]][0])
        boxes = [b for b in MULTI_BOXES if b[0] == stem]
        # Original VOC: <folder> says VOC2012, <database> VOC2007; no <occluded>.
        xml = (f"<annotation>\n\t<folder>VOC2012</folder>\n\t<filename>{stem}.jpg</filename>\n"
               f"\t<source>\n\t\t<database>The VOC2007 Database</database>\n\t</source>\n"
               f"\t<size>\n\t\t<width>{w}</width>\n\t\t<height>{h}</height>\n\t\t<depth>3</depth>\n"
               f"\t</size>\n\t<segmented>0</segmented>\n")
        xml += "".join(voc_object(b, "voc") for b in boxes) + "</annotation>"
        write(f"{base}/pascalvoc/{stem}.xml", xml)
        # CVAT "VOC": float coordinates, empty <depth>, only <occluded>, Unknown sources.
        xml = (f"<annotation>\n  <folder></folder>\n  <filename>{stem}.jpg</filename>\n"
               f"  <source>\n    <database>Unknown</database>\n    <annotation>Unknown</annotation>\n"
               f"    <image>Unknown</image>\n  </source>\n  <size>\n    <width>{w}</width>\n"
               f"    <height>{h}</height>\n    <depth></depth>\n  </size>\n  <segmented>0</segmented>\n")
        xml += "".join(voc_object(b, "cvat") for b in boxes) + "</annotation>"
        write(f"{base}/cvat_voc/Annotations/{stem}.xml", xml)
        # Darknet: class cx cy w h, normalised, 6 decimals, class index into obj.names.
        lines = []
        for _, name, x1, y1, x2, y2, *_ in boxes:
            cx, cy = (x1 + x2) / 2 / w, (y1 + y2) / 2 / h
            lines.append(f"{CVAT_ORDER.index(name)} {cx:.6f} {cy:.6f} {(x2 - x1) / w:.6f} {(y2 - y1) / h:.6f}")
        write(f"{base}/yolo_darknet/obj_train_data/{stem}.txt", "\n".join(lines))
    stems = [s for s, _, _ in MULTI_IMAGES]
    for task in ["Main", "Action", "Layout"]:
        write(f"{base}/cvat_voc/ImageSets/{task}/default.txt", "\n".join(stems))
    write(f"{base}/cvat_voc/labelmap.txt", "# label:color_rgb:parts:actions\nbackground:0,0,0::\n"
          + "".join(f"{n}:{i * 40},0,0::\n" for i, n in enumerate(CVAT_ORDER, 1)))
    write(f"{base}/yolo_darknet/obj.names", "\n".join(CVAT_ORDER))
    write(f"{base}/yolo_darknet/obj.data",
          f"classes = {len(CVAT_ORDER)}\ntrain = data/train.txt\nnames = data/obj.names\nbackup = backup/")
    # train.txt lists paths that do not exist here; the images are in ../images.
    write(f"{base}/yolo_darknet/train.txt", "\n".join(f"data/obj_train_data/{s}.jpg" for s in stems))

    # COCO as CVAT exports it: category ids 1.. in CVAT order, attributes, date_captured 0.
    def coco(order, image_id, extra_image, extra_annotation, top):
        images = [dict({"id": image_id(i), "width": w, "height": h, "file_name": f"{s}.jpg"},
                       **extra_image) for i, (s, w, h) in enumerate(MULTI_IMAGES)]
        index = {s: image_id(i) for i, (s, _, _) in enumerate(MULTI_IMAGES)}
        annotations = []
        for k, (s, name, x1, y1, x2, y2, *_) in enumerate(MULTI_BOXES):
            bw, bh = x2 - x1, y2 - y1
            a = {"id": k + 1, "image_id": index[s], "category_id": order.index(name) + 1,
                 "segmentation": [], "area": float(bw * bh), "bbox": [float(x1), float(y1), float(bw), float(bh)],
                 "iscrowd": 0}
            a.update(extra_annotation(x1, y1, x2, y2))
            annotations.append(a)
        doc = dict(top)
        doc["categories"] = [{"id": i + 1, "name": n, "supercategory": ""} for i, n in enumerate(order)]
        doc["images"] = images
        doc["annotations"] = annotations
        return doc

    v1 = coco(CVAT_ORDER, lambda i: i + 1,
              {"license": 0, "flickr_url": "", "coco_url": "", "date_captured": 0},
              lambda *_: {"attributes": {"occluded": False}},
              {"licenses": [{"name": "", "id": 0, "url": ""}],
               "info": {"contributor": "", "date_created": "", "description": "", "url": "",
                        "version": "", "year": ""}})
    write_json(f"{base}/coco_v1/instances_default.json", v1)
    # Another conversion: "type": "instances", an ignore field, polygon = box outline, image
    # ids above 2^31 (64-bit ids), another category order, no final newline.
    v2 = coco(V2_ORDER, lambda i: 20180000001 + i, {},
              lambda x1, y1, x2, y2: {"ignore": 0,
                                      "segmentation": [[x1, y1, x1, y2, x2, y2, x2, y1]]},
              {"type": "instances"})
    write_json(f"{base}/coco_v2/instances_v2.json", v2, newline=False)
    write(f"{base}/image_sizes.csv", "file,width,height\n"
          + "\n".join(f"images/{s}.jpg,{w},{h}" for s, w, h in MULTI_IMAGES))


# MARK: - COCO quirks


def polygon(x, y, w, h):
    return [[x, y, x + w, y, x + w, y + h, x, y + h]]


def make_coco():
    # val2014 style: crowd boxes with uncompressed RLE and integer bboxes, polygons elsewhere,
    # category ids with gaps (1..90), old-style file names, an image without boxes, no final
    # newline; a bbox results file and a segm-only results file (no "bbox" key at all).
    cats = [{"supercategory": s, "id": i, "name": n} for i, n, s in
            [(1, "person", "person"), (3, "car", "vehicle"), (18, "dog", "animal"),
             (44, "bottle", "kitchen"), (90, "toothbrush", "indoor")]]
    images = [{"license": 3, "file_name": f"COCO_val2014_{i:012d}.jpg", "height": h, "width": w,
               "id": i} for i, w, h in [(42, 640, 478), (73, 612, 612), (74, 640, 426), (133, 500, 375)]]
    # (id, image, category, bbox, area, crowd): areas are "mask" areas (not w*h), sizes span
    # small (< 32^2), medium and large.
    anns = [
        (101, 42, 1, [214.15, 41.29, 348.26, 243.78], 62626.5, 0),
        (102, 42, 18, [1.0, 300.5, 25.3, 20.1], 401.2, 0),
        (103, 42, 1, [10, 20, 300, 200], 45210.0, 1),
        (104, 73, 3, [100.4, 100.6, 60.0, 40.0], 1800.0, 0),
        (105, 73, 44, [2.63, 5.0, 2.63, 7.1], 15.4, 0),
        (106, 73, 3, [0, 0, 612, 300], 150000.0, 1),
        (107, 74, 90, [30.5, 40.5, 95.0, 96.0], 9120.0, 0),
        (108, 74, 1, [300.25, 10.75, 31.5, 32.5], 1023.9, 0),
        (109, 74, 1, [340.0, 12.0, 33.0, 31.0], 1024.0, 0),
    ]
    out = []
    for aid, img, cat, bbox, area, crowd in anns:
        if crowd:
            seg = {"counts": [bbox[1] * 10, 17, 400, 23, 9001], "size": [478 if img == 42 else 612, 640 if img == 42 else 612]}
        else:
            seg = [[round(v, 2) for v in polygon(*bbox)[0]]]
        out.append({"segmentation": seg, "area": area, "iscrowd": crowd, "image_id": img,
                    "bbox": bbox, "category_id": cat, "id": aid})
    doc = {"info": {"description": "detkit fixture, val2014 style", "year": 2014},
           "images": images, "licenses": [{"url": "", "id": 3, "name": "CC BY"}],
           "annotations": out, "categories": cats}
    write_json("coco/crowd_rle.json", doc, newline=False)
    results = [
        {"image_id": 42, "category_id": 1, "bbox": [210.0, 40.5, 350.0, 240.0], "score": 0.997},
        {"image_id": 42, "category_id": 18, "bbox": [0.5, 301.0, 26.0, 19.5], "score": 0.412},
        {"image_id": 73, "category_id": 3, "bbox": [101.0, 99.0, 59.0, 42.0], "score": 0.83},
        {"image_id": 74, "category_id": 90, "bbox": [31.0, 41.0, 94.0, 95.5], "score": 0.004},
        {"image_id": 74, "category_id": 1, "bbox": [300.0, 11.0, 31.0, 33.0], "score": 0.5},
    ]  # image 133 has no detections
    write_json("coco/crowd_rle_results_bbox.json", results, newline=False)
    segm = [{"image_id": r["image_id"], "category_id": r["category_id"],
             "segmentation": {"size": [478, 640], "counts": "PPYo0"}, "score": r["score"]}
            for r in results]
    write_json("coco/crowd_rle_results_segm.json", segm, newline=False)

    # LVIS v1 style: images come last, no iscrowd anywhere, LVIS fields on images and
    # categories, many categories and few used, images without boxes.
    cats = []
    for i in range(1, 41):
        cats.append({"name": f"thing_{i:02d}", "synset": f"thing_{i:02d}.n.01",
                     "synonyms": [f"thing_{i:02d}", f"object {i}"], "def": f"invented thing number {i}",
                     "frequency": "rcf"[i % 3], "image_count": 3, "instance_count": 5, "id": i})
    images = [{"id": i, "height": h, "width": w, "file_name": f"COCO_val2014_{i:012d}.jpg",
               "coco_url": f"http://images.cocodataset.org/val2017/{i:012d}.jpg",
               "neg_category_ids": [7, 30], "not_exhaustive_category_ids": [2] if i % 2 else [],
               "license": 1}
              for i, w, h in [(139, 640, 426), (285, 586, 640), (632, 640, 483), (724, 375, 500),
                              (776, 428, 640)]]
    anns = [(1, 139, 3, [1.57, 2.0, 1.57, 3.1], 4.1), (2, 139, 3, [100, 100, 50, 50], 2400.5),
            (3, 139, 17, [0, 0, 640, 426], 200000.0), (4, 285, 40, [10.5, 20.25, 40.0, 30.0], 1100.0),
            (5, 285, 1, [300, 300, 95, 97], 9300.0), (6, 632, 17, [5, 5, 31, 33], 1023.0),
            (7, 632, 3, [50, 60, 96.5, 96.5], 9216.0)]  # 724 and 776 have none
    doc = {"categories": cats,
           "annotations": [{"area": a, "id": i, "segmentation": polygon(*b), "image_id": im,
                            "bbox": b, "category_id": c} for i, im, c, b, a in anns],
           "info": {"description": "detkit fixture, LVIS v1 style"}, "licenses": [],
           "images": images}
    write_json("coco/lvis_like.json", doc)

    # Hostile id types: the image id is the string "2299"; one annotation refers to it as
    # "2299", the others as the integer 2299. Extra "ignore" field, no "segmentation" key.
    anns = []
    for k in range(5):
        anns.append({"image_id": "2299" if k == 2 else 2299, "bbox": [10.0 + 30 * k, 20.0, 25.5, 60.0],
                     "category_id": 1, "id": 4001 + k, "iscrowd": 1 if k == 4 else 0,
                     "area": 25.5 * 60.0, "ignore": 1 if k == 4 else 0})
    doc = {"images": [{"id": "2299", "file_name": "000000002299.jpg", "width": 640, "height": 427}],
           "annotations": anns, "categories": [{"id": 1, "name": "person", "supercategory": "person"}]}
    write_json("coco/string_ids.json", doc)
    dets = [{"image_id": 2299, "category_id": 1, "bbox": [11.0, 19.5, 25.0, 61.0], "score": 0.73537,
             "area": 1525.0, "id": 9001, "iscrowd": 0},
            {"image_id": "2299", "category_id": 1, "bbox": [70.0, 20.0, 26.0, 59.0], "score": 0.61,
             "area": 1534.0, "id": 9002, "iscrowd": 0}]
    write_json("coco/string_ids_results.json", dets)

    # Zero-based ids (Roboflow / VisDrone exports): category 0 is a placeholder no box uses,
    # image and annotation ids start at 0, "area" is the image area (bogus), file names carry
    # a subfolder, segmentation is [], info.year is a string, dates in ISO-8601 with a zone;
    # categories come before images; one image has no boxes; indented, no final newline.
    doc = {"info": {"year": "2021", "version": "23", "description": "detkit fixture, zero-based ids",
                    "date_created": "2021-02-23T16:44:18+00:00"},
           "licenses": [{"id": 1, "url": "https://creativecommons.org/publicdomain/zero/1.0/",
                         "name": "Public Domain"}],
           "categories": [{"id": 0, "name": "pieces", "supercategory": "none"},
                          {"id": 1, "name": "human", "supercategory": "pieces"},
                          {"id": 2, "name": "vehicle", "supercategory": "pieces"}],
           "images": [{"id": i, "license": 1, "file_name": f"images/{i:07d}_00000_d.jpg", "height": h,
                       "width": w, "date_captured": "2021-02-23T16:44:18+00:00"}
                      for i, w, h in [(0, 960, 540), (1, 1360, 765), (2, 960, 540)]],
           "annotations": []}
    boxes = [(0, 1, [684, 8, 273, 116]), (0, 2, [406, 119, 265, 70]), (0, 2, [2, 2, 3, 4]),
             (1, 1, [0, 0, 1360, 765]), (1, 2, [999, 500, 22, 21])]  # image 2 has none
    for k, (img, cat, bbox) in enumerate(boxes):
        w, h = (960, 540) if img != 1 else (1360, 765)
        doc["annotations"].append({"id": k, "image_id": img, "category_id": cat, "bbox": bbox,
                                   "area": w * h, "segmentation": [], "iscrowd": 0})
    write_json("coco/zero_based.json", doc, indent=4, newline=False)
    dets = [{"image_id": 0, "bbox": [657, 5, 103, 64], "score": 0.8525390625, "category_id": 2,
             "category_name": "vehicle", "segmentation": [], "iscrowd": 0, "area": 6592},
            {"image_id": 1, "bbox": [1.5, 2.5, 1300, 700], "score": 0.25, "category_id": 1,
             "category_name": "human", "segmentation": [], "iscrowd": 0, "area": 910000}]
    write_json("coco/zero_based_results.json", dets)

    # Detections written as a COCO *dataset*: "score" on each annotation, 0-based image and
    # category ids, area = (w + 1) * (h + 1) (the legacy +1 convention).
    doc = {"images": [{"id": i, "file_name": f"{s}.jpg", "width": w, "height": h}
                      for i, (s, w, h) in enumerate(MULTI_IMAGES)],
           "categories": [{"id": i, "name": n} for i, n in enumerate(["person", "dog", "bicycle", "cat"])],
           "annotations": []}
    dets = [(0, 1, [3.5, 2.0, 190.0, 170.25], 0.91), (0, 0, [260.0, 44.0, 230.0, 320.0], 0.62),
            (2, 2, [4.0, 255.0, 290.0, 240.0], 0.33)]  # image 1 has none
    for k, (img, cat, b, score) in enumerate(dets):
        doc["annotations"].append({"id": k, "image_id": img, "category_id": cat, "bbox": b,
                                   "area": (b[2] + 1) * (b[3] + 1), "iscrowd": 0, "score": score})
    write_json("coco/dets_as_dataset.json", doc)


# MARK: - VOC quirks


def make_voc():
    # Child order varies (size after the objects, bndbox as xmax, xmin, ymax, ymin), person
    # layout <part>s inside an object, action-task <actions> and <point>, <occluded> on some
    # objects only.
    write("voc/reordered/2011_000001.xml", """<annotation>
	<filename>2011_000001.jpg</filename>
	<folder>VOC2012</folder>
	<object>
		<name>person</name>
		<actions><jumping>0</jumping><phoning>1</phoning><reading>0</reading></actions>
		<bndbox><xmax>301</xmax><xmin>52</xmin><ymax>370</ymax><ymin>11</ymin></bndbox>
		<difficult>0</difficult>
		<point><x>170</x><y>110</y></point>
		<pose>Unspecified</pose>
	</object>
	<segmented>0</segmented>
	<size><depth>3</depth><height>375</height><width>500</width></size>
	<source><annotation>PASCAL VOC2011</annotation><database>The VOC2011 Database</database><image>flickr</image></source>
</annotation>""")
    write("voc/reordered/2011_000002.xml", """<annotation>
	<filename>2011_000002.jpg</filename>
	<folder>VOC2012</folder>
	<object>
		<name>person</name>
		<bndbox><xmax>180</xmax><xmin>20</xmin><ymax>330</ymax><ymin>40</ymin></bndbox>
		<difficult>0</difficult>
		<occluded>1</occluded>
		<part><name>head</name><bndbox><xmax>120</xmax><xmin>80</xmin><ymax>95</ymax><ymin>45</ymin></bndbox></part>
		<part><name>hand</name><bndbox><xmax>40</xmax><xmin>21</xmin><ymax>200</ymax><ymin>180</ymin></bndbox></part>
		<pose>Frontal</pose>
		<truncated>0</truncated>
	</object>
	<object>
		<name>chair</name>
		<bndbox><xmax>400</xmax><xmin>250</xmin><ymax>330</ymax><ymin>200</ymin></bndbox>
		<difficult>1</difficult>
		<pose>Unspecified</pose>
		<truncated>1</truncated>
	</object>
	<segmented>0</segmented>
	<size><depth>3</depth><height>333</height><width>444</width></size>
</annotation>""")
    write("voc/reordered/2008_000003.xml", """<annotation>
	<folder>VOC2012</folder>
	<filename>2008_000003.jpg</filename>
	<size><width>320</width><height>240</height><depth>3</depth></size>
	<object>
		<name>train</name>
		<pose>Left</pose>
		<truncated>1</truncated>
		<occluded>0</occluded>
		<bndbox><xmin>1</xmin><ymin>30</ymin><xmax>320</xmax><ymax>200</ymax></bndbox>
		<difficult>0</difficult>
	</object>
</annotation>""")
    # labelImg: verified="yes"/"no" on the root, an absolute <path>, <depth>1</depth> for a
    # grey image, tab indentation, a box on the 0 edge; labels.csv lists the same boxes.
    files = [("raccoon-1.jpg", 650, 417, 3, "yes", [(81, 88, 522, 408, 0)]),
             ("raccoon-2.jpg", 450, 495, 1, "no", [(0, 50, 260, 400, 1), (200, 10, 449, 300, 0)]),
             ("raccoon-3.jpg", 259, 194, 3, "yes", [(1, 1, 120, 193, 1)])]
    rows = ["filename,width,height,class,xmin,ymin,xmax,ymax"]
    for name, w, h, depth, verified, boxes in files:
        xml = (f'<annotation verified="{verified}">\n\t<folder>images</folder>\n\t<filename>{name}</filename>\n'
               f"\t<path>/Users/someone/raccoon_dataset/images/{name}</path>\n"
               f"\t<source>\n\t\t<database>Unknown</database>\n\t</source>\n"
               f"\t<size>\n\t\t<width>{w}</width>\n\t\t<height>{h}</height>\n\t\t<depth>{depth}</depth>\n\t</size>\n"
               f"\t<segmented>0</segmented>\n")
        for x1, y1, x2, y2, truncated in boxes:
            xml += (f"\t<object>\n\t\t<name>raccoon</name>\n\t\t<pose>Unspecified</pose>\n"
                    f"\t\t<truncated>{truncated}</truncated>\n\t\t<difficult>0</difficult>\n"
                    f"\t\t<bndbox>\n\t\t\t<xmin>{x1}</xmin>\n\t\t\t<ymin>{y1}</ymin>\n"
                    f"\t\t\t<xmax>{x2}</xmax>\n\t\t\t<ymax>{y2}</ymax>\n\t\t</bndbox>\n\t</object>\n")
            rows.append(f"{name},{w},{h},raccoon,{x1},{y1},{x2},{y2}")
        write(f"voc/labelimg/annotations/{name[:-4]}.xml", xml + "</annotation>")
    write("voc/labelimg/labels.csv", "\n".join(rows))


# MARK: - YOLO (Ultralytics layout)


def make_yolo():
    base = "yolo/ultralytics"
    # A YAML with non-ASCII comments (emoji, box drawing) and a names list.
    names = ["person", "bicycle", "traffic light", "fire hydrant", "toothbrush"]
    write(f"{base}/data.yaml",
          "# detkit fixture 🚀, Ultralytics style ─ paths are relative to the YAML\n"
          "# ┌──────────┐ a box-drawing comment\n"
          "path: ../datasets/u5  # dataset root dir\ntrain: images/train2017  # train images\n"
          "val: images/train2017\n\n# Classes\nnames:\n"
          + "".join(f"  - {n}\n" for n in names))
    # (stem, image bytes or None, label text or None). Sizes: 640x427 JPEG, 500x375 JPEG,
    # 1000x300 PNG, 353x500 JPEG (two without a label file); two label files have no image.
    items = [
        ("000000000009", IMAGES["extended_640x427.jpg"][0], ".jpg",
         "0 0.5 0.530422 1 0.353469\n2 0.479492 0.688771 0.955609 0.5955\n"),
        ("000000000025", IMAGES["jfif_500x375.jpg"][0], ".jpg",
         "4 0.1 0.2 0.05 0.04\n1 0.25 0.3 0.0018 0.0253\n3 0.12345678 0.87654321 0.2 0.1\n"),
        ("000000000030", IMAGES["rgb_1000x300.png"][0], ".png", "1 0.5 0.5 0.2 0.4\n\n"),
        ("000000000250", IMAGES["exif_thumbnail_353x500.jpg"][0], ".jpg", None),
        ("000000000508", IMAGES["progressive_486x500.jpg"][0], ".jpg", None),
        ("000000000656", None, None, "0 0.5 0.5 0.1 0.1\n0 0.2 0.2 0.1 0.1\n0 0.7 0.7 0.1 0.1\n"),
        ("000000000659", None, None, "2 0.5 0.5 0.1 0.1\n"),
    ]
    for stem, data, ext, label in items:
        if data is not None:
            write(f"{base}/images/train2017/{stem}{ext}", data)
        if label is not None:
            write(f"{base}/labels/train2017/{stem}.txt", label)


def main():
    if os.path.isdir(OUT):
        for entry in os.listdir(OUT):
            if entry != "README.md":
                path = os.path.join(OUT, entry)
                shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
    make_images()
    make_multi()
    make_coco()
    make_voc()
    make_yolo()
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(OUT) for f in fs)
    print(f"fixtures/formats: {total} bytes")


if __name__ == "__main__":
    main()
