#ifndef CDETKERNELS_H
#define CDETKERNELS_H

// The innermost loops of detkit's focal loss and IoU matrix, compiled once per instruction
// set and chosen at run time (see Kernels.c). Every variant performs the same IEEE
// operations in the same order as the Swift kernels they mirror (no FMA contraction, no
// approximate reciprocals), so all variants give the same bits; only the vector width
// differs. Called from DetGeometry / DetLoss only; not public API of the package.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The kernel variants, in increasing width. Values are stable (tests and reports use them).
enum {
  DETKIT_VARIANT_BASELINE = 0,  ///< the build's own target (SSE2 on x86-64, NEON on arm64)
  DETKIT_VARIANT_AVX2 = 1,      ///< x86-64 with AVX2 (256-bit)
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
/// rows' loss sum: per row the 16-lane partial sums of the full groups added left to right,
/// then the tail lanes one by one, in double.
typedef struct {
  float alphaPositive;
  float alphaNegative;
  /// The reduction's scale, applied to the gradient.
  float gradientScale;
} detkit_focal_parameters;

double detkit_focal_label_rows(
  uint32_t variant, detkit_focal_parameters parameters, const float *logits,
  const int32_t *columns, ptrdiff_t rowCount, ptrdiff_t classCount, float *values,
  float *gradient);

/// One row of the plain IoU matrix: for j in [0, count), writes the IoU of the row box
/// (x1, y1, x2, y2, area) with column box j (structure-of-arrays columns) to
/// `destination[j]`, with torchvision's float32 op order and 0 where the union is 0.
/// `streaming` nonzero writes with non-temporal stores (for a matrix much larger than the
/// caches); the values are the same.
void detkit_iou_row(
  uint32_t variant, float x1, float y1, float x2, float y2, float area,
  const float *columnX1, const float *columnY1, const float *columnX2,
  const float *columnY2, const float *columnArea, ptrdiff_t count, float *destination,
  int streaming);

#ifdef __cplusplus
}
#endif

#endif
