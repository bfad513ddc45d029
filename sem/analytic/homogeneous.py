"""Displacement in a homogeneous, isotropic, unbounded elastic medium (near field included).

Two closed-form solutions from Aki & Richards (2002), *Quantitative Seismology*, 2nd ed.:

* point force, eq. (4.23)::

      u_i(x, t) = 1/(4 pi rho) (3 g_i g_j - d_ij) / r^3  I_f(t)
                + 1/(4 pi rho a^2) g_i g_j / r  f(t - r/a) F_j
                - 1/(4 pi rho b^2) (g_i g_j - d_ij) / r  f(t - r/b) F_j,

  with I_f(t) = F_j * int_{r/a}^{r/b} tau f(t - tau) dtau;

* point moment-tensor source, eq. (4.29) written for a general symmetric M_pq (u_n = M_pq * G_np,q,
  the derivative taken with respect to the SOURCE coordinate xi_q, A&R eq. 3.23)::

      u_n = 1/(4 pi rho) (15 g_n g_p g_q - 3 g_n d_pq - 3 g_p d_nq - 3 g_q d_np) / r^4  I_M(t)
          + 1/(4 pi rho a^2) (6 g_n g_p g_q - g_n d_pq - g_p d_nq - g_q d_np) / r^2  M_pq(t - r/a)
          - 1/(4 pi rho b^2) (6 g_n g_p g_q - g_n d_pq - g_p d_nq - 2 g_q d_np) / r^2  M_pq(t - r/b)
          + 1/(4 pi rho a^3) g_n g_p g_q / r  dM_pq/dt(t - r/a)
          - 1/(4 pi rho b^3) (g_n g_p - d_np) g_q / r  dM_pq/dt(t - r/b).

Here a = vp, b = vs, r = |x - xi|, g = (x - xi)/r (direction cosines, source to receiver) and
d is the Kronecker delta. Contracting with a symmetric M (m = M g, s = g.M.g, tr = trace M) gives
the vector coefficients used in the code, e.g. the near-field one 15 s g - 3 tr g - 6 m.

Sign check: for an explosion M = M0 I only the P terms survive,
u = M0 g [M(t - r/a)/(4 pi rho a^2 r^2) + M'(t - r/a)/(4 pi rho a^3 r)], i.e. outward motion.

The near-field integral int_{r/a}^{r/b} tau f(t - tau) dtau is evaluated by Gauss-Legendre
quadrature on [r/a, r/b] (vectorised over time). With the default 512 nodes the relative error
is a few 1e-12 for a Ricker wavelet whose dominant period is (r/b - r/a)/50; raise ``nquad`` if
the interval holds more periods than that (cost and memory grow linearly in ``nquad``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable

import numpy as np
from scipy.special import roots_legendre

__all__ = ["force_displacement", "moment_tensor_displacement", "moment_tensor_matrix",
           "near_field_integral", "DEFAULT_NQUAD"]

DEFAULT_NQUAD = 512
_CHUNK = 2**22  # max number of (time, node) stf evaluations held in memory at once


@lru_cache(maxsize=16)
def _leggauss(n: int) -> tuple[np.ndarray, np.ndarray]:
    return roots_legendre(n)  # same nodes as numpy's leggauss, but O(n) for large n


def _evaluate(stf: Callable, t: np.ndarray) -> np.ndarray:
    """Call ``stf`` on a flattened copy of ``t`` and return float64 values of the same shape."""
    t = np.asarray(t, dtype=float)
    values = np.asarray(stf(t.ravel()), dtype=float)
    return np.broadcast_to(values, (t.size,)).reshape(t.shape)


def near_field_integral(stf: Callable, times, t_min: float, t_max: float,
                        nquad: int = DEFAULT_NQUAD) -> np.ndarray:
    """I(t) = int_{t_min}^{t_max} tau * stf(t - tau) dtau by ``nquad``-point Gauss-Legendre.

    times: (nt,) [s]; t_min = r/vp, t_max = r/vs [s]. Returns (nt,) in units of stf * s^2.
    """
    times = np.asarray(times, dtype=float)
    x, w = _leggauss(int(nquad))
    half, mid = 0.5 * (t_max - t_min), 0.5 * (t_max + t_min)
    tau = half * x + mid
    weights = half * w * tau
    out = np.empty(times.shape)
    step = max(1, _CHUNK // tau.size)
    for i in range(0, times.size, step):  # chunks bound memory, each chunk is vectorised
        block = times[i:i + step]
        out[i:i + step] = _evaluate(stf, block[:, None] - tau[None, :]) @ weights
    return out


def _geometry(receivers, source) -> tuple[np.ndarray, np.ndarray]:
    """Distances r (nrec,) [m] and unit vectors g (nrec, 3) from source to receivers."""
    receivers = np.atleast_2d(np.asarray(receivers, dtype=float))
    source = np.asarray(source, dtype=float).reshape(3)
    if receivers.ndim != 2 or receivers.shape[1] != 3:
        raise ValueError(f"receivers must have shape (nrec, 3), got {receivers.shape}")
    d = receivers - source
    r = np.linalg.norm(d, axis=1)
    if np.any(r <= 1e-12 * max(1.0, float(np.max(np.abs(source))))):
        raise ValueError("a receiver coincides with the source (the solution is singular there)")
    return r, d / r[:, None]


def _check_medium(vp: float, vs: float, rho: float) -> None:
    if not (vp > vs > 0 and rho > 0):
        raise ValueError(f"need vp > vs > 0 and rho > 0, got vp={vp}, vs={vs}, rho={rho}")


def moment_tensor_matrix(moment) -> np.ndarray:
    """(3, 3) symmetric tensor [N m] from (mxx, myy, mzz, mxy, mxz, myz) or a symmetric (3, 3)."""
    m = np.asarray(moment, dtype=float)
    if m.shape == (6,):
        xx, yy, zz, xy, xz, yz = m
        return np.array([[xx, xy, xz], [xy, yy, yz], [xz, yz, zz]])
    if m.shape == (3, 3):
        if not np.allclose(m, m.T, rtol=1e-12, atol=1e-12 * np.max(np.abs(m))):
            raise ValueError("moment tensor must be symmetric")
        return 0.5 * (m + m.T)
    raise ValueError(f"moment must have shape (6,) or (3, 3), got {m.shape}")


def _central_derivative(stf: Callable, h: float) -> Callable:
    """Fourth-order central difference (f(t-2h) - 8f(t-h) + 8f(t+h) - f(t+2h)) / (12h)."""
    def deriv(t):
        t = np.asarray(t, dtype=float)
        return (8.0 * (_evaluate(stf, t + h) - _evaluate(stf, t - h))
                - (_evaluate(stf, t + 2 * h) - _evaluate(stf, t - 2 * h))) / (12.0 * h)
    return deriv


def _default_step(times: np.ndarray) -> float:
    """Derivative step: 1e-2 of the smallest sampling interval (the STF must be resolved by the
    samples, so its characteristic time is >= dt); 1e-6 * max(|t|, 1 s) for a single sample."""
    dt = np.diff(np.unique(times))
    if dt.size:
        return 1e-2 * float(dt.min())
    return 1e-6 * max(float(np.max(np.abs(times))), 1.0)


def force_displacement(receivers, source, force, stf: Callable, times, vp: float, vs: float,
                       rho: float, *, nquad: int = DEFAULT_NQUAD) -> np.ndarray:
    """Displacement [m] from a point force F(t) = force * stf(t) (A&R 2002, eq. 4.23).

    receivers: (nrec, 3) [m]; source: (3,) [m]; force: (3,) [N]; stf: dimensionless callable
    (array in, array out); times: (nt,) [s]; vp, vs [m/s]; rho [kg/m^3]; nquad: Gauss-Legendre
    nodes for the near-field integral. Returns (nrec, 3, nt), components (x, y, z).
    """
    _check_medium(vp, vs, rho)
    r, g = _geometry(receivers, source)
    force = np.asarray(force, dtype=float).reshape(3)
    times = np.asarray(times, dtype=float).reshape(-1)
    c = 1.0 / (4.0 * np.pi * rho)
    out = np.empty((r.size, 3, times.size))
    for k in range(r.size):
        gk, rk = g[k], r[k]
        gf = gk @ force
        near = near_field_integral(stf, times, rk / vp, rk / vs, nquad) * c / rk**3
        p = _evaluate(stf, times - rk / vp) * c / (vp**2 * rk)
        s = _evaluate(stf, times - rk / vs) * c / (vs**2 * rk)
        out[k] = (np.outer(3.0 * gf * gk - force, near) + np.outer(gf * gk, p)
                  - np.outer(gf * gk - force, s))
    return out


def moment_tensor_displacement(receivers, source, moment, stf: Callable, times, vp: float,
                               vs: float, rho: float, stf_derivative: Callable | None = None, *,
                               nquad: int = DEFAULT_NQUAD,
                               deriv_step: float | None = None) -> np.ndarray:
    """Displacement [m] from a point moment tensor M(t) = moment * stf(t) (A&R 2002, eq. 4.29).

    u_n = M_pq dG_np(x; xi)/dxi_q (derivative w.r.t. the source position). receivers: (nrec, 3) [m];
    source: (3,) [m]; moment: (6,) (mxx, myy, mzz, mxy, mxz, myz) or symmetric (3, 3) [N m];
    stf: normalised moment function (0 -> 1, dimensionless callable); times: (nt,) [s];
    vp, vs [m/s]; rho [kg/m^3]. The far-field terms need dstf/dt [1/s]: ``stf_derivative`` if
    given, otherwise a fourth-order central difference of ``stf`` with step ``deriv_step``
    (default: 1e-2 * smallest sampling interval of ``times``, which gives ~1e-10 relative error
    for a moment function resolved by the sampling). Returns (nrec, 3, nt), components (x, y, z).
    """
    _check_medium(vp, vs, rho)
    r, g = _geometry(receivers, source)
    m = moment_tensor_matrix(moment)
    times = np.asarray(times, dtype=float).reshape(-1)
    if stf_derivative is None:
        stf_derivative = _central_derivative(stf, deriv_step or _default_step(times))
    c = 1.0 / (4.0 * np.pi * rho)
    trace = np.trace(m)
    out = np.empty((r.size, 3, times.size))
    for k in range(r.size):
        gk, rk = g[k], r[k]
        mg = m @ gk
        s = gk @ mg
        tp, ts = times - rk / vp, times - rk / vs
        terms = [  # (vector coefficient (3,), time function (nt,))
            (15 * s * gk - 3 * trace * gk - 6 * mg,
             near_field_integral(stf, times, rk / vp, rk / vs, nquad) * c / rk**4),
            (6 * s * gk - trace * gk - 2 * mg, _evaluate(stf, tp) * c / (vp**2 * rk**2)),
            (-(6 * s * gk - trace * gk - 3 * mg), _evaluate(stf, ts) * c / (vs**2 * rk**2)),
            (s * gk, _evaluate(stf_derivative, tp) * c / (vp**3 * rk)),
            (-(s * gk - mg), _evaluate(stf_derivative, ts) * c / (vs**3 * rk)),
        ]
        out[k] = sum(np.outer(coef, fun) for coef, fun in terms)
    return out
