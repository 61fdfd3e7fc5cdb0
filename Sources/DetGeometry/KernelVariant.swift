import CDetKernels

/// An instruction-set variant of detkit's innermost loops (the gamma = 2 focal loss
/// against class labels, the plain IoU matrix), chosen once per process from what the CPU
/// supports.
///
/// The C variants are one source (the `CDetKernels` target) compiled for each instruction
/// set and selected at run time, so one binary runs on any x86-64 CPU and uses AVX2 or
/// AVX-512 where present; on arm64 only ``baseline`` (NEON) exists. Every variant performs
/// the same IEEE operations in the same order as the portable Swift kernels
/// (``swiftSIMD``), so all of them return the same bits; the tests compare each with
/// ``swiftSIMD`` and run the accuracy sweeps on each. Those operations include fused
/// multiply-adds (the gamma = 2 focal loss's negative lanes): ``avx2`` needs FMA besides
/// AVX2 (every such CPU has it; a virtual CPU that hides FMA gets ``baseline``), and on
/// x86-64 ``baseline`` emulates them exactly, its focal kernel about 10 times slower
/// than unfused. x86-64 CPUs without AVX2 or without FMA run ``baseline``: Sandy and Ivy
/// Bridge, AMD Piledriver, Atom-class Celeron and Pentium parts without AVX, and emulators'
/// default CPU models.
public enum KernelVariant: String, CaseIterable, Sendable {
  /// The Swift `SIMD16` kernels, the reference the C variants reproduce.
  case swiftSIMD = "swift-simd"
  /// The C kernels compiled for the build's target (SSE2 on x86-64, NEON on arm64).
  case baseline
  /// The C kernels with 256-bit AVX2 vectors and FMA.
  case avx2
  /// The C kernels with 512-bit AVX-512F vectors.
  case avx512

  /// The variants this machine can run, ``swiftSIMD`` first, then by increasing width.
  public static let supported: [KernelVariant] = {
    let bits = detkit_kernels_supported_variants()
    return [.swiftSIMD]
      + [KernelVariant.baseline, .avx2, .avx512].filter { variant in
        bits & (1 << variant.cCode) != 0
      }
  }()

  /// The variant the kernels dispatch to: the widest supported one.
  public static let active: KernelVariant = supported.last!

  /// The instruction set the C kernels' baseline was compiled for, e.g. `x86-64 (SSE2)`.
  public static var buildTarget: String { String(cString: detkit_kernels_build_target()) }

  /// The C target's variant number (`DETKIT_VARIANT_*`); ``swiftSIMD`` has none.
  package var cCode: UInt32 {
    switch self {
    case .swiftSIMD, .baseline: UInt32(DETKIT_VARIANT_BASELINE)
    case .avx2: UInt32(DETKIT_VARIANT_AVX2)
    case .avx512: UInt32(DETKIT_VARIANT_AVX512)
    }
  }
}
