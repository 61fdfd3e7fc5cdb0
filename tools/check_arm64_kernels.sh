#!/usr/bin/env bash
# Cross-compiles the C kernels (Sources/CDetKernels/Kernels.c) for arm64, where only their
# NEON baseline exists, and checks the object code, on a machine without an arm64 CPU or
# Swift SDK:
#
#   tools/check_arm64_kernels.sh            (CLANG=/path/to/clang to choose the compiler)
#
# For aarch64-linux-gnu and arm64-apple-macos14: the file compiles freestanding (no sysroot
# needed; it includes no libc header) with -O2 -Wall -Wextra -Werror; the object defines the
# five entry points of CDetKernels.h; the loops use NEON vectors (128-bit `.4s` operands);
# no reciprocal estimate appears; fused multiply-add instructions do (NEON has them: none
# would mean the slow emulation); and the object code is the same compiled with
# -ffp-contract=on (clang's default for C, which fuses a multiply and an add within an
# expression) as with -ffp-contract=off: the only fused multiply-adds are the kernels'
# explicit ones (the Swift kernels' `addingProduct`). The kernels promise the Swift
# kernels' bits, so `#pragma clang fp contract(off)` must hold on arm64 too, where C
# compilers contract by default. Then, where qemu user-mode emulation and an arm64 C
# library are installed (Debian: qemu-user-static gcc-aarch64-linux-gnu
# libc6-dev-arm64-cross), it builds
# tools/kernel_bits.c with the kernels for aarch64-linux-gnu, runs it under qemu and requires
# the digest of every case (focal values, gradients and sums over the whole float range, IoU
# matrices with degenerate boxes, tile seams, misaligned destinations and tiles a row
# misses) to equal the native baseline variant's, bit for bit; without them that step says
# it was skipped. The native baseline on x86-64 emulates the fused multiply-add that arm64
# executes, and one case feeds it inputs that a double sum rounded to nearest gets wrong, so
# equal digests also check that emulation. What this cannot show: arm64
# hardware's own results (qemu implements IEEE arithmetic in software, exactly; the kernels
# use only basic operations and fused multiply-adds), and the Swift side on arm64.
# Exits 1 on the first failed check.
set -euo pipefail
cd "$(dirname "$0")/.."

clang=${CLANG:-}
if [ -z "$clang" ]; then
  if command -v clang >/dev/null; then
    clang=$(command -v clang)
  elif command -v swift >/dev/null && [ -x "$(dirname "$(command -v swift)")/clang" ]; then
    clang="$(dirname "$(command -v swift)")/clang"  # the Swift toolchain's own clang
  else
    echo "check_arm64_kernels: no clang on PATH (set CLANG)" >&2
    exit 1
  fi
fi
tools_dir=$(dirname "$clang")
objdump=$(command -v llvm-objdump || echo "$tools_dir/llvm-objdump")
nm=$(command -v llvm-nm || echo "$tools_dir/llvm-nm")
for tool in "$objdump" "$nm"; do
  [ -x "$tool" ] || { echo "check_arm64_kernels: $tool not found" >&2; exit 1; }
done

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

for target in aarch64-linux-gnu arm64-apple-macos14; do
  object="$scratch/$target.o"
  for contract in off on; do
    "$clang" --target="$target" -ffreestanding -O2 -Wall -Wextra -Werror \
      -ffp-contract="$contract" -I Sources/CDetKernels/include \
      -c Sources/CDetKernels/Kernels.c -o "$scratch/$target.$contract.o"
    # Without the header line, which names the file.
    "$objdump" -d "$scratch/$target.$contract.o" | tail -n +3 >"$scratch/$target.$contract.txt"
  done
  if ! cmp -s "$scratch/$target.off.txt" "$scratch/$target.on.txt"; then
    echo "check_arm64_kernels: $target: -ffp-contract=on changes the object code" >&2
    exit 1
  fi
  cp "$scratch/$target.off.o" "$object"
  symbols=$("$nm" --defined-only "$object")
  for entry in detkit_kernels_supported_variants detkit_kernels_build_target \
    detkit_focal_label_rows detkit_fused_multiply_add detkit_iou_block; do
    if ! grep -Eq "[ _]$entry\$" <<<"$symbols"; then
      echo "check_arm64_kernels: $target: $entry is not defined" >&2
      exit 1
    fi
  done
  listing=$("$objdump" -d "$object")
  # GNU syntax `fadd v0.4s, ...`, Apple's `fadd.4s v0, ...`.
  vector_ops=$(grep -cE 'v[0-9]+\.4s|\.4s\s' <<<"$listing" || true)
  if [ "$vector_ops" -lt 100 ]; then
    echo "check_arm64_kernels: $target: only $vector_ops NEON .4s instructions" >&2
    exit 1
  fi
  estimates=$(grep -ciE '\s(frecpe|frecps|frsqrte|frsqrts)[.[:space:]]' <<<"$listing" || true)
  if [ "$estimates" -ne 0 ]; then
    echo "check_arm64_kernels: $target: $estimates reciprocal estimate instructions" >&2
    exit 1
  fi
  fused=$(grep -ciE '\s(fmla|fmls|fmadd|fmsub|fnmadd|fnmsub)[.[:space:]]' <<<"$listing" || true)
  if [ "$fused" -eq 0 ]; then
    # NEON has the instruction: none means the kernels fell back to the slow emulation.
    echo "check_arm64_kernels: $target: no fused multiply-add instruction" >&2
    exit 1
  fi
  echo "$target: compiles with -Wall -Wextra -Werror, 5 entry points," \
    "$vector_ops NEON .4s instructions, no estimates, $fused fused multiply-adds," \
    "the same code with -ffp-contract=on"
done

# Run the kernels' arm64 build under emulation and compare its digests with the native
# baseline variant's (variant 0 on both).
qemu=$(command -v qemu-aarch64-static || command -v qemu-aarch64 || true)
sysroot=/usr/aarch64-linux-gnu
cross_cc=$(command -v aarch64-linux-gnu-gcc || true)
if [ -z "$qemu" ] || [ -z "$cross_cc" ] || [ ! -d "$sysroot/include" ]; then
  echo "aarch64 run under qemu: skipped (needs qemu-aarch64, aarch64-linux-gnu-gcc and $sysroot)"
  exit 0
fi
"$clang" -O2 -Wall -Wextra -Werror -I Sources/CDetKernels/include tools/kernel_bits.c \
  Sources/CDetKernels/Kernels.c -o "$scratch/kernel_bits-native"
for source in tools/kernel_bits.c Sources/CDetKernels/Kernels.c; do
  "$clang" --target=aarch64-linux-gnu -O2 -Wall -Wextra -Werror -isystem "$sysroot/include" \
    -I Sources/CDetKernels/include -c "$source" -o "$scratch/$(basename "$source" .c).arm64.o"
done
"$cross_cc" "$scratch/kernel_bits.arm64.o" "$scratch/Kernels.arm64.o" -o "$scratch/kernel_bits-arm64"
"$scratch/kernel_bits-native" | grep ' variant=0 ' >"$scratch/native.txt"
"$qemu" -L "$sysroot" "$scratch/kernel_bits-arm64" >"$scratch/arm64.txt"
if ! diff -u "$scratch/native.txt" "$scratch/arm64.txt" >&2; then
  echo "check_arm64_kernels: the arm64 build's results differ from the native baseline's" >&2
  exit 1
fi
echo "aarch64 run under qemu: $(wc -l <"$scratch/arm64.txt") cases, every digest equal to the native baseline's"
