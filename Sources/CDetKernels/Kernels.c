// The focal-loss label rows and the IoU block of CDetKernels.h, written once on 16-lane generic
// vectors and compiled once per variant (the `target` attribute on each entry point; the
// bodies are always inlined into it). Clang lowers a 16-float vector to four SSE / NEON
// registers, two AVX2 registers or one AVX-512 register. The arithmetic of each function
// is a line-by-line port of the Swift kernel named in its comment (the loops around it may
// be arranged differently, never the operations or their order); the constants are those
// kernels' (checked bit for bit). Contraction is off, and the multiply-adds the Swift
// kernels fuse (`addingProduct`: the gamma = 2 negative lanes) are fused here by fused16,
// the FMA instruction or, where the variant has none (the x86-64 baseline), an exact
// emulation; so every variant computes the same bits as the Swift code (the tests compare
// every variant with it). On arm64 only the baseline (NEON) is compiled;
// tools/check_arm64_kernels.sh cross-compiles this file for arm64 and checks it.

#include "CDetKernels.h"

// No libc header: memcpy / memset are the compiler's builtins, so the file also compiles
// freestanding for a target without a sysroot here (tools/check_arm64_kernels.sh).
#define memcpy __builtin_memcpy
#define memset __builtin_memset

#pragma clang fp contract(off)
// 16-float vectors pass only between always-inlined functions, never across a call.
#pragma clang diagnostic ignored "-Wpsabi"

typedef float v16f __attribute__((vector_size(64)));
typedef int32_t v16i __attribute__((vector_size(64)));
typedef uint32_t v16u __attribute__((vector_size(64)));
typedef float v8f __attribute__((vector_size(32)));
typedef float v4f __attribute__((vector_size(16)));
typedef double v8d __attribute__((vector_size(64)));
typedef int64_t v8l __attribute__((vector_size(64)));

/// What a variant's instruction set offers: compile-time flags in the `isa` parameters.
enum {
  /// AVX-512's masked operations and 32 vector registers.
  ISA_MASKED = 1,
  /// A fused multiply-add instruction (FMA3 on x86-64, NEON's on arm64).
  ISA_FMA = 2,
};

#define INLINE static inline __attribute__((always_inline))

INLINE v16f load16(const float *p) {
  v16f v;
  memcpy(&v, p, sizeof v);
  return v;
}

INLINE void store16(float *p, v16f v) { memcpy(p, &v, sizeof v); }

INLINE v16f splat(float x) { return (v16f){0} + x; }

/// `mask ? a : b` per lane, for comparison masks (all ones / all zeros).
INLINE v16f select16(v16i mask, v16f a, v16f b) {
  return (v16f)(((v16i)a & mask) | ((v16i)b & ~mask));
}

/// `x > y ? x : y` (VectorMath.larger): NaN in x gives y.
INLINE v16f larger16(v16f x, v16f y) { return select16(x > y, x, y); }

/// `x < y ? x : y` (VectorMath.smaller).
INLINE v16f smaller16(v16f x, v16f y) { return select16(x < y, x, y); }

/// Swift's SIMD negation, `0 - x`: +0 (not -0) for x = +0.
INLINE v16f negate16(v16f x) { return 0 - x; }

/// |x| by clearing the sign bit.
INLINE v16f abs16(v16f x) { return (v16f)((v16u)x & 0x7FFFFFFFu); }

/// fma(a, b, c) for 8 lanes without an FMA unit, the same bits as the instruction: the
/// product is exact in double (48 bits); the sum, rounded to odd (toward zero, then the
/// last bit set when inexact), rounds to the nearest float as the exact value does, since
/// 53 >= 24 + 2 (Boldo and Melquiond, "Emulation of FMA and correctly rounded sums: proved
/// algorithms using rounding to odd", IEEE Trans. Computers 57(4), 2008). Rounding toward
/// zero comes from the rounded-to-nearest sum and its exact error (Knuth's TwoSum): one
/// step back when the error points toward zero. Infinities and NaN pass through unchanged
/// (their error is NaN, which counts as exact).
INLINE v8f fusedEmulated8(v8f a, v8f b, v8f c) {
  v8d product = __builtin_convertvector(a, v8d) * __builtin_convertvector(b, v8d);
  v8d addend = __builtin_convertvector(c, v8d);
  v8d sum = product + addend;
  v8d addendPart = sum - product;
  v8d error = (product - (sum - addendPart)) + (addend - addendPart);
  v8l below = error < 0, above = error > 0;
  v8l inexact = below | above;
  // All ones (-1) where the exact sum is nearer zero than `sum` (never at sum 0, which
  // is exact).
  v8l towardZero = inexact & (below ^ (sum < 0));
  v8l bits = ((v8l)sum + towardZero) | (inexact & 1);
  return __builtin_convertvector((v8d)bits, v8f);
}

/// `a * b + c` with one rounding, for each lane: the FMA instruction when `isa` has
/// ISA_FMA, otherwise fusedEmulated8 (the same bits).
INLINE v16f fused16(v16f a, v16f b, v16f c, const int isa) {
  if (isa & ISA_FMA) return __builtin_elementwise_fma(a, b, c);
  v8f low = fusedEmulated8(
    __builtin_shufflevector(a, a, 0, 1, 2, 3, 4, 5, 6, 7),
    __builtin_shufflevector(b, b, 0, 1, 2, 3, 4, 5, 6, 7),
    __builtin_shufflevector(c, c, 0, 1, 2, 3, 4, 5, 6, 7));
  v8f high = fusedEmulated8(
    __builtin_shufflevector(a, a, 8, 9, 10, 11, 12, 13, 14, 15),
    __builtin_shufflevector(b, b, 8, 9, 10, 11, 12, 13, 14, 15),
    __builtin_shufflevector(c, c, 8, 9, 10, 11, 12, 13, 14, 15));
  return __builtin_shufflevector(low, high, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
}

/// `a * b + c`: with one rounding (fused16) when `fused`, else rounded twice.
INLINE v16f multiplyAdd16(v16f a, v16f b, v16f c, const int fused, const int isa) {
  return fused ? fused16(a, b, c, isa) : a * b + c;
}

/// detkit_fused_multiply_add: fused16 over `count` floats, 16 at a time (the last group
/// through a zero-padded copy).
INLINE void fusedMultiplyAdd(
  const float *a, const float *b, const float *c, float *out, ptrdiff_t count, const int isa
) {
  for (ptrdiff_t i = 0; i < count; i += 16) {
    const ptrdiff_t n = count - i < 16 ? count - i : 16;
    float lanes[3][16] = {{0}};
    memcpy(lanes[0], a + i, (size_t)n * sizeof(float));
    memcpy(lanes[1], b + i, (size_t)n * sizeof(float));
    memcpy(lanes[2], c + i, (size_t)n * sizeof(float));
    v16f result = fused16(load16(lanes[0]), load16(lanes[1]), load16(lanes[2]), isa);
    memcpy(out + i, &result, (size_t)n * sizeof(float));
  }
}

/// VectorMath.biasedMagic, 1.5 * 2^23 + 127.
static const float biasedMagic = 12583039.0f;

/// VectorMath.expReduced(_:fused:).
INLINE v16f expReduced(v16f r, const int fused, const int isa) {
  v16f r2 = r * r;
  v16f low = multiplyAdd16(r, splat(1.6667116e-1f), splat(4.9999231e-1f), fused, isa);
  v16f high = multiplyAdd16(r, splat(8.3125029e-3f), splat(4.1890334e-2f), fused, isa);
  v16f poly = multiplyAdd16(high, r2, low, fused, isa);
  return multiplyAdd16(poly, r2, r + 1, fused, isa);
}

/// VectorMath.exp.
INLINE v16f exp16(v16f x) {
  v16i underflow = x < -87.33654f;
  v16f xc = select16(underflow, splat(-87.33654f), x);
  xc = select16(xc > 89.0f, splat(89.0f), xc);
  v16f shifted = xc * 1.44269504f + biasedMagic;
  v16f n = shifted - biasedMagic;
  v16f r = xc - n * 0.693359375f;
  r = r - n * -2.1219444e-4f;
  v16f er = expReduced(r, 0, 0);
  uint32_t magicBits;
  memcpy(&magicBits, &biasedMagic, sizeof magicBits);
  v16i nInt = (v16i)((v16u)shifted - magicBits);
  v16i half = nInt >> 1;
  v16f scaleLow = (v16f)((half + 127) << 23);
  v16f scaleHigh = (v16f)((nInt - half + 127) << 23);
  v16f result = er * scaleLow * scaleHigh;
  return select16(underflow, (v16f){0}, result);
}

/// VectorMath.expNegated: e^-a for a >= 0, its multiply-adds fused.
INLINE v16f expNegated16(v16f a, const int isa) {
  v16f clamped = smaller16(splat(88.0f), a);
  v16f shifted = fused16(clamped, splat(-1.44269504f), splat(biasedMagic), isa);
  v16f n = shifted - biasedMagic;
  v16f r = fused16(n, splat(-0.693359375f), negate16(clamped), isa);
  r = fused16(n, splat(2.1219444e-4f), r, isa);
  v16f er = expReduced(r, 1, isa);
  v16f scale = (v16f)((v16u)shifted << 23);
  return er * scale;
}

/// VectorMath.log1p(_:fused:) on [0, 1].
INLINE v16f log1p16(v16f u, const int fused, const int isa) {
  v16f s = u / (2 + u);
  v16f z = s * s;
  v16f poly = splat(0.28011975f);
  poly = multiplyAdd16(poly, z, splat(0.28001809f), fused, isa);
  poly = multiplyAdd16(poly, z, splat(0.40021527f), fused, isa);
  poly = multiplyAdd16(poly, z, splat(0.66666418f), fused, isa);
  return multiplyAdd16(s * z, poly, 2 * s, fused, isa);
}

/// The first step of FocalKernel.negativeLanesGammaTwo: e^-|x|.
INLINE v16f focalNegativeExp(v16f x, const int isa) { return expNegated16(abs16(x), isa); }

/// FocalKernel.negativeLanesGammaTwo given `e = focalNegativeExp(x)`; `derivative` NULL
/// skips the derivative. With ISA_MASKED in `isa` (a compile-time constant), `p` is
/// `x >= 0 ? inverse : inverse * e`, one masked multiply; without masks that select costs
/// more than the Swift kernel's `inverse * max(e, ones)`. Both give the same bits (e <= 1;
/// NaN x gives NaN either way). `x * ones + log1p` is exact in its product (`ones` is 0 or
/// 1), so it needs no fused form.
INLINE v16f focalNegativeFrom(
  v16f x, v16f e, float alphaNegative, float derivativeScale, v16f *derivative,
  const int isa
) {
  v16f inverse = 1 / (1 + e);
  v16i nonNegative = x >= 0;
  v16f ones = (v16f)(nonNegative & 0x3F800000);
  v16f p = (isa & ISA_MASKED) ? select16(nonNegative, inverse, inverse * e)
                              : inverse * larger16(e, ones);
  v16f ce = x * ones + log1p16(e, 1, isa);
  v16f p2 = p * p;
  v16f loss = alphaNegative * p2 * ce;
  if (derivative) {
    v16f eInverse = e * inverse;
    v16f q = select16(nonNegative, eInverse, inverse);
    *derivative = (alphaNegative * derivativeScale) * p2 * fused16(2 * q, ce, p, isa);
  }
  return loss;
}

/// FocalKernel.lanes(x, t, hard: true) for gamma = 2, t one-hot or zero; the derivative is
/// not yet scaled.
INLINE v16f focalHardLanes(
  v16f x, v16f t, float alphaPositive, float alphaNegative, v16f *derivative
) {
  v16f ax = abs16(x);
  v16f e = exp16(negate16(ax));
  v16f inverse = 1 / (1 + e);
  v16f eInverse = e * inverse;
  v16i nonNegative = x >= 0;
  v16f p = select16(nonNegative, inverse, eInverse);
  v16f q = select16(nonNegative, eInverse, inverse);
  v16f log1pE = log1p16(e, 0, 0);
  v16i positive = t > 0.5f;
  v16f relu = x * (v16f)(nonNegative & 0x3F800000);
  v16f xt = select16(positive, x, (v16f){0});
  v16f ce = relu - xt + log1pE;
  v16f m = select16(positive, q, p);
  v16f ratio = select16(positive, p, q);
  v16f alphaT = select16(positive, splat(alphaPositive), splat(alphaNegative));
  v16f pMinusT = select16(positive, negate16(q), p);
  v16f mPower = m * m;
  v16f loss = alphaT * mPower * ce;
  if (derivative) {
    *derivative = alphaT * mPower * (2.0f * ratio * (1 - 2 * t) * ce + pMinusT);
  }
  return loss;
}

/// FloatLanes.halvingSum (LaneSum.swift): low half plus high half, three times, then the
/// last two lanes.
INLINE float laneSum(v16f v) {
  v8f eight = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) +
              __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
  v4f four = __builtin_shufflevector(eight, eight, 0, 1, 2, 3) +
             __builtin_shufflevector(eight, eight, 4, 5, 6, 7);
  float low = four[0] + four[2], high = four[1] + four[3];
  return low + high;
}

/// Logits read ahead of the one being used: 4 KiB, a few groups' worth of arithmetic ahead
/// of the hardware prefetcher, which alone leaves the kernel waiting on memory.
#define FOCAL_PREFETCH_FLOATS 1024

/// The 16 logits at `p`, with a prefetch FOCAL_PREFETCH_FLOATS ahead of them (integer
/// arithmetic: that address may lie past the end of the logits; a prefetch of it is
/// harmless, forming such a pointer is not).
INLINE v16f loadAhead(const float *p) {
  __builtin_prefetch((const void *)((uintptr_t)p + FOCAL_PREFETCH_FLOATS * sizeof(float)));
  return load16(p);
}

/// Moves a pass-1 position (`*row`, `*group`) to the next of `groups` groups a row.
INLINE void nextGroup(ptrdiff_t *row, ptrdiff_t *group, ptrdiff_t groups) {
  if (++*group == groups) {
    *group = 0;
    ++*row;
  }
}

/// Stores focalNegativeFrom's loss of the group `x` (`e` its focalNegativeExp) to `loss`
/// and, when `hasGradient`, its derivative to `derivative`.
INLINE void storeNegativeGroup(
  detkit_focal_parameters k, v16f x, v16f e, float *loss, float *derivative,
  const int hasGradient, const int isa
) {
  v16f d;
  v16f value = focalNegativeFrom(
    x, e, k.alphaNegative, k.gradientScale, hasGradient ? &d : NULL, isa);
  store16(loss, value);
  if (hasGradient) store16(derivative, d);
}

/// Pass 1 of focalRowsWith: the all-negative loss (and derivative) of every full group of
/// `count` counted rows, row i's logits from `rows[i]`, its losses to `losses[i]` and its
/// derivatives to `derivatives[i]` (`groups` groups of 16 each). Software-pipelined: group
/// q + 1's exponential is taken before the rest of group q's arithmetic, so the long chain
/// of each group does not wait alone in the scheduler; the values are those of
/// FocalKernel.negativeLanesGammaTwo.
INLINE void focalNegativeGroups(
  detkit_focal_parameters k, const float *const *rows, float *const *losses,
  float *const *derivatives, ptrdiff_t count, ptrdiff_t groups, const int hasGradient,
  const int isa
) {
  if (count == 0 || groups == 0) return;
  ptrdiff_t row = 0, group = 0;
  v16f x = load16(rows[0]);
  v16f e = focalNegativeExp(x, isa);
  for (;;) {
    ptrdiff_t followingRow = row, followingGroup = group;
    nextGroup(&followingRow, &followingGroup, groups);
    const int last = followingRow == count;
    // On the last group, "next" re-reads the current one (its result is not used).
    v16f nextX = loadAhead(
      last ? rows[row] + 16 * group : rows[followingRow] + 16 * followingGroup);
    v16f nextE = focalNegativeExp(nextX, isa);
    storeNegativeGroup(
      k, x, e, losses[row] + 16 * group, hasGradient ? derivatives[row] + 16 * group : NULL,
      hasGradient, isa);
    if (last) return;
    row = followingRow;
    group = followingGroup;
    x = nextX;
    e = nextE;
  }
}

/// Groups per block of focalNegativeBlocks (2, 3 and 4 measured; 2 was fastest).
#define FOCAL_BLOCK_GROUPS 2

/// focalNegativeGroups (same arguments, same stores, same values) pipelined in blocks of
/// FOCAL_BLOCK_GROUPS groups: the next block's exponentials are taken before the rest of
/// this block's arithmetic, so the long dependency chains of several groups share the
/// scheduler instead of one. For the AVX-512 variant, whose 32 vector registers hold them:
/// in a C harness from L2 (one thread, C = 80), pass 1 alone took 8.6 instead of 9.4 ns a
/// group (9.1 in blocks of 4). AVX2's 16 registers spill them: 13.2 against 12.2 ns for both
/// passes. The last `count * groups % FOCAL_BLOCK_GROUPS` groups go one by one.
INLINE void focalNegativeBlocks(
  detkit_focal_parameters k, const float *const *rows, float *const *losses,
  float *const *derivatives, ptrdiff_t count, ptrdiff_t groups, const int hasGradient,
  const int isa
) {
  enum { block = FOCAL_BLOCK_GROUPS };
  const ptrdiff_t total = count * groups;
  ptrdiff_t done = 0;
  ptrdiff_t row = 0, group = 0;          // the next group to store
  ptrdiff_t loadRow = 0, loadGroup = 0;  // the next group to load
  if (total >= block) {
    v16f x[block], e[block];
    _Pragma("clang loop unroll(full)") for (int i = 0; i < block; i++) {
      x[i] = load16(rows[loadRow] + 16 * loadGroup);
      e[i] = focalNegativeExp(x[i], isa);
      nextGroup(&loadRow, &loadGroup, groups);
    }
    for (;;) {
      const int more = done + 2 * block <= total;
      v16f nextX[block], nextE[block];
      if (more) {
        _Pragma("clang loop unroll(full)") for (int i = 0; i < block; i++) {
          nextX[i] = loadAhead(rows[loadRow] + 16 * loadGroup);
          nextE[i] = focalNegativeExp(nextX[i], isa);
          nextGroup(&loadRow, &loadGroup, groups);
        }
      }
      _Pragma("clang loop unroll(full)") for (int i = 0; i < block; i++) {
        storeNegativeGroup(
          k, x[i], e[i], losses[row] + 16 * group,
          hasGradient ? derivatives[row] + 16 * group : NULL, hasGradient, isa);
        nextGroup(&row, &group, groups);
      }
      done += block;
      if (!more) break;
      _Pragma("clang loop unroll(full)") for (int i = 0; i < block; i++) {
        x[i] = nextX[i];
        e[i] = nextE[i];
      }
    }
  }
  for (; done < total; done++) {
    v16f x = load16(rows[row] + 16 * group);
    storeNegativeGroup(
      k, x, focalNegativeExp(x, isa), losses[row] + 16 * group,
      hasGradient ? derivatives[row] + 16 * group : NULL, hasGradient, isa);
    nextGroup(&row, &group, groups);
  }
}

/// Whether the `count` floats at `p` (NULL: none) share a byte with `[start, end)`.
INLINE int overlaps(const float *p, ptrdiff_t count, uintptr_t start, uintptr_t end) {
  if (!p) return 0;
  const uintptr_t first = (uintptr_t)p;
  return first < end && first + (uintptr_t)count * sizeof(float) > start;
}

/// Rows per batch of focalRowsWith (at most; fewer when `scratch` is smaller).
#define FOCAL_BATCH_ROWS 64

/// FocalLabelPass.sum(rows:) for gamma = 2, with the outputs' presence as compile-time
/// constants (`hasValues`, `hasGradient`): each combination is its own loop without
/// per-group tests.
///
/// Rows go in batches (up to FOCAL_BATCH_ROWS, and as many as `scratch` holds when there
/// are no `values`): pass 1 (focalNegativeGroups; focalNegativeBlocks where `isa` has
/// ISA_MASKED, the
/// AVX-512 variant) takes every full group of the batch's counted rows as all negative, into
/// `values` or, without it, `scratch`; pass 2, row by row, recomputes the group holding the
/// positive column (focalHardLanes), sums the row's groups left to right, adds the row's
/// laneSum to the total and then its tail lanes. The same operations in the same order as
/// one pass row by row, so the same bits; separate passes let pass 1 run as one flat,
/// pipelined loop (a fifth faster at C = 80).
INLINE double focalRowsWith(
  detkit_focal_parameters k, const float *logits, const int32_t *columns, ptrdiff_t rowCount,
  ptrdiff_t c, float *values, float *gradient, float *scratch, ptrdiff_t scratchCount,
  const int hasValues, const int hasGradient, const int isa
) {
  const ptrdiff_t fullEnd = c - c % 16;
  ptrdiff_t batch = FOCAL_BATCH_ROWS;
  if (!hasValues && fullEnd > 0 && scratchCount / fullEnd < batch) {
    // CDetKernels.h requires room for one row; a smaller scratch is the caller's bug.
    batch = scratchCount >= fullEnd ? scratchCount / fullEnd : 1;
  }
  const float *rows[FOCAL_BATCH_ROWS];
  float *losses[FOCAL_BATCH_ROWS];
  float *derivatives[FOCAL_BATCH_ROWS];
  // When an output overlaps the logits (a gradient written in place, as row by row it
  // could be), each counted row's positive group of logits is read before pass 1 writes.
  // Otherwise pass 2 reads it from the logits, which pass 1 has just brought into cache: read
  // ahead of pass 1, most rows of a batch are still in memory (a C harness with a positive
  // row in 50: 11.9 -> 10.9 ns a group; W-FPN, with fewer positives, about 2% faster).
  const uintptr_t logitsStart = (uintptr_t)logits;
  const uintptr_t logitsEnd = logitsStart + (uintptr_t)(rowCount * c) * sizeof(float);
  const int stashPositives = overlaps(values, rowCount * c, logitsStart, logitsEnd) ||
                             overlaps(gradient, rowCount * c, logitsStart, logitsEnd);
  v16f positives[FOCAL_BATCH_ROWS];
  double total = 0;
  for (ptrdiff_t first = 0; first < rowCount; first += batch) {
    const ptrdiff_t end = first + batch < rowCount ? first + batch : rowCount;
    ptrdiff_t counted = 0;
    for (ptrdiff_t row = first; row < end; row++) {
      const int32_t column = columns[row];
      if (column == INT32_MIN) continue;
      rows[counted] = logits + row * c;
      losses[counted] = hasValues ? values + row * c : scratch + counted * fullEnd;
      derivatives[counted] = hasGradient ? gradient + row * c : NULL;
      if (stashPositives && column >= 0 && column < fullEnd) {
        positives[counted] = load16(logits + row * c + (column - column % 16));
      }
      counted++;
    }
    if (isa & ISA_MASKED) {
      focalNegativeBlocks(
        k, rows, losses, derivatives, counted, fullEnd / 16, hasGradient, isa);
    } else {
      focalNegativeGroups(
        k, rows, losses, derivatives, counted, fullEnd / 16, hasGradient, isa);
    }
    ptrdiff_t slot = 0;
    for (ptrdiff_t row = first; row < end; row++) {
      const ptrdiff_t base = row * c;
      const int32_t column = columns[row];
      if (column == INT32_MIN) {
        if (hasValues) memset(values + base, 0, (size_t)c * sizeof(float));
        if (hasGradient) memset(gradient + base, 0, (size_t)c * sizeof(float));
        continue;
      }
      float *rowLosses = losses[slot];
      if (column >= 0 && column < fullEnd) {
        const ptrdiff_t j = column - column % 16;
        v16f t = {0};
        t[column - j] = 1;
        v16f derivative;
        v16f x = stashPositives ? positives[slot] : load16(logits + base + j);
        v16f loss = focalHardLanes(
          x, t, k.alphaPositive, k.alphaNegative, hasGradient ? &derivative : NULL);
        store16(rowLosses + j, loss);
        if (hasGradient) store16(gradient + base + j, derivative * k.gradientScale);
      }
      slot++;
      v16f rowSum = {0};
      for (ptrdiff_t j = 0; j < fullEnd; j += 16) rowSum += load16(rowLosses + j);
      total += (double)laneSum(rowSum);
      if (fullEnd < c) {
        const ptrdiff_t rest = c - fullEnd;
        v16f x = {0};
        v16f t = {0};
        for (ptrdiff_t lane = 0; lane < rest; lane++) x[lane] = logits[base + fullEnd + lane];
        if (column >= fullEnd && column < c) t[column - fullEnd] = 1;
        v16f derivative = {0};
        v16f loss = focalHardLanes(
          x, t, k.alphaPositive, k.alphaNegative, hasGradient ? &derivative : NULL);
        for (ptrdiff_t lane = 0; lane < rest; lane++) {
          total += (double)loss[lane];
          if (hasValues) values[base + fullEnd + lane] = loss[lane];
          if (hasGradient) gradient[base + fullEnd + lane] = derivative[lane] * k.gradientScale;
        }
      }
    }
  }
  return total;
}

/// FocalLabelPass.sum(rows:) for gamma = 2; `values` / `gradient` NULL are not written;
/// `isa`: the variant's ISA_ flags.
INLINE double focalRows(
  detkit_focal_parameters k, const float *logits, const int32_t *columns, ptrdiff_t rowCount,
  ptrdiff_t c, float *values, float *gradient, float *scratch, ptrdiff_t scratchCount,
  const int isa
) {
#define FOCAL_ROWS(v, g, hasValues, hasGradient)                                    \
  focalRowsWith(                                                                    \
    k, logits, columns, rowCount, c, v, g, scratch, scratchCount, hasValues, hasGradient, \
    isa)
  if (values) {
    return gradient ? FOCAL_ROWS(values, gradient, 1, 1) : FOCAL_ROWS(values, NULL, 1, 0);
  }
  return gradient ? FOCAL_ROWS(NULL, gradient, 0, 1) : FOCAL_ROWS(NULL, NULL, 0, 0);
#undef FOCAL_ROWS
}

/// Orders the non-temporal stores before any later store (x86's weakly ordered `movnt`).
INLINE void streamFence(void) {
#if defined(__x86_64__)
  __builtin_ia32_sfence();
#endif
}

/// The scalar IoU of PlainIoUKernel.evaluate (iouFields).
INLINE float iouScalar(
  float ax1, float ay1, float ax2, float ay2, float areaA, float bx1, float by1, float bx2,
  float by2, float areaB
) {
  float right = ax2 < bx2 ? ax2 : bx2, left = ax1 > bx1 ? ax1 : bx1;
  float bottom = ay2 < by2 ? ay2 : by2, top = ay1 > by1 ? ay1 : by1;
  float w = right - left > 0 ? right - left : 0;
  float h = bottom - top > 0 ? bottom - top : 0;
  float inter = w * h;
  float uni = (areaA + areaB) - inter;
  float iou = inter / uni;
  return uni == 0 ? 0 : iou;
}

/// iouLanes of IoUKernels.swift, 16 columns per step, then the scalar kernel. When
/// `streaming`, the scalar kernel first runs up to a 64-byte boundary of `out`, and the
/// lanes are written with non-temporal stores: a matrix far larger than the caches then
/// costs one write per line instead of a read for ownership and a write. The values are
/// the same. The caller fences the non-temporal stores (streamFence) when it is done. When
/// `zeroed` (`out` already holds +0), a group with no overlap and a positive union in every
/// lane (+0 throughout, the usual case) is not stored.
INLINE void iouRow(
  float x1, float y1, float x2, float y2, float area, const float *cx1, const float *cy1,
  const float *cx2, const float *cy2, const float *cArea, ptrdiff_t count, float *out,
  int streaming, int zeroed
) {
  const v16f ax1 = splat(x1), ay1 = splat(y1), ax2 = splat(x2), ay2 = splat(y2);
  const v16f areaA = splat(area);
  const v16f zero = {0};
  ptrdiff_t j = 0;
  if (streaming) {
    for (; j < count && ((uintptr_t)(out + j) & 63) != 0; j++) {
      out[j] = iouScalar(x1, y1, x2, y2, area, cx1[j], cy1[j], cx2[j], cy2[j], cArea[j]);
    }
  }
  for (; j + 16 <= count; j += 16) {
    v16f w = larger16(smaller16(ax2, load16(cx2 + j)) - larger16(ax1, load16(cx1 + j)), zero);
    v16f h = larger16(smaller16(ay2, load16(cy2 + j)) - larger16(ay1, load16(cy1 + j)), zero);
    v16f inter = w * h;
    v16f uni = (areaA + load16(cArea + j)) - inter;
    v16i skip = (inter == 0) & (uni > 0);
    v16f iou;
    // Most pairs do not overlap: 0 / union is +0 there, so the division is skipped when
    // that holds in every lane.
    int all = 1;
    for (int lane = 0; lane < 16; lane++) all &= skip[lane] != 0;
    if (all) {
      // +0 in every lane (0 / a positive union): already there when `zeroed`.
      if (zeroed) continue;
      iou = zero;
    } else {
      iou = select16(uni == 0, zero, inter / uni);
    }
    if (streaming) {
      __builtin_nontemporal_store(iou, (v16f *)(out + j));
    } else {
      store16(out + j, iou);
    }
  }
  for (; j < count; j++) {
    out[j] = iouScalar(x1, y1, x2, y2, area, cx1[j], cy1[j], cx2[j], cy2[j], cArea[j]);
  }
}

/// Writes +0 to `count` floats at `out` as iouRow stores them: with `streaming`, ordinary
/// stores up to a 64-byte boundary, non-temporal ones for the whole lines, ordinary ones
/// for the rest.
INLINE void zeroRow(float *out, ptrdiff_t count, int streaming) {
  ptrdiff_t j = 0;
  if (streaming) {
    for (; j < count && ((uintptr_t)(out + j) & 63) != 0; j++) out[j] = 0;
    for (; j + 16 <= count; j += 16) __builtin_nontemporal_store((v16f){0}, (v16f *)(out + j));
  }
  for (; j < count; j++) out[j] = 0;
}

/// Columns of `b` transposed per tile: 1,024 boxes x 5 fields (20 KiB) stay in L1 while
/// every row of the block reads them.
#define IOU_TILE 1024

/// The extent of a tile's boxes, for skipping the rows it cannot overlap.
typedef struct {
  float minX1, minY1, maxX2, maxY2;
  /// Every box's area `(x2 - x1) * (y2 - y1)` is > 0 (so no coordinate is NaN).
  int regular;
} TileExtent;

/// `tile` grown to take in the extent `(x1, y1, x2, y2)` (of one box, or of one lane's
/// boxes), and made irregular unless `regular`.
INLINE void extendTile(
  TileExtent *tile, float x1, float y1, float x2, float y2, int regular
) {
  tile->minX1 = x1 < tile->minX1 ? x1 : tile->minX1;
  tile->minY1 = y1 < tile->minY1 ? y1 : tile->minY1;
  tile->maxX2 = x2 > tile->maxX2 ? x2 : tile->maxX2;
  tile->maxY2 = y2 > tile->maxY2 ? y2 : tile->maxY2;
  tile->regular &= regular;
}

/// The extent of the `count` (>= 1) boxes in a tile's columns, 16 at a time (a reduction
/// carried box by box is one long dependent chain). Only meaningful when `regular`: with
/// no NaN, the order of the comparisons does not matter.
INLINE TileExtent tileExtent(
  const float *sx1, const float *sy1, const float *sx2, const float *sy2, const float *sArea,
  ptrdiff_t count
) {
  TileExtent tile = {sx1[0], sy1[0], sx2[0], sy2[0], 1};
  ptrdiff_t k = 0;
  if (count >= 16) {
    v16f minX1 = load16(sx1), minY1 = load16(sy1), maxX2 = load16(sx2), maxY2 = load16(sy2);
    v16i regular = load16(sArea) > 0;
    for (k = 16; k + 16 <= count; k += 16) {
      minX1 = smaller16(load16(sx1 + k), minX1);
      minY1 = smaller16(load16(sy1 + k), minY1);
      maxX2 = larger16(load16(sx2 + k), maxX2);
      maxY2 = larger16(load16(sy2 + k), maxY2);
      regular &= load16(sArea + k) > 0;
    }
    for (int lane = 0; lane < 16; lane++) {
      extendTile(&tile, minX1[lane], minY1[lane], maxX2[lane], maxY2[lane], regular[lane] != 0);
    }
  }
  for (; k < count; k++) extendTile(&tile, sx1[k], sy1[k], sx2[k], sy2[k], sArea[k] > 0);
  return tile;
}

/// Whether every IoU of the box `(x1, y1, x2, y2)` of area `area` with the tile's boxes is
/// +0, known without computing them: the box's area is finite and > 0, the tile is regular,
/// and the box lies wholly on one side of the tile's extent (touching counts). Then, for
/// each of the tile's boxes b, the clipped width (or height) `max(min(x2, b.x2) - max(x1,
/// b.x1), 0)` is +0, since `min(x2, b.x2) <= x2 <= minX1 <= b.x1 <= max(x1, b.x1)` (the
/// other sides alike), whatever the order of either box's corners; the other side is at
/// most this box's finite width (or height), so the intersection is +0 x finite = +0, the
/// union `(area + b's area) - 0` is > 0, and iouRow and iouScalar give +0: the same bits as
/// computing them. A NaN anywhere, a box of zero or negative area, or a row whose sides
/// overflow (0 x inf is NaN) is computed as usual.
INLINE int tileMissesBox(
  const TileExtent *tile, float x1, float y1, float x2, float y2, float area
) {
  return tile->regular && area > 0 && area <= __FLT_MAX__ &&
         (x2 <= tile->minX1 || x1 >= tile->maxX2 || y2 <= tile->minY1 || y1 >= tile->maxY2);
}

/// Rows `[row0, row1)` x columns `[column0, column1)` of the IoU matrix of `a` (xyxy) and
/// `b` (xyxy, `m` boxes), row stride `m`: each tile of `b` is transposed into
/// structure-of-arrays columns on the stack (x1, y1, x2, y2, area `(x2 - x1) * (y2 - y1)`,
/// the fields of Swift's BoxColumns) and its extent taken, then each row runs iouRow over
/// it, or, when tileMissesBox (most rows against most tiles of anchors: a box meets the
/// anchors of a band of the image; about three in four of the rows' tiles on W-FPN),
/// stores +0 (zeroRow) or, when `zeroed`, nothing.
///
/// Each row's part of a tile is shifted left to start on a 64-byte boundary of that row's
/// output (up to 15 columns, read from the previous tile's end, which the scratch also
/// holds), so consecutive tiles of a row meet on a line boundary: with `streaming`, every
/// line but the first and last of the row range is written whole by one non-temporal
/// store, and no line is written part by ordinary stores and part by non-temporal ones
/// (which would send it to memory twice). `zeroed` as in iouRow.
INLINE void iouBlock(
  const float *a, ptrdiff_t row0, ptrdiff_t row1, const float *b, ptrdiff_t column0,
  ptrdiff_t column1, ptrdiff_t m, float *out, int streaming, int zeroed
) {
  enum { span = IOU_TILE + 16 };
  float sx1[span], sy1[span], sx2[span], sy2[span], sArea[span];
  for (ptrdiff_t t = column0; t < column1; t += IOU_TILE) {
    ptrdiff_t end = t + IOU_TILE < column1 ? t + IOU_TILE : column1;
    ptrdiff_t base = t - 15 > column0 ? t - 15 : column0;
    for (ptrdiff_t k = 0; k < end - base; k++) {
      const float *box = b + 4 * (base + k);
      float x1 = box[0], y1 = box[1], x2 = box[2], y2 = box[3];
      sx1[k] = x1;
      sy1[k] = y1;
      sx2[k] = x2;
      sy2[k] = y2;
      sArea[k] = (x2 - x1) * (y2 - y1);
    }
    const TileExtent tile = tileExtent(sx1, sy1, sx2, sy2, sArea, end - base);
    for (ptrdiff_t i = row0; i < row1; i++) {
      float *row = out + i * m;
      // Columns of the line boundary at or before t, and at or before end.
      ptrdiff_t lo = t == column0 ? t : t - (ptrdiff_t)(((uintptr_t)(row + t) & 63) / 4);
      ptrdiff_t hi = end == column1 ? end : end - (ptrdiff_t)(((uintptr_t)(row + end) & 63) / 4);
      const float *box = a + 4 * i;
      float x1 = box[0], y1 = box[1], x2 = box[2], y2 = box[3];
      float area = (x2 - x1) * (y2 - y1);
      if (tileMissesBox(&tile, x1, y1, x2, y2, area)) {
        if (!zeroed) zeroRow(row + lo, hi - lo, streaming);
        continue;
      }
      ptrdiff_t k = lo - base;
      iouRow(
        x1, y1, x2, y2, area, sx1 + k, sy1 + k, sx2 + k, sy2 + k, sArea + k, hi - lo, row + lo,
        streaming, zeroed);
    }
  }
  if (streaming) streamFence();
}

#define FOCAL_ARGS                                                                       \
  detkit_focal_parameters k, const float *logits, const int32_t *columns, ptrdiff_t rows, \
    ptrdiff_t c, float *values, float *gradient, float *scratch, ptrdiff_t scratchCount
#define FMA_ARGS \
  const float *a, const float *b, const float *c, float *out, ptrdiff_t count
#define IOU_BLOCK_ARGS                                                                \
  const float *a, ptrdiff_t row0, ptrdiff_t row1, const float *b, ptrdiff_t column0, \
    ptrdiff_t column1, ptrdiff_t m, float *out, int streaming, int zeroed

// The entry points of each variant; `isa` holds its ISA_ flags.
#define DEFINE_VARIANT(name, attributes, isa)                                     \
  attributes static double focalRows_##name(FOCAL_ARGS) {                         \
    return focalRows(                                                             \
      k, logits, columns, rows, c, values, gradient, scratch, scratchCount, isa); \
  }                                                                               \
  attributes static void fusedMultiplyAdd_##name(FMA_ARGS) {                      \
    fusedMultiplyAdd(a, b, c, out, count, isa);                                   \
  }                                                                               \
  attributes static void iouBlock_##name(IOU_BLOCK_ARGS) {                        \
    iouBlock(a, row0, row1, b, column0, column1, m, out, streaming, zeroed);      \
  }

// NEON always has a fused multiply-add; baseline x86-64 has one only in a native build.
#if defined(__aarch64__) || defined(__FMA__)
#define BASELINE_ISA ISA_FMA
#else
#define BASELINE_ISA 0
#endif

DEFINE_VARIANT(baseline, , BASELINE_ISA)
#if defined(__x86_64__)
#define DETKIT_X86_VARIANTS 1
DEFINE_VARIANT(avx2, __attribute__((target("avx2,fma"))), ISA_FMA)
DEFINE_VARIANT(avx512, __attribute__((target("avx512f,fma"))), ISA_FMA | ISA_MASKED)
#endif

uint32_t detkit_kernels_supported_variants(void) {
  uint32_t variants = 1u << DETKIT_VARIANT_BASELINE;
#ifdef DETKIT_X86_VARIANTS
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    variants |= 1u << DETKIT_VARIANT_AVX2;
  }
  if (__builtin_cpu_supports("avx512f")) variants |= 1u << DETKIT_VARIANT_AVX512;
#endif
  return variants;
}

const char *detkit_kernels_build_target(void) {
#if defined(__x86_64__)
#if defined(__AVX512F__)
  return "x86-64 (AVX-512F)";
#elif defined(__AVX2__)
  return "x86-64 (AVX2)";
#else
  return "x86-64 (SSE2)";
#endif
#elif defined(__aarch64__)
  return "arm64 (NEON)";
#else
  return "generic";
#endif
}

double detkit_focal_label_rows(
  uint32_t variant, detkit_focal_parameters k, const float *logits, const int32_t *columns,
  ptrdiff_t rows, ptrdiff_t c, float *values, float *gradient, float *scratch,
  ptrdiff_t scratchCount
) {
  switch (variant) {
#ifdef DETKIT_X86_VARIANTS
  case DETKIT_VARIANT_AVX2:
    return focalRows_avx2(k, logits, columns, rows, c, values, gradient, scratch, scratchCount);
  case DETKIT_VARIANT_AVX512:
    return focalRows_avx512(k, logits, columns, rows, c, values, gradient, scratch, scratchCount);
#endif
  default:
    return focalRows_baseline(k, logits, columns, rows, c, values, gradient, scratch, scratchCount);
  }
}

void detkit_fused_multiply_add(
  uint32_t variant, const float *a, const float *b, const float *c, float *out,
  ptrdiff_t count
) {
  switch (variant) {
#ifdef DETKIT_X86_VARIANTS
  case DETKIT_VARIANT_AVX2: fusedMultiplyAdd_avx2(a, b, c, out, count); return;
  case DETKIT_VARIANT_AVX512: fusedMultiplyAdd_avx512(a, b, c, out, count); return;
#endif
  default: fusedMultiplyAdd_baseline(a, b, c, out, count);
  }
}

void detkit_iou_block(
  uint32_t variant, const float *a, ptrdiff_t row0, ptrdiff_t row1, const float *b,
  ptrdiff_t column0, ptrdiff_t column1, ptrdiff_t m, float *out, int streaming, int zeroed
) {
  switch (variant) {
#ifdef DETKIT_X86_VARIANTS
  case DETKIT_VARIANT_AVX2:
    iouBlock_avx2(a, row0, row1, b, column0, column1, m, out, streaming, zeroed);
    return;
  case DETKIT_VARIANT_AVX512:
    iouBlock_avx512(a, row0, row1, b, column0, column1, m, out, streaming, zeroed);
    return;
#endif
  default: iouBlock_baseline(a, row0, row1, b, column0, column1, m, out, streaming, zeroed);
  }
}
