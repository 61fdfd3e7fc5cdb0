#!/usr/bin/env python3
"""W-SCALE benchmark: time and peak memory of each detkit step on one large dataset.

Generates the COCO file once (kept in --work and reused by later runs), then runs, each
as its own process so its figures are its own:

  import     detkit import coco FILE          (a fresh store)
  stats      detkit stats --json
  coverage   detkit coverage --preset retinanet
  export     detkit export coco               (the file is deleted afterwards)
  targets    detkit targets --preset retinanet, over a --targets-images subset
             (targets of every image would be terabytes: 32 bytes per anchor and image)
  loss       detkit loss retinanet, over a --loss-images subset, with zero predictions
             (float16 NPY, 2 bytes per anchor and class) written from the targets' shapes

and prints one table row per step: wall seconds, CPU seconds (user + system) and peak
resident memory (the child's ru_maxrss from wait4), with the load average before the step,
since figures from a loaded machine are not comparable. The two subsets are datasets of
their own made by the same generator (seed 7), imported into the same store as setup.

The generator is the repository's own tools/gen_coco.py (--generator picks another one
with the same --images / --seed / --out options); --json times any COCO instances file
instead of the generated one (the subsets are still generated). The README's tables were
measured on files of the same sizes from the developers' workload generator.

  python3 tools/bench_scale.py                            # W-SCALE: 1,182,870 images
  python3 tools/bench_scale.py --images 118287            # W-IMPORT
  python3 tools/bench_scale.py --images 20000 --work /tmp/scale-smoke   # a smoke test

Disk: about 3.6 KB of JSON, 3.1 KB of store (plus as much write-ahead log while importing)
and 3.6 KB of export per image (W-SCALE: about 4.3 + 3.7 (+3.7) + 4.3 GB), checked first.
Release build first: swift build -c release.
"""
import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BYTES_PER_IMAGE = 3600 + 2 * 3100 + 3600  # JSON, store + WAL, export (measured on W-IMPORT)


def npy_header(dtype, shape):
    """An NPY version 1.0 header for a C-order array (padded to 64 bytes)."""
    dims = ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "")
    text = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (dtype, dims)
    pad = 64 - (10 + len(text) + 1) % 64
    text += " " * pad + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode("latin1")


def npy_shape(path):
    """The shape of an NPY file, from its header."""
    with open(path, "rb") as f:
        head = f.read(10)
        length = struct.unpack("<H", head[8:10])[0] if head[6] == 1 else None
        if length is None:
            f.seek(8)
            length = struct.unpack("<I", f.read(4))[0]
        text = f.read(length).decode("latin1")
    shape = text.split("'shape':")[1].split(")")[0].strip(" (")
    return tuple(int(d) for d in shape.split(",") if d.strip())


def write_zeros(path, dtype, shape, itemsize):
    with open(path, "wb") as f:
        f.write(npy_header(dtype, shape))
        count = itemsize
        for d in shape:
            count *= d
        block = bytes(min(count, 1 << 24))
        while count > 0:
            f.write(block[: min(count, len(block))])
            count -= len(block)


def run_step(name, argv, rows, out=subprocess.DEVNULL, note=""):
    """Runs argv as a child, records wall, CPU and the child's own peak RSS."""
    load = os.getloadavg()[0]
    start = time.monotonic()
    child = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.monotonic() - start
    err = child.stderr.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    child.returncode = code
    if code != 0:
        sys.exit(f"{name} failed (exit {code}): {' '.join(argv)}\n{err}")
    row = {
        "step": name, "seconds": round(wall, 2), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1), "load_before": round(load, 2), "note": note,
    }
    rows.append(row)
    print(f"{name:<10} {row['seconds']:>9.2f} {row['cpu_seconds']:>9.2f} {row['peak_rss_mib']:>10.1f}"
          f" {row['load_before']:>6.2f}  {note}", flush=True)
    return row


def setup(argv):
    """Runs a setup command quietly; its output is shown only if it fails."""
    done = subprocess.run(argv, capture_output=True)
    if done.returncode != 0:
        sys.exit(f"setup failed (exit {done.returncode}): {' '.join(argv)}\n{done.stderr.decode(errors='replace')}")


def generate(generator, images, path, seed=None):
    if os.path.exists(path):
        return
    argv = [sys.executable, generator, "--images", str(images), "--out", path + ".part"]
    if seed is not None:
        argv += ["--seed", str(seed)]
    setup(argv)
    os.replace(path + ".part", path)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--images", type=int, default=1182870, help="images of the generated dataset (W-SCALE)")
    p.add_argument("--json", help="use this COCO file instead of generating one")
    p.add_argument("--work", default="/tmp/detkit-bench-scale", help="folder for the data (kept)")
    p.add_argument("--detkit", default=os.path.join(ROOT, ".build", "release", "detkit"))
    p.add_argument("--generator", default=os.path.join(ROOT, "tools", "gen_coco.py"))
    p.add_argument("--targets-images", type=int, default=1000)
    p.add_argument("--loss-images", type=int, default=50)
    p.add_argument("--threads", type=int, help="--threads for coverage, targets and loss (default: every core)")
    p.add_argument("--report", help="also write the rows as JSON to this file")
    a = p.parse_args()

    if not os.access(a.detkit, os.X_OK):
        sys.exit(f"no detkit binary at {a.detkit}: run swift build -c release first, or pass --detkit")
    os.makedirs(a.work, exist_ok=True)
    source = a.json or os.path.join(a.work, f"coco-{a.images}.json")
    if not os.path.exists(a.generator):  # the subsets come from it, whatever the source
        sys.exit(f"no generator at {a.generator}: pass --generator PATH")
    images = a.images if not a.json else None
    need = BYTES_PER_IMAGE * (images or 0) if not os.path.exists(source) else 2 * os.path.getsize(source)
    free = shutil.disk_usage(a.work).free
    if need > free:
        sys.exit(f"{a.work}: {free / 1e9:.1f} GB free, the run needs about {need / 1e9:.1f} GB")

    if not os.path.exists(source):
        print(f"generating {source} ({a.images} images, once) ...", flush=True)
        start = time.monotonic()
        generate(a.generator, a.images, source)
        print(f"generated in {time.monotonic() - start:.0f} s", flush=True)

    db = os.path.join(a.work, "bench.sqlite")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    detkit = a.detkit
    threads = ["--threads", str(a.threads)] if a.threads else []
    size_gb = os.path.getsize(source) / 1e9
    rows = []
    print(f"{'step':<10} {'wall s':>9} {'cpu s':>9} {'peak MiB':>10} {'load':>6}  note", flush=True)
    run_step("import", [detkit, "import", "coco", source, "--db", db, "--name", "scale", "--progress", "never"],
             rows, note=f"{size_gb:.2f} GB JSON")
    with open(os.path.join(a.work, "stats.json"), "wb") as out:
        run_step("stats", [detkit, "stats", "--db", db, "--name", "scale", "--json", "--progress", "never"],
                 rows, out=out)
    with open(os.path.join(a.work, "coverage.txt"), "wb") as out:
        run_step("coverage", [detkit, "coverage", "--db", db, "--name", "scale", "--preset", "retinanet",
                              "--progress", "never"] + threads, rows, out=out)
    exported = os.path.join(a.work, "export.json")
    run_step("export", [detkit, "export", "coco", "--db", db, "--name", "scale", "--output", exported,
                        "--progress", "never"], rows)
    rows[-1]["note"] = f"{os.path.getsize(exported) / 1e9:.2f} GB JSON"
    os.remove(exported)

    # Subsets: datasets of their own from the same generator, imported as setup.
    for name, count in (("targets", a.targets_images), ("loss", a.loss_images)):
        path = os.path.join(a.work, f"subset-{count}.json")
        generate(a.generator, count, path, seed=7)
        setup([detkit, "import", "coco", path, "--db", db, "--name", f"subset-{name}", "--progress", "never"])
    targets = os.path.join(a.work, "targets")
    shutil.rmtree(targets, ignore_errors=True)
    os.makedirs(targets)
    run_step("targets", [detkit, "targets", "--db", db, "--name", "subset-targets", "--preset", "retinanet",
                         "--output", targets, "--progress", "never"] + threads, rows,
             note=f"{a.targets_images} images, NPY files")
    shutil.rmtree(targets)

    # Zero predictions of each loss-subset image's anchor count (from its targets).
    predictions = os.path.join(a.work, "predictions")
    shutil.rmtree(predictions, ignore_errors=True)
    os.makedirs(predictions)
    setup([detkit, "targets", "--db", db, "--name", "subset-loss", "--preset", "retinanet",
           "--output", predictions, "--progress", "never"])
    classes = 80
    for file in os.listdir(predictions):
        if file.endswith(".matches.npy"):
            image = file[: -len(".matches.npy")]
            (n,) = npy_shape(os.path.join(predictions, file))
            write_zeros(os.path.join(predictions, f"{image}.cls.npy"), "<f2", (n, classes), 2)
            write_zeros(os.path.join(predictions, f"{image}.box.npy"), "<f2", (n, 4), 2)
        if not file.endswith((".cls.npy", ".box.npy")):
            os.remove(os.path.join(predictions, file))
    run_step("loss", [detkit, "loss", "retinanet", "--db", db, "--name", "subset-loss", "--predictions",
                      predictions, "--progress", "never"] + threads, rows,
             note=f"{a.loss_images} images, float16 NPY predictions, batches of 8")
    shutil.rmtree(predictions)

    if a.report:
        with open(a.report, "w") as f:
            json.dump({"source": source, "images": a.images if not a.json else None, "cores": os.cpu_count(),
                       "steps": rows}, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
