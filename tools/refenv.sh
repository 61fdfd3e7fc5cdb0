#!/usr/bin/env bash
# The project's reference Python venv: torch + torchvision on the CPU, pycocotools, numpy and
# safetensors, for the golden-file generators (tools/make_golden.py, tools/golden_*.py) and the
# peer benchmarks (tools/peer_bench.py, tools/peer_pipeline.py).
#   tools/refenv.sh [VENV_DIR]        (default: $HOME/.cache/detkit-refenv)
# Idempotent: an existing venv that imports everything is left as it is. The PyPI torch wheel
# pulls CUDA runtime wheels too (several GB on disk); everything here runs on the CPU.
set -euo pipefail
venv=${1:-$HOME/.cache/detkit-refenv}
modules="torch, torchvision, pycocotools, numpy, safetensors"
if "$venv/bin/python" -c "import $modules" 2>/dev/null; then
  echo "reference venv ready: $venv"
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip
"$venv/bin/pip" install -q "torch==2.15.0" "torchvision==0.29.2" pycocotools numpy safetensors
"$venv/bin/python" -c "import $modules; print('reference venv ready:', '$venv', torch.__version__, torchvision.__version__)"
