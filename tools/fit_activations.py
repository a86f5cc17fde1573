#!/usr/bin/env python3
"""Derives the coefficients of vecrnn's float32 tanh (small |x|) and exp approximations (kernel/Activations).

Method: linearised rational/polynomial least squares with Lawson's iterative reweighting, which
converges towards the minimax (equi-oscillating) fit of the RELATIVE error, in float64.
Needs numpy (not part of the build; run by hand when the approximations change):
    python3 tools/fit_activations.py
The coefficients are printed as Java float literals; the Java tests, not this script, are the
proof of the accuracy contract (they evaluate the float32 code against a float64 reference).
"""
import numpy as np

def lawson(basis_cols, target, rel_weight, iters=400):
    """Minimise max |A c - target| * rel_weight by iteratively reweighted least squares."""
    w = np.ones_like(target) / len(target)
    A = basis_cols * rel_weight[:, None]
    t = target * rel_weight
    for _ in range(iters):
        sw = np.sqrt(w)
        c, *_ = np.linalg.lstsq(A * sw[:, None], t * sw, rcond=None)
        err = np.abs(A @ c - t)
        w = w * err
        w /= w.sum()
    return c, np.max(np.abs(A @ c - t))

def fit_exp(deg):
    # e^r ~ 1 + r + r^2 * R(r) on [0, ln 2], relative error; the first two terms are exact. r >= 0
    # (n = floor(z / ln 2)) makes Horner's rule with positive coefficients monotone in r. The float
    # n can be off by one where z / ln 2 is near an integer, so the fit reaches 2^-14 past both ends.
    lo, hi = -2.0 ** -14, np.log(2) + 2.0 ** -14
    r = lo + (hi - lo) / 2 * (1 - np.cos(np.linspace(0, np.pi, 4000)))
    cols = np.stack([r ** j for j in range(deg - 1)], axis=1) * (r * r)[:, None]
    c, _ = lawson(cols, np.exp(r) - 1 - r, 1.0 / np.exp(r))
    approx = 1 + r + (cols @ c)
    return c, np.max(np.abs(approx / np.exp(r) - 1))

def fit_tanh_small(limit, deg):
    # tanh(x) ~ x + x^3 R(x^2) on [0, limit], relative error.
    x = limit * (0.5 - 0.5 * np.cos(np.linspace(0, np.pi, 4000)))
    x[0] = 1e-4
    cols = np.stack([x ** 3 * (x * x) ** j for j in range(deg + 1)], axis=1)
    c, _ = lawson(cols, np.tanh(x) - x, 1.0 / np.tanh(x))
    return c, np.max(np.abs((x + cols @ c) / np.tanh(x) - 1))

if __name__ == "__main__":
    c, e = fit_tanh_small(0.55, 4)
    print(f"tanh on [0, 0.55]: max rel err {e:.3e}: x + x^3 *", [float(np.float32(v)) for v in c])
    for deg in (5, 6):
        c, e = fit_exp(deg)
        print(f"exp deg {deg}: max rel err {e:.3e}: 1 + r + r^2 *", [float(np.float32(v)) for v in c])
