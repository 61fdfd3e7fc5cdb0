#!/usr/bin/env bash
# Runs the test suite under AddressSanitizer and ThreadSanitizer, each in its own scratch
# folder (.build-asan, .build-tsan) so the normal .build is left alone, and prints how long
# each took.
#
#   tools/sanitize.sh                  # both
#   tools/sanitize.sh address          # one of: address thread
#   tools/sanitize.sh thread --filter DetStoreTests    # extra arguments go to swift test
#
# Exits non-zero if any sanitizer run fails (a sanitizer report fails the test process).
set -uo pipefail
cd "$(dirname "$0")/.."

kinds=(address thread)
if [ $# -gt 0 ] && { [ "$1" = address ] || [ "$1" = thread ]; }; then
  kinds=("$1")
  shift
fi

# Reports go to stderr and stop the process at the first error.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1}

failed=0
summary=()
for kind in "${kinds[@]}"; do
  case "$kind" in
    address) scratch=.build-asan ;;
    thread) scratch=.build-tsan ;;
  esac
  echo "== swift test --sanitize=$kind (scratch $scratch)" >&2
  start=$(date +%s)
  swift build --build-tests --scratch-path "$scratch" --sanitize="$kind" >&2
  status=$?
  built=$(date +%s)
  if [ "$status" -eq 0 ]; then
    swift test --skip-build --scratch-path "$scratch" --sanitize="$kind" "$@" >&2
    status=$?
  fi
  end=$(date +%s)
  summary+=("$kind: exit $status, build $((built - start)) s, tests $((end - built)) s")
  [ "$status" -eq 0 ] || failed=1
done
printf '%s\n' "${summary[@]}"
exit "$failed"
