#!/usr/bin/env python3
"""Regenerate every golden file under fixtures/golden/ from the reference frameworks.

Runs each tools/golden_<topic>.py in turn with this interpreter. Needs the venv that
tools/refenv.sh builds (torch + torchvision, pycocotools, numpy, safetensors):

  tools/refenv.sh
  ~/.cache/detkit-refenv/bin/python tools/make_golden.py            # all topics
  ~/.cache/detkit-refenv/bin/python tools/make_golden.py anchors    # one topic

Each topic script re-implements detectron2 / mmdetection / Detectron formulas where
those frameworks are not installable, and asserts them against the verified vectors
of REFERENCE.md before writing anything.
"""
import pathlib, subprocess, sys

tools = pathlib.Path(__file__).resolve().parent
wanted = set(sys.argv[1:])
scripts = sorted(tools.glob("golden_*.py"))
if wanted:
    scripts = [s for s in scripts if s.stem.removeprefix("golden_") in wanted]
    missing = wanted - {s.stem.removeprefix("golden_") for s in scripts}
    if missing:
        sys.exit(f"make_golden: no tools/golden_<topic>.py for {sorted(missing)}")
for script in scripts:
    print(f"== {script.name}", flush=True)
    subprocess.run([sys.executable, str(script)], check=True, cwd=tools.parent)
print(f"make_golden: {len(scripts)} topic(s) written under fixtures/golden/")
