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


@numba.njit(parallel=True, cache=True)
def predict(u, v, a, dt):
    uf, vf, af = u.reshape(-1), v.reshape(-1), a.reshape(-1)
    half = 0.5 * dt
    n = uf.shape[0]
    for chunk in numba.prange((n + CHUNK - 1) // CHUNK):
        old = flush_denormals_begin()
        for p in range(chunk * CHUNK, min(n, (chunk + 1) * CHUNK)):
            ap = af[p]
            uf[p] += dt * (vf[p] + half * ap)
            vf[p] += half * ap
            af[p] = 0.0
        flush_denormals_end(old)


@numba.njit(parallel=True, cache=True)
def correct(u, v, a, minv, dt):
    nglob = minv.shape[0]
    half = 0.5 * dt
    total = 0.0
    for chunk in numba.prange((nglob + CHUNK - 1) // CHUNK):
        old = flush_denormals_begin()
        part = 0.0
        for p in range(chunk * CHUNK, min(nglob, (chunk + 1) * CHUNK)):
            m = minv[p]
            for c in range(u.shape[0]):
                ac = -m * a[c, p]
                a[c, p] = ac
                v[c, p] += half * ac
                part += u[c, p]
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
