#!/usr/bin/env bash
# Builds one fuzz harness with libFuzzer + AddressSanitizer and runs it for SECONDS.
#
#   tools/fuzz.sh TARGET SECONDS [extra libFuzzer options...]
#   TARGET: npy | safetensors | coco | voc | yolo | yolo-names | image   (or the product name, e.g. FuzzNPY)
#
# Seeds: fixtures/fuzz/<target>/ plus the fixtures that target reads (read-only); the growing
# corpus lives in .build-fuzz/corpus/<target>/ and crashing inputs in
# .build-fuzz/findings/<target>/. One fuzzer process at a time (-jobs is not used): the
# machine's cores are shared. Prints executions, corpus size and findings; exits 1 if the
# run found a crash, leak, timeout or out-of-memory input.
#
# Replay a finding in a normal build: swift build --product FuzzNPY && .build/debug/FuzzNPY FILE
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 2 ]; then
  sed -n 2,12p "$0" | sed 's/^# \{0,1\}//' >&2
  exit 64
fi
target=$1
seconds=$2
shift 2

case "$target" in
  npy | FuzzNPY) product=FuzzNPY; name=npy; seeds=(fixtures/golden/tensorio) ;;
  safetensors | FuzzSafetensors) product=FuzzSafetensors; name=safetensors; seeds=(fixtures/golden/tensorio) ;;
  coco | FuzzCOCO) product=FuzzCOCO; name=coco; seeds=(fixtures/demo) ;;
  voc | FuzzVOC) product=FuzzVOC; name=voc; seeds=() ;;
  yolo | FuzzYOLO) product=FuzzYOLO; name=yolo; seeds=() ;;
  yolo-names | FuzzYOLONames) product=FuzzYOLONames; name=yolo-names; seeds=() ;;
  image | FuzzImageHeader) product=FuzzImageHeader; name=image; seeds=(fixtures/images) ;;
  *) echo "unknown fuzz target '$target'" >&2; exit 64 ;;
esac
[ -d "fixtures/fuzz/$name" ] && seeds=("fixtures/fuzz/$name" "${seeds[@]}")

scratch=.build-fuzz
echo "building $product (libFuzzer + AddressSanitizer) in $scratch ..." >&2
swift build -c debug --scratch-path "$scratch" --product "$product" \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING 2>&1 \
  | grep -v "Cannot export local symbol" >&2

corpus=$scratch/corpus/$name
findings=$scratch/findings/$name
mkdir -p "$corpus" "$findings"
log=$scratch/fuzz-$name.log
before=$(ls "$findings" | wc -l)

export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tools/lsan.supp:print_suppressions=0}
echo "fuzzing $product for ${seconds}s (log: $log) ..." >&2
set +e
"$scratch/debug/$product" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
  -rss_limit_mb=2048 -max_len=65536 -artifact_prefix="$findings/" "$@" \
  "$corpus" "${seeds[@]}" >"$log" 2>&1
status=$?
set -e
rm -rf /dev/shm/detkit-fuzz-"$product"-* "${TMPDIR:-/tmp}"/detkit-fuzz-"$product"-* 2>/dev/null || true

runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
after=$(ls "$findings" | wc -l)
echo "target:     $product"
echo "seconds:    $seconds"
echo "executions: ${runs:-?} (${rate:-?}/s)"
echo "corpus:     $(ls "$corpus" | wc -l) inputs in $corpus"
echo "findings:   $((after - before)) new ($after total in $findings)"
if [ "$status" -ne 0 ] || [ "$after" -gt "$before" ]; then
  grep -E "^==[0-9]+==ERROR|^(Fatal error|SUMMARY)|Test unit written" "$log" | head -20
  exit 1
fi
