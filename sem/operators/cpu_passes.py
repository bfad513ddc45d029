"""The per-point passes of a time step on the CPU, compiled (Numba): one pass over memory each.

For fields u, v, a of shape (ncomp, nglob) and a holding the assembled force residual r:
    predict:  u += dt v + dt^2/2 a;  v += dt/2 a;  a = 0
    correct:  a = -M^-1 r;  v += dt/2 a;  returns whether u is finite
    absorb:   r[:, idx] = B (r[:, idx] + C v[:, idx])   (the implicit Stacey blocks)
Each parallel chunk of CHUNK points runs with flush-to-zero / denormals-are-zero (sem.operators.fpenv).
The array versions of the same passes are methods of sem.backend.NumpyBackend.
"""

from __future__ import annotations

import numba
import numpy as np

from .fpenv import flush_denormals_begin, flush_denormals_end

#: points per parallel chunk (one MXCSR save / set / restore each)
CHUNK = 16384


# Each pass is a parallel loop over chunks; a chunk sets FTZ/DAZ on its thread and calls a serial
# kernel on its range of points (a separate function: LLVM vectorises it, the same loop written inline in
# the chunk loop measured 3x slower in float32).

@numba.njit(cache=True)
def _predict_slice(u, v, a, dt, half):
    for p in range(u.shape[0]):
        ap = a[p]
        u[p] += dt * (v[p] + half * ap)
        v[p] += half * ap
        a[p] = 0.0


@numba.njit(parallel=True, cache=True)
def predict(u, v, a, dt):
    uf, vf, af = u.reshape(-1), v.reshape(-1), a.reshape(-1)
    half = 0.5 * dt
    n = uf.shape[0]
    for chunk in numba.prange((n + CHUNK - 1) // CHUNK):
        old = flush_denormals_begin()
        s, e = chunk * CHUNK, min(n, (chunk + 1) * CHUNK)
        _predict_slice(uf[s:e], vf[s:e], af[s:e], dt, half)
        flush_denormals_end(old)


@numba.njit(cache=True)
def _correct_slice(v, a, minv, half):
    """One component on a range of points."""
    for p in range(minv.shape[0]):
        ac = -minv[p] * a[p]
        a[p] = ac
        v[p] += half * ac


@numba.njit(cache=True, fastmath={"reassoc"})
def _sum_slice(u):
    """The sum of u, in any order (it only tells whether u is finite: NaN and Inf survive any order)."""
    total = 0.0
    for p in range(u.shape[0]):
        total += u[p]
    return total


@numba.njit(parallel=True, cache=True)
def correct(u, v, a, minv, dt):
    ncomp, nglob = u.shape[0], minv.shape[0]
    uf, vf, af = u.reshape(-1), v.reshape(-1), a.reshape(-1)
    half = 0.5 * dt
    total = 0.0
    for chunk in numba.prange((nglob + CHUNK - 1) // CHUNK):
        old = flush_denormals_begin()
        part = 0.0
        for c in range(ncomp):
            s, e = c * nglob + chunk * CHUNK, c * nglob + min(nglob, (chunk + 1) * CHUNK)
            _correct_slice(vf[s:e], af[s:e], minv[s - c * nglob:e - c * nglob], half)
            part += _sum_slice(uf[s:e])
        flush_denormals_end(old)
        total += part
    return np.isfinite(total)


@numba.njit(parallel=True, cache=True)
def absorb(r, v, idx, c, b):
    """r[:, idx] <- b (r[:, idx] + c v[:, idx]) with 3x3 blocks b, c (nb, 3, 3), one pass."""
    nb = idx.shape[0]
    for chunk in numba.prange((nb + CHUNK - 1) // CHUNK):
        old = flush_denormals_begin()
        for q in range(chunk * CHUNK, min(nb, (chunk + 1) * CHUNK)):
            g = idx[q]
            t0 = r[0, g] + (c[q, 0, 0] * v[0, g] + c[q, 0, 1] * v[1, g] + c[q, 0, 2] * v[2, g])
            t1 = r[1, g] + (c[q, 1, 0] * v[0, g] + c[q, 1, 1] * v[1, g] + c[q, 1, 2] * v[2, g])
            t2 = r[2, g] + (c[q, 2, 0] * v[0, g] + c[q, 2, 1] * v[1, g] + c[q, 2, 2] * v[2, g])
            r[0, g] = b[q, 0, 0] * t0 + b[q, 0, 1] * t1 + b[q, 0, 2] * t2
            r[1, g] = b[q, 1, 0] * t0 + b[q, 1, 1] * t1 + b[q, 1, 2] * t2
            r[2, g] = b[q, 2, 0] * t0 + b[q, 2, 1] * t1 + b[q, 2, 2] * t2
        flush_denormals_end(old)
