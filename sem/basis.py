"""Gauss-Lobatto-Legendre (GLL) points and weights, Lagrange interpolation and differentiation.

All functions work on the reference interval [-1, 1] in float64. For polynomial order N there
are n = N + 1 GLL points: the end points and the roots of P'_N (the derivative of the Legendre
polynomial of degree N). Weights are w_i = 2 / (N (N + 1) P_N(x_i)^2).

`reference_gradient` and `reference_divergence` apply the derivative matrix along the three
reference directions of element fields (numpy or cupy arrays, in their own dtype).

Reference: Canuto, Hussaini, Quarteroni & Zang (2006), Spectral Methods, section 2.3.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.polynomial import legendre

MAX_ORDER = 10


@lru_cache(maxsize=None)
def _gll(order: int) -> tuple[np.ndarray, np.ndarray]:
    if not (isinstance(order, (int, np.integer)) and 1 <= order <= MAX_ORDER):
        raise ValueError(f"polynomial order must be an integer in 1..{MAX_ORDER}, got {order!r}")
    n = order
    coeffs = np.zeros(n + 1)
    coeffs[n] = 1.0                                  # P_N in the Legendre basis
    interior = legendre.legroots(legendre.legder(coeffs)) if n > 1 else np.array([])
    x = np.concatenate([[-1.0], np.sort(interior.real), [1.0]])
    # polish interior roots with Newton on P'_N (legroots is accurate to ~1e-15 already)
    dp, ddp = legendre.legder(coeffs), legendre.legder(coeffs, 2)
    for _ in range(3):
        if n > 1:
            x[1:-1] -= legendre.legval(x[1:-1], dp) / legendre.legval(x[1:-1], ddp)
    pn = legendre.legval(x, coeffs)
    w = 2.0 / (n * (n + 1) * pn**2)
    x.setflags(write=False)
    w.setflags(write=False)
    return x, w


def gll_points(order: int) -> np.ndarray:
    """GLL points on [-1, 1], ascending, shape (order + 1,)."""
    return _gll(order)[0]


def gll_weights(order: int) -> np.ndarray:
    """GLL quadrature weights, shape (order + 1,); they sum to 2."""
    return _gll(order)[1]


def lagrange(nodes: np.ndarray, x) -> np.ndarray:
    """Lagrange basis polynomials of `nodes` evaluated at `x`.

    Returns shape x.shape + (len(nodes),): l_j(x) for each node j.
    """
    nodes = np.asarray(nodes, dtype=float)
    x = np.asarray(x, dtype=float)[..., None]
    diff = x - nodes                                          # (..., n)
    n = len(nodes)
    out = np.ones(x.shape[:-1] + (n,))
    for j in range(n):                                        # n <= 11: a tiny loop over basis functions
        others = np.delete(np.arange(n), j)
        out[..., j] = np.prod(diff[..., others], axis=-1) / np.prod(nodes[j] - nodes[others])
    return out


def lagrange_derivative(nodes: np.ndarray, x) -> np.ndarray:
    """Derivatives l'_j(x) of the Lagrange basis of `nodes`, shape x.shape + (len(nodes),)."""
    nodes = np.asarray(nodes, dtype=float)
    x = np.asarray(x, dtype=float)[..., None]
    n = len(nodes)
    out = np.zeros(x.shape[:-1] + (n,))
    for j in range(n):
        others = np.delete(np.arange(n), j)
        denom = np.prod(nodes[j] - nodes[others])
        for m in others:                                      # product rule, leaving out factor m
            rest = others[others != m]
            out[..., j] += np.prod(x - nodes[rest], axis=-1) / denom
    return out


@lru_cache(maxsize=None)
def derivative_matrix(order: int) -> np.ndarray:
    """GLL differentiation matrix D, shape (n, n): D[i, j] = l'_j(x_i).

    (D @ f)[i] is the derivative at x_i of the interpolant of the values f at the GLL points.
    Rows sum to zero exactly (the derivative of a constant), which is enforced after evaluation.
    """
    x = gll_points(order)
    d = lagrange_derivative(x, x)
    d[np.arange(len(x)), np.arange(len(x))] -= d.sum(axis=1)  # diagonal = - sum of off-diagonals
    d.setflags(write=False)
    return d


# --------------------------------------------------------------------------------------------------
# tensor-product differentiation of element fields (numpy or cupy, taken from the input)
# --------------------------------------------------------------------------------------------------
def array_module(a):
    """numpy or cupy, whichever owns array `a`."""
    if type(a).__module__.startswith("cupy"):
        import cupy
        return cupy
    return np


def reference_gradient(ue, d):
    """d(u_c)/d(xi_r) for element fields ue (nb, n, n, n, ncomp) -> (nb, n, n, n, ncomp, 3).

    d is the GLL derivative matrix (n, n) (`derivative_matrix`), on the same device as ue; the last
    axis r runs over the reference coordinates xi, eta, zeta.
    """
    xp = array_module(ue)
    dxi = xp.einsum("il,bljkc->bijkc", d, ue)
    deta = xp.einsum("jl,bilkc->bijkc", d, ue)
    dzeta = xp.einsum("kl,bijlc->bijkc", d, ue)
    return xp.stack([dxi, deta, dzeta], axis=-1)


def reference_divergence(flux, d):
    """Transpose of `reference_gradient`: flux (nb, n, n, n, ncomp, 3) -> (nb, n, n, n, ncomp)."""
    xp = array_module(flux)
    return (xp.einsum("il,bijkc->bljkc", d, flux[..., 0])
            + xp.einsum("jl,bijkc->bilkc", d, flux[..., 1])
            + xp.einsum("kl,bijkc->bijlc", d, flux[..., 2]))
