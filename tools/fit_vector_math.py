#!/usr/bin/env python3
"""Fits the polynomials of Sources/DetLoss/VectorMath.swift and prints their float32
coefficients and maximum relative approximation error (before float rounding).

  exp:   e^r = 1 + r + r^2 P(r),           |r| <= ln(2)/2,  P cubic
  log1p: log1p(u) = 2s + s z Q(z),         s = u/(2+u) in [0, 1/3], z = s^2, Q cubic

Each is a weighted least-squares fit on Chebyshev points, reweighted (Lawson's
algorithm) towards the minimax of the relative error of the whole function. Needs numpy.

  python3 tools/fit_vector_math.py
"""
import numpy as np


def lawson(basis, target, scale, exact, iterations=80):
    """Coefficients c minimising max |scale * (basis @ c - target)| / |exact|."""
    weights = np.ones_like(target)
    for _ in range(iterations):
        w = weights * np.abs(scale / exact)
        c, *_ = np.linalg.lstsq(basis * w[:, None], target * w, rcond=None)
        relative = np.abs(scale * (basis @ c - target)) / np.abs(exact)
        weights = weights * np.sqrt(relative / relative.max()) + 1e-12
        weights /= weights.max()
    return c, relative.max()


def chebyshev(low, high, count=20001):
    return (low + high) / 2 + (high - low) / 2 * np.cos(np.linspace(0, np.pi, count))


def main():
    r = chebyshev(-np.log(2) / 2 * 1.0005, np.log(2) / 2 * 1.0005)
    r = r[r != 0]
    basis = np.stack([r**k for k in range(4)], axis=1)
    c, error = lawson(basis, (np.exp(r) - 1 - r) / r**2, r**2, np.exp(r))
    print("exp   P(r), highest first:", [f"{np.float32(x):.8e}" for x in c[::-1]], f"max rel {error:.3g}")

    s = chebyshev(0, 1 / 3)
    s = s[s > 1e-6]
    z = s * s
    exact = 2 * np.arctanh(s)
    basis = np.stack([z**k for k in range(4)], axis=1)
    c, error = lawson(basis, (exact - 2 * s) / (s * z), s * z, exact)
    print("log1p Q(z), highest first:", [f"{np.float32(x):.8e}" for x in c[::-1]], f"max rel {error:.3g}")


if __name__ == "__main__":
    main()
