#ifndef CDETKERNELS_H
#define CDETKERNELS_H

// The innermost loops of detkit's focal loss and IoU matrix, compiled once per instruction
// set and chosen at run time (see Kernels.c). Every variant performs the same IEEE
// operations in the same order as the Swift kernels they mirror (no FMA contraction, no
// approximate reciprocals; the multiply-adds the Swift kernels fuse are fused, by the FMA
// instruction or, where the variant has none (the x86-64 baseline), by an exact
// emulation), so all variants give the same bits; only the vector width differs. Called
// from DetGeometry / DetLoss only; not public API of the package.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The kernel variants, in increasing width. Values are stable (tests and reports use them).
enum {
  DETKIT_VARIANT_BASELINE = 0,  ///< the build's own target (SSE2 on x86-64, NEON on arm64)
  DETKIT_VARIANT_AVX2 = 1,      ///< x86-64 with AVX2 (256-bit) and FMA
  DETKIT_VARIANT_AVX512 = 2,    ///< x86-64 with AVX-512F (512-bit)
};

/// Bit `v` is set when variant `v` is compiled in and this CPU (and OS) can run it.
uint32_t detkit_kernels_supported_variants(void);

/// A short description of the instruction set the C target was compiled for by default,
/// e.g. "x86-64 (SSE2)" or "arm64 (NEON)".
const char *detkit_kernels_build_target(void);

/// Rows of the gamma = 2 sigmoid focal loss against class labels (the label path of
/// SigmoidFocalLoss, FocalLabelPass in Swift). `columns[r]` is row r's positive column,
/// -1 (or any value outside [0, classCount)) for an all-negative row, INT32_MIN for an
/// ignored row (values and gradient 0, not summed). Writes `values` / `gradient` (either
/// may be NULL) for `rowCount` rows of `classCount` floats from `logits`, and returns the
/// rows' loss sum: per row the full groups added lane-wise left to right, their 16 lanes
/// summed as FloatLanes.halvingSum does, then the tail lanes one by one, in double.
/// Without `values`, `scratch` holds the losses of a batch of rows: it needs at least
/// `classCount - classCount % 16` floats (one row's full groups; up to 64 rows' are used).
typedef struct {
  float alphaPositive;
  float alphaNegative;
  /// The reduction's scale, applied to the gradient.
  float gradientScale;
} detkit_focal_parameters;

double detkit_focal_label_rows(
  uint32_t variant, detkit_focal_parameters parameters, const float *logits,
  const int32_t *columns, ptrdiff_t rowCount, ptrdiff_t classCount, float *values,
  float *gradient, float *scratch, ptrdiff_t scratchCount);

/// `out[i] = a[i] * b[i] + c[i]` with one rounding, for `i` in [0, count), by the fused
/// multiply-add of variant `variant`'s focal kernel (the instruction, or its emulation where
/// the variant has none: the x86-64 baseline); `out` may be any of the inputs. For the
/// tests, which compare every variant's with the C library's `fmaf`.
void detkit_fused_multiply_add(
  uint32_t variant, const float *a, const float *b, const float *c, float *out,
  ptrdiff_t count);

/// A block of the plain IoU matrix: rows [row0, row1) x columns [column0, column1) of
/// the matrix of `a` (xyxy floats, 4 per box) and `b` (`m` boxes, xyxy), written to
/// `destination[i * m + j]`, with torchvision's float32 op order
/// (areas `(x2 - x1) * (y2 - y1)`) and 0 where the union is 0. `streaming` nonzero writes
/// whole 64-byte lines with non-temporal stores (for a matrix much larger than the
/// caches); the values are the same. `zeroed` nonzero says the block's entries already
/// hold +0 (the kernel's fresh zero pages): a group of 16 entries that all come out +0 (no
/// overlap, positive union: most pairs) is then not written at all, nor is a row's part of
/// a 1,024-column tile whose boxes all lie on one side of the row's box. The columns are
/// transposed tile by tile on the stack (no allocation). Blocks that share no entry may run
/// at once on different threads.
void detkit_iou_block(
  uint32_t variant, const float *a, ptrdiff_t row0, ptrdiff_t row1, const float *b,
  ptrdiff_t column0, ptrdiff_t column1, ptrdiff_t m, float *destination, int streaming,
  int zeroed);

#ifdef __cplusplus
}
#endif

#endif
