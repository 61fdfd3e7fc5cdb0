/// The per-lane focal loss and its derivative, shared by the soft-target and label paths.
///
/// With `p = sigma(x)`, `q = 1 - p = sigma(-x)` (both computed without cancellation from
/// `e = exp(-|x|)`), `ce = max(x, 0) - x t + log1p(e)`, `m = 1 - p_t = p (1 - t) + q t`
/// and `alpha_t = alpha t + (1 - alpha)(1 - t)`:
///
///     FL = alpha_t m^gamma ce
///     dFL/dx = alpha_t (gamma m^gamma (p q / m) (1 - 2t) ce + m^gamma (p - t))
///
/// since `dm/dx = p q (1 - 2t)` and `dce/dx = p - t`. Writing `m^(gamma-1) p q` as
/// `m^gamma (p q / m)` keeps `gamma < 1` finite: `p q / m <= max(p, q) <= 1`, and for
/// hard targets it is exactly `p` (t = 1) or `q` (t = 0). For t = 1 this is
/// `alpha (1-p)^gamma (gamma p ln p + p - 1)` and for t = 0
/// `(1-alpha) p^gamma (p - gamma (1-p) ln(1-p))`, REFERENCE.md §4's formulas.
/// `gamma = 0` gives `m^0 = 1` even at `m = 0` (as torch's `pow(0, 0)`).
///
/// Huge and infinite logits: `e` is exactly 0 once `|x| >= 87.68`, so `q ce` (t = 0) and
/// `p ce` (t = 1) are 0 however large `ce` is, and every finite logit up to
/// `Float.greatestFiniteMagnitude` gets the correctly rounded limit values (gradient
/// `1 - alpha` for a huge negative-class logit, whatever `C` and the column). At `x = +-inf`
/// the formulas run in IEEE arithmetic, which gives what torch's autograd gives: the loss
/// is +inf or NaN (with hard targets and gamma 0, 1 or 2 exactly torch's: +inf for
/// `(+inf, t = 0)`, NaN otherwise; NaN on the soft-target path), and the gradient is NaN
/// for `gamma > 0` (the product rule's `0 * inf`) and the finite limit `alpha_t (p - t)`
/// for `gamma = 0` (binary cross-entropy). Making `ce` NaN at `-inf` (`x * ones` instead
/// of a select) costs 0.8% more instructions in the forward-only label pass (callgrind).
struct FocalKernel {
  enum Power { case zero, one, two, general }

  let alphaPositive: Float
  let alphaNegative: Float
  let gamma: Float
  let power: Power

  init(alpha: Float, gamma: Float) {
    if alpha < 0 {
      (alphaPositive, alphaNegative) = (1, 1)
    } else {
      (alphaPositive, alphaNegative) = (alpha, 1 - alpha)
    }
    self.gamma = gamma
    switch gamma {
    case 0: power = .zero
    case 1: power = .one
    case 2: power = .two
    default: power = .general
    }
  }

  /// Loss and derivative for 16 logits `x` and targets `t`. `hard` promises every `t`
  /// is exactly 0 or 1, which lets the kernel select instead of divide; without
  /// `derivative` the derivative lanes are 0 and cost nothing.
  @inline(__always)
  func lanes(
    _ x: FloatLanes, _ t: FloatLanes, hard: Bool, derivative wantsDerivative: Bool = true
  ) -> (loss: FloatLanes, derivative: FloatLanes) {
    let ax = unsafeBitCast(unsafeBitCast(x, to: LaneBits.self) & 0x7FFF_FFFF, to: FloatLanes.self)
    let e = VectorMath.exp(-ax)
    let inverse = 1 / (1 + e)
    let eInverse = e * inverse
    let nonNegative = x .>= 0
    let p = eInverse.replacing(with: inverse, where: nonNegative)
    let q = inverse.replacing(with: eInverse, where: nonNegative)
    let log1pE = VectorMath.log1p(e, fused: false)
    let positive = t .> 0.5
    // max(x, 0) as x * (x >= 0 ? 1 : 0): the same for finite x, NaN at -inf (0 * -inf).
    // With `x t` as a select for hard targets, `ce` at an infinite logit is torch's
    // `(1 - t) x - log_sigmoid(x)`: +inf for (+inf, t = 0), NaN otherwise.
    let relu =
      x
      * unsafeBitCast(
        unsafeBitCast(nonNegative, to: LaneBits.self) & (1 as Float).bitPattern, to: FloatLanes.self
      )
    let xt = hard ? VectorMath.select(positive, x, FloatLanes()) : x * t
    let ce = relu - xt + log1pE

    let m: FloatLanes
    let ratio: FloatLanes  // p q / m
    let pMinusT: FloatLanes  // dce/dx; for hard targets -q or p, without cancellation
    let alphaT: FloatLanes
    if hard {
      m = p.replacing(with: q, where: positive)
      ratio = q.replacing(with: p, where: positive)
      alphaT = FloatLanes(repeating: alphaNegative).replacing(with: alphaPositive, where: positive)
      pMinusT = p.replacing(with: -q, where: positive)
    } else {
      m = p * (1 - t) + q * t
      ratio =
        p * q
        / m.replacing(with: Float.leastNormalMagnitude, where: m .< Float.leastNormalMagnitude)
      alphaT = alphaNegative + (alphaPositive - alphaNegative) * t
      pMinusT = p * (1 - t) - q * t  // = p - t, exact for t in {0, 1}
    }

    let mPower: FloatLanes
    switch power {
    case .zero: mPower = FloatLanes(repeating: 1)
    case .one: mPower = m
    case .two: mPower = m * m
    case .general:
      if hard {
        // ln q = -(max(x,0) + log1p(e)), ln p = -(max(-x,0) + log1p(e)); always finite.
        let logM = -(relu + log1pE) + x.replacing(with: 0, where: positive)
        mPower = VectorMath.exp(gamma * logM)
      } else {
        let tiny = m .< Float.leastNormalMagnitude
        let logM = VectorMath.log(m.replacing(with: 1, where: tiny))
        mPower = VectorMath.exp(gamma * logM).replacing(with: 0, where: tiny)
      }
    }

    let loss = alphaT * mPower * ce
    let derivative: FloatLanes
    if !wantsDerivative {
      derivative = FloatLanes()
    } else if power == .zero {
      derivative = alphaT * pMinusT
    } else {
      derivative = alphaT * mPower * (gamma * ratio * (1 - 2 * t) * ce + pMinusT)
    }
    return (loss, derivative)
  }

  /// `lanes(x, 0, hard: true)` for `gamma = 2`, the common case of RetinaNet's loss,
  /// where every lane is a negative (the bulk of a `[N, C]` label matrix): with
  /// `p = sigma(x)`, `q = 1 - p` and `ce = max(x, 0) + log1p(e^-|x|)`,
  ///
  ///     FL = (1 - alpha) p^2 ce,   dFL/dx = (1 - alpha) p^2 (2 q ce + p)
  ///
  /// from one `exp`, one `log1p` and one reciprocal, their multiply-adds fused (one
  /// rounding each: fewer and shorter steps for the C kernels that reproduce this, and no
  /// less accurate). So the lanes are not `lanes`' bits: `exp` and `log1p` round
  /// differently inside, and the loss multiplies `p` twice and `ce` once, so those
  /// differences add up. Over every finite float (alpha 0.25, derivative scale 1/3) the
  /// loss and derivative lanes are within 10 ulp of the unfused kernel's (which gave
  /// `lanes`' loss bits), 98.2% of them equal, the worst near x = -0.4 and -0.56; the same
  /// +inf and NaN at `+-inf`. The derivative is returned already multiplied by
  /// `derivativeScale` (folded into the alpha weight), or is 0 when `derivativeScale` is
  /// nil.
  ///
  /// In a build for baseline x86-64 (the default) each fused step is a C library call per
  /// lane (`fmaf`): the C variants (`FocalLabelPass`) are the production path; this is their
  /// reference.
  ///
  /// - Precondition: `power == .two` (the caller's check).
  @inline(__always)
  func negativeLanesGammaTwo(
    _ x: FloatLanes, derivativeScale: Float?
  ) -> (loss: FloatLanes, derivative: FloatLanes) {
    let ax = unsafeBitCast(unsafeBitCast(x, to: LaneBits.self) & 0x7FFF_FFFF, to: FloatLanes.self)
    let e = VectorMath.expNegated(ax)
    let inverse = 1 / (1 + e)
    let nonNegative = x .>= 0
    // p = inverse * (x >= 0 ? 1 : e), the factor as max(e, 1 or 0) since e <= 1: two
    // instructions instead of a product and a three-instruction select. NaN x stays NaN
    // through `inverse`.
    let ones = unsafeBitCast(
      unsafeBitCast(nonNegative, to: LaneBits.self) & (1 as Float).bitPattern, to: FloatLanes.self)
    let p = inverse * VectorMath.larger(e, ones)
    // max(x, 0) as x * ones, as in `lanes`: NaN at -inf, so that the loss and gradient
    // there are NaN as torch's (a select would give 0 and 0).
    let ce = x * ones + VectorMath.log1p(e, fused: true)
    let p2 = p * p
    let loss = alphaNegative * p2 * ce
    guard let derivativeScale else { return (loss, FloatLanes()) }
    let eInverse = e * inverse
    let q = VectorMath.select(nonNegative, eInverse, inverse)
    let derivative = (alphaNegative * derivativeScale) * p2 * p.addingProduct(2 * q, ce)
    return (loss, derivative)
  }
}
