#!/usr/bin/env python3
"""W-IMPORT baseline: what a user writes without detkit.

Loads a COCO instances JSON with json.load and inserts images, categories and
annotations into a fresh SQLite file with sqlite3.executemany in one transaction
(same columns as detkit's store: original ids, bbox x/y/w/h, area, iscrowd and the
segmentation re-serialised as JSON text). Prints one JSON line: seconds and counts.
Measure peak memory with /usr/bin/time -v.

    python3 tools/py_import_baseline.py /tmp/train.json [--db /tmp/baseline.sqlite]
"""
import argparse
import json
import os
import sqlite3
import tempfile
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--db", help="SQLite file to write (default: a temporary file)")
    args = parser.parse_args()
    tmp = None
    path = args.db
    if path is None:
        tmp = tempfile.TemporaryDirectory()
        path = os.path.join(tmp.name, "baseline.sqlite")
    elif os.path.exists(path):
        os.remove(path)

    start = time.perf_counter()
    with open(args.file, "rb") as f:
        data = json.load(f)
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode = WAL")
    con.executescript(
        """
        CREATE TABLE categories (id INTEGER PRIMARY KEY, original_id ANY, name TEXT, supercategory TEXT) STRICT;
        CREATE TABLE images (id INTEGER PRIMARY KEY, original_id ANY, file_name TEXT, width INTEGER, height INTEGER) STRICT;
        CREATE TABLE annotations (id INTEGER PRIMARY KEY, original_id ANY, image_id ANY, category_id ANY,
          x REAL, y REAL, w REAL, h REAL, area REAL, iscrowd INTEGER, segmentation TEXT) STRICT;
        """
    )
    with con:
        con.executemany(
            "INSERT INTO categories (original_id, name, supercategory) VALUES (?, ?, ?)",
            ((c["id"], c["name"], c.get("supercategory")) for c in data.get("categories", [])),
        )
        con.executemany(
            "INSERT INTO images (original_id, file_name, width, height) VALUES (?, ?, ?, ?)",
            ((i["id"], i["file_name"], i["width"], i["height"]) for i in data.get("images", [])),
        )
        con.executemany(
            "INSERT INTO annotations (original_id, image_id, category_id, x, y, w, h, area, iscrowd, segmentation)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    a["id"], a["image_id"], a["category_id"], *a["bbox"], a.get("area"),
                    a.get("iscrowd", 0),
                    json.dumps(a["segmentation"]) if "segmentation" in a else None,
                )
                for a in data.get("annotations", [])
            ),
        )
        con.execute("CREATE INDEX annotations_by_image ON annotations (image_id)")
    con.close()
    seconds = time.perf_counter() - start
    print(json.dumps({
        "file": args.file, "seconds": seconds,
        "images": len(data.get("images", [])), "annotations": len(data.get("annotations", [])),
        "categories": len(data.get("categories", [])),
    }))
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
