"""The Newmark (central-difference) vector updates, fused per backend.

One step, for fields u, v, a of shape (ncomp, nglob) and r the assembled force residual:
    predict:  u += dt v + dt^2/2 a;  v += dt/2 a;  r = 0
    (operator and boundary terms build r = K u - f + C v*, then the absorbing solve)
    correct:  a = -M^-1 r;  v += dt/2 a;  returns whether u is finite
The compiled versions make one pass over memory each; the array versions serve numpy and cupy.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(parallel=True, cache=True)
def _predict_compiled(u, v, a, dt):
    uf, vf, af = u.reshape(-1), v.reshape(-1), a.reshape(-1)
    half = 0.5 * dt
    for p in numba.prange(uf.shape[0]):
        ap = af[p]
        uf[p] += dt * (vf[p] + half * ap)
        vf[p] += half * ap
        af[p] = 0.0


@numba.njit(parallel=True, cache=True)
def _correct_compiled(u, v, a, minv, dt):
    nglob = minv.shape[0]
    half = 0.5 * dt
    total = 0.0
    for p in numba.prange(nglob):
        m = minv[p]
        for c in range(u.shape[0]):
            ac = -m * a[c, p]
            a[c, p] = ac
            v[c, p] += half * ac
            total += u[c, p]
    return np.isfinite(total)


def _predict_array(u, v, a, dt):
    u += dt * v
    u += (0.5 * dt * dt) * a
    v += (0.5 * dt) * a
    a[...] = 0


def _correct_array(u, v, a, minv, dt):
    a *= -minv
    v += (0.5 * dt) * a
    return bool(np.isfinite(float(u.sum())))


def steppers(backend: str):
    """(predict, correct) functions for a backend name."""
    if backend == "numba":
        return _predict_compiled, _correct_compiled
    return _predict_array, _correct_array
