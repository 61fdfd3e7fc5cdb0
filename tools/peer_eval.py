#!/usr/bin/env python3
"""Times COCO bbox evaluation on W-EVAL: pycocotools, faster-coco-eval, hotcoco,
ultrafast-pycocotools (each when importable) and `detkit eval`, side by side in one run.

  python3 tools/peer_eval.py --gt weval_gt.json --dets weval_dets.json \
      --detkit .build/release/detkit [--peer-python ~/.cache/detkit-refenv/bin/python] \
      [--peer-python /path/to/other-venv/bin/python] [--skip pycocotools] [--json report.json]

W-EVAL (../shared/DESIGN.md): `tools/gen_coco.py --images 5000` ground truth and
`tools/gen_dets.py` detections (100 per image, 500k); any COCO instances file and results
file of the same images will do.

- Python peers: each runs in its own child process. Loading the two JSON files is excluded
  from the time; evaluate + accumulate + summarize is timed (`time.perf_counter`). Peak
  memory is the child's `ru_maxrss` (so it includes the JSON load).
- detkit: the ground truth and detections are imported into a scratch store once (not
  timed); then `detkit eval --db STORE --name w` is timed end to end from the parent,
  process start included, and its peak memory is its `ru_maxrss`.
- Every tool's 12 stats are printed beside its time, with the largest difference from
  pycocotools' (or from the first tool that ran) so a fast-but-wrong result shows.
Each tool's CPU time (user + system, all threads) is printed beside its wall time: on a
loaded machine it is the steadier figure. The machine should be otherwise idle for wall
times worth quoting; the report says how many CPUs the process could use.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

PEERS = {
    "pycocotools": """
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval
gt = COCO(GT); dt = gt.loadRes(DT)
def run():
    E = COCOeval(gt, dt, 'bbox'); E.evaluate(); E.accumulate(); E.summarize(); return E.stats
""",
    "faster-coco-eval": """
from faster_coco_eval import COCO, COCOeval_faster
gt = COCO(GT); dt = gt.loadRes(DT)
def run():
    E = COCOeval_faster(gt, dt, 'bbox'); E.evaluate(); E.accumulate(); E.summarize(); return E.stats
""",
    "hotcoco": """
from hotcoco import COCO, COCOeval
gt = COCO(GT); dt = gt.load_res(DT)
def run():
    E = COCOeval(gt, dt, 'bbox'); E.evaluate(); E.accumulate(); E.summarize(); return E.stats
""",
    "ultrafast-pycocotools": """
from ultrafast_pycocotools.coco import COCO
from ultrafast_pycocotools.cocoeval import COCOeval
gt = COCO(GT); dt = gt.loadRes(DT)
def run():
    E = COCOeval(gt, dt, 'bbox'); E.evaluate(); E.accumulate(); E.summarize(); return E.stats
""",
}

DRIVER = """
import contextlib, io, json, resource, sys, time
GT, DT = sys.argv[1], sys.argv[2]
with contextlib.redirect_stdout(io.StringIO()):
{body}
    start = time.perf_counter()
    cpu = time.process_time()
    stats = run()
    cpu = time.process_time() - cpu
    seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({{"seconds": seconds, "cpu_seconds": cpu, "stats": [float(s) for s in stats],
                  "peak_bytes": peak}}))
"""


def run_peer(name, python, gt, dets):
    body = "\n".join("    " + line for line in PEERS[name].strip().splitlines())
    code = DRIVER.format(body=body)
    proc = subprocess.run([python, "-c", code, gt, dets], capture_output=True, text=True)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": last}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_detkit(detkit, gt, dets, store):
    # --policy skip: `import coco-results` still rejects zero-size boxes (which pycocotools
    # evaluates); what it skipped is reported, and shows as a stats difference.
    skipped = []
    imports = [] if os.path.exists(store) else [["import", "coco", gt],
                                                 ["import", "coco-results", dets]]
    for args in imports:
        proc = subprocess.run([detkit, *args, "--db", store, "--name", "w", "--policy", "skip"],
                              capture_output=True, text=True, check=True)
        skipped += [line for line in proc.stderr.splitlines() if "skipped" in line]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen([detkit, "eval", "--db", store, "--name", "w", "--json"],
                                 stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode != 0:
            return {"error": err.read().decode().strip()}
        report = json.loads(out.read())
    return {"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "stats": report["stats"], "import_skipped": skipped,
            "peak_bytes": usage.ru_maxrss * 1024}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gt", required=True)
    parser.add_argument("--dets", required=True)
    parser.add_argument("--detkit", default=".build/release/detkit")
    parser.add_argument("--peer-python", action="append", default=[],
                        help="a Python to look for the peers in (repeatable); default: this one")
    parser.add_argument("--skip", action="append", default=[], help="a tool to leave out")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per tool, interleaved; the report keeps each tool's fastest")
    parser.add_argument("--json", help="also write the report here")
    args = parser.parse_args()
    pythons = args.peer_python or [sys.executable]
    results = {}

    def keep(name, result):
        old = results.get(name)
        if old is None or ("error" not in result and result["seconds"] < old.get("seconds", 1e30)):
            results[name] = result

    with tempfile.TemporaryDirectory() as tmp:
        store = os.path.join(tmp, "w.sqlite")
        for _ in range(args.repeat):
            for name in PEERS:
                if name in args.skip:
                    continue
                for python in pythons:
                    result = run_peer(name, python, args.gt, args.dets)
                    if "error" not in result or python == pythons[-1]:
                        keep(name, {**result, "python": python})
                        break
            if "detkit" not in args.skip:
                keep("detkit eval", {**run_detkit(args.detkit, args.gt, args.dets, store),
                                     "note": "end to end from the store, process start included"})
    reference = next((r["stats"] for r in results.values() if "stats" in r), None)
    print(f"W-EVAL  {args.gt}  {args.dets}  (CPUs usable: {len(os.sched_getaffinity(0))})")
    for name, r in results.items():
        if "error" in r:
            print(f"  {name:24s} not run: {r['error']}")
            continue
        diff = max(abs(a - b) for a, b in zip(r["stats"], reference))
        peak = f"{r['peak_bytes'] / 2**20:8.0f} MiB" if r.get("peak_bytes") else "       ? MiB"
        print(f"  {name:24s} {r['seconds']:8.3f} s (cpu {r['cpu_seconds']:7.3f} s)  peak {peak}  "
              f"AP {r['stats'][0]:.6f}  "
              f"max |stat diff| {diff:.2e}")
        for line in r.get("import_skipped", []):
            print(f"  {'':24s} import: {line}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
