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


class Newmark:
    """The predict and correct passes of one backend, and the first step at which u was not finite.

    correct(..., step) notes a non-finite field instead of returning it, so that the GPU needs no
    host synchronisation per step: the driver asks `bad_step()` every `check_every` steps (on the GPU
    `step` is the device step counter of sem.cuda_passes).
    """

    def __init__(self, backend: str):
        self._bad = None
        self._flag = None
        if backend == "cupy":
            import cupy
            from . import cuda_passes
            self._flag = cupy.full(1, np.iinfo(np.int32).max, dtype=np.int32)
            self.predict = cuda_passes.predict
            self._correct = cuda_passes.correct
            self.check_every = 50
        else:
            compiled = backend == "numba"
            self.predict = _predict_compiled if compiled else _predict_array
            self._correct = _correct_compiled if compiled else _correct_array
            self.check_every = 1

    def correct(self, u, v, a, minv, dt, step):
        if self._flag is not None:                    # the GPU pass records a bad step on the device
            self._correct(u, v, a, minv, dt, step, self._flag)
        elif not self._correct(u, v, a, minv, dt) and self._bad is None:
            self._bad = int(step)

    def bad_step(self):
        """The first step at which the field held NaN or Inf, or None."""
        if self._flag is not None and self._bad is None:
            flag = int(self._flag.get()[0])
            if flag != np.iinfo(np.int32).max:
                self._bad = flag
        return self._bad

