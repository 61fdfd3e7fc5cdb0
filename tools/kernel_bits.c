// Prints a digest of the C kernels' outputs (Sources/CDetKernels) on fixed inputs, one line
// per case and variant, so that builds for different machines can be compared bit for bit:
// tools/check_arm64_kernels.sh runs it natively and, under qemu user-mode emulation, as an
// arm64 (NEON) binary, and compares the two. Inputs cover the whole float range (random bit
// patterns: NaN, infinities, subnormals), class counts with and without a tail, ignored and
// background rows, IoU rows with degenerate boxes over tile seams and misaligned
// destinations, IoU rows against banded columns whose tiles they mostly miss, and the fused
// multiply-add on inputs that a double sum rounded to nearest gets wrong. NaNs are
// hashed as one value (their payloads differ between instruction sets, which the Swift
// tests allow too).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "CDetKernels.h"

static uint64_t state = 0x5EED;

/// SplitMix64.
static uint64_t next(void) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static double uniform(void) { return (double)(next() >> 11) * 0x1p-53; }

/// FNV-1a over the floats' bits, every NaN as 0x7FC00000.
static uint64_t digest(const float *values, size_t count) {
  uint64_t hash = 0xCBF29CE484222325ull;
  for (size_t i = 0; i < count; i++) {
    uint32_t bits;
    memcpy(&bits, &values[i], sizeof bits);
    if (values[i] != values[i]) bits = 0x7FC00000u;
    for (int byte = 0; byte < 4; byte++) {
      hash ^= (bits >> (8 * byte)) & 0xFF;
      hash *= 0x100000001B3ull;
    }
  }
  return hash;
}

static uint64_t doubleBits(double value) {
  uint64_t bits;
  memcpy(&bits, &value, sizeof bits);
  return value != value ? 0x7FF8000000000000ull : bits;
}

/// One focal case: `finite` draws logits in [-30, 30] with extremes planted (so the sums are
/// finite and compared too), otherwise a third of them are random bit patterns.
static void focalCase(uint32_t variant, ptrdiff_t classes, int finite) {
  enum { rows = 200 };
  const size_t count = (size_t)rows * (size_t)classes;
  float *logits = malloc(count * sizeof(float));
  float *values = malloc(count * sizeof(float));
  float *gradient = malloc(count * sizeof(float));
  float *scratch = malloc(64 * (size_t)(classes + 16) * sizeof(float));
  int32_t columns[rows];
  state = 0xF0CA1 + (uint64_t)classes + (finite ? 0x100 : 0);
  const float extremes[] = {87.4f, -87.4f, 88.8f, -88.8f, 50.0f, -50.0f, 1e-40f, 0.0f, -0.0f};
  for (size_t k = 0; k < count; k++) {
    uint32_t bits = (uint32_t)next();
    float value;
    memcpy(&value, &bits, sizeof value);
    if (finite) {
      logits[k] = k % 41 == 0 ? extremes[(k / 41) % 9] : (float)(uniform() * 60 - 30);
    } else {
      logits[k] = k % 3 == 0 ? value : (float)(uniform() * 24 - 12);
    }
  }
  for (int row = 0; row < rows; row++) {
    columns[row] = row % 7 == 0 ? INT32_MIN : row % 5 == 0 ? -1 : (int32_t)((row * 13) % classes);
  }
  detkit_focal_parameters parameters = {0.25f, 0.75f, 1.0f / 3};
  double sum = detkit_focal_label_rows(
    variant, parameters, logits, columns, rows, classes, values, gradient, NULL, 0);
  double forward = detkit_focal_label_rows(
    variant, parameters, logits, columns, rows, classes, NULL, NULL, scratch,
    64 * (classes - classes % 16));
  printf(
    "focal C=%td %s variant=%u values=%016llx gradient=%016llx sum=%016llx forward=%016llx\n",
    classes, finite ? "finite" : "any-bits", variant, (unsigned long long)digest(values, count),
    (unsigned long long)digest(gradient, count), (unsigned long long)doubleBits(sum),
    (unsigned long long)doubleBits(forward));
  free(logits);
  free(values);
  free(gradient);
  free(scratch);
}

static void iouCase(uint32_t variant, int streaming, ptrdiff_t offset, int zeroed) {
  enum { n = 7, m = 3001 };
  float a[4 * n], *b = malloc(4 * m * sizeof(float));
  float *buffer = malloc((16 + n * m) * sizeof(float) + 64);
  state = 0x10B;
  for (int i = 0; i < n + m; i++) {
    float *box = i < n ? a + 4 * i : b + 4 * (i - n);
    float x = (float)(uniform() * 1000), y = (float)(uniform() * 700);
    float w = (float)(uniform() * 300), h = (float)(uniform() * 300);
    box[0] = x, box[1] = y, box[2] = x + w, box[3] = y + h;
  }
  a[0] = 40, a[1] = 40, a[2] = 20, a[3] = 60;  // inverted: negative area
  a[4] = 5, a[5] = 5, a[6] = 5, a[7] = 30;     // zero width
  a[9] = 0.0f / 0.0f;                         // NaN
  b[4 * 17 + 2] = b[4 * 17];                  // a zero-width column
  float *out = (float *)(((uintptr_t)buffer + 63) & ~(uintptr_t)63) + offset;
  // Zeroed: the kernel skips the all-zero groups, which must leave the same matrix.
  if (zeroed) memset(out, 0, (size_t)n * m * sizeof(float));
  detkit_iou_block(variant, a, 0, n, b, 0, 1200, m, out, streaming, zeroed);
  detkit_iou_block(variant, a, 0, n, b, 1200, m, m, out, streaming, zeroed);
  printf(
    "iou streaming=%d offset=%td zeroed=%d variant=%u matrix=%016llx\n", streaming, offset,
    zeroed, variant, (unsigned long long)digest(out, (size_t)n * m));
  free(b);
  free(buffer);
}

/// IoU rows against columns in narrow bands along x (box j over x in [j / 4, j / 4 + 3]), so
/// most rows miss most 1,024-column tiles and the kernel skips them, with the boxes that
/// forbid that planted (a NaN coordinate, a negative area, a row whose height overflows
/// against a column spanning it) and rows at the tiles' edges.
static void bandedIoUCase(uint32_t variant, int streaming, int zeroed) {
  enum { n = 8, m = 5003 };
  float *b = malloc(4 * m * sizeof(float)), *out = malloc((size_t)n * m * sizeof(float));
  for (int j = 0; j < m; j++) {
    float x = (float)j / 4, y = 100 + (float)(j % 7) * 10;
    b[4 * j] = x, b[4 * j + 1] = y, b[4 * j + 2] = x + 3, b[4 * j + 3] = y + 50;
  }
  b[4 * 1500] = 0.0f / 0.0f;
  b[4 * 2600] = 660, b[4 * 2600 + 2] = 640, b[4 * 2600 + 3] = 400;  // area -6,000
  b[4 * 3700 + 1] = -3e38f, b[4 * 3700 + 3] = 3e38f;                // area +inf
  const float a[4 * n] = {
    1200, 100, 1210, 110,  0,    -3e38f, 10,   3e38f,  1000,    100, 1020.25f, 200,
    -5,   100, -0.0f, 120, 1240, 300,    1230, 290,    -10,     120, 0.5f,     130,
    300,  120, 340,   160, 1253.4f, 100, 1253.45f, 200,
  };
  if (zeroed) memset(out, 0, (size_t)n * m * sizeof(float));
  detkit_iou_block(variant, a, 0, n, b, 0, 2048, m, out, streaming, zeroed);
  detkit_iou_block(variant, a, 0, n, b, 2048, m, m, out, streaming, zeroed);
  printf(
    "banded iou streaming=%d zeroed=%d variant=%u matrix=%016llx\n", streaming, zeroed,
    variant, (unsigned long long)digest(out, (size_t)n * m));
  free(b);
  free(out);
}

/// The variant's fused multiply-add (detkit_fused_multiply_add) on cases where a double sum
/// rounded to nearest would round wrong: products that are float midpoints (normal, and
/// subnormal: 2^-150 (1 - k^2 2^-46)) with an addend too small for double to keep, plus
/// random bit patterns. The x86-64 baseline emulates it, arm64 has the instruction.
static void fusedCase(uint32_t variant) {
  enum { count = 60000 };
  static float a[count], b[count], c[count], out[count];
  state = 0xF3A;
  for (int i = 0; i < count; i++) {
    const int family = i % 3;
    const float sign = next() % 2 ? 1.0f : -1.0f;
    if (family == 0) {
      uint32_t x, y;
      do {
        x = (uint32_t)(2048 + next() % 2048) | 1;
        y = (uint32_t)(4096 + next() % 4096) | 1;
      } while (x * y < (1u << 24));
      const int scaleA = (int)(next() % 101) - 60, scaleB = (int)(next() % 101) - 60;
      a[i] = sign * __builtin_ldexpf((float)x, scaleA);
      b[i] = __builtin_ldexpf((float)y, scaleB);
      const float product = __builtin_ldexpf((float)(x * y), scaleA + scaleB);
      c[i] = (next() % 2 ? 1.0f : -1.0f) * __builtin_ldexpf(product, -26 - (int)(next() % 55));
    } else if (family == 1) {
      const float k = (float)(1 + next() % 255);
      a[i] = sign * __builtin_ldexpf(1.0f - k * 0x1p-23f, -75);
      b[i] = __builtin_ldexpf(1.0f + k * 0x1p-23f, -75);
      const float j = (float)((1u << 22) + next() % (1u << 22));
      c[i] = (next() % 2 ? 1.0f : -1.0f) * __builtin_ldexpf(j, -149);
    } else {
      const uint64_t bits = next(), more = next();
      memcpy(&a[i], &bits, sizeof(float));
      memcpy(&b[i], (const char *)&bits + 4, sizeof(float));
      memcpy(&c[i], &more, sizeof(float));
    }
  }
  detkit_fused_multiply_add(variant, a, b, c, out, count);
  printf("fused multiply-add variant=%u results=%016llx\n", variant,
    (unsigned long long)digest(out, count));
}

int main(void) {
  uint32_t supported = detkit_kernels_supported_variants();
  for (uint32_t variant = 0; variant < 32; variant++) {
    if (!(supported & (1u << variant))) continue;
    fusedCase(variant);
    const ptrdiff_t classCounts[] = {1, 16, 37, 80, 83};
    for (size_t i = 0; i < sizeof classCounts / sizeof classCounts[0]; i++) {
      focalCase(variant, classCounts[i], 0);
      focalCase(variant, classCounts[i], 1);
    }
    for (int streaming = 0; streaming <= 1; streaming++) {
      for (ptrdiff_t offset = 0; offset < 16; offset += 5) {
        iouCase(variant, streaming, offset, 0);
        iouCase(variant, streaming, offset, 1);
      }
      bandedIoUCase(variant, streaming, 0);
      bandedIoUCase(variant, streaming, 1);
    }
  }
  return 0;
}
