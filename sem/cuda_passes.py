"""The per-point passes of one time step on the GPU: thin launchers of kernels/time_step.cu.

Each pass is one kernel launch that reads and writes every value it touches once:
  predict(u, v, a, dt)                    u += dt v + dt^2/2 a; v += dt/2 a; a = 0
  correct(u, v, a, minv, dt, step, bad)   a = -minv a; v += dt/2 a; bad[0] = min(bad[0], step) where a is not finite
  absorbing(r, v, idx, c, b)              r[:, idx] = b (r[:, idx] + c v[:, idx])   (3x3 blocks)
  inject(r, idx, w, owner, stf, step)     r[c, idx] -= w[c] stf[owner, step]
  record(seis, field, idx, w, step)       seis[step, c, rec] = sum_p w[rec, p] field[c, idx[rec, p]]
  coupling_pressure(r_s, chi_dd, is_, if_, nw)      r_s[a, is_] += nw[a] chi_dd[if_]
  coupling_displacement(r_f, u_s, is_, if_, nw)     r_f[0, if_] -= sum_a nw[a] u_s[a, is_]
  advance(step)                           step += 1
Fields are cupy arrays (ncomp, rows) in one float dtype, rows >= nglob the row stride (see
`padded`); index arrays int64; `step` is a device int32 array of one element (so that a captured
CUDA graph of one step serves every step).
"""

from __future__ import annotations

import functools

import numpy as np

from .backend import cuda_module, cuda_type

#: field rows are padded to a multiple of this many values, so that every row starts 128-byte aligned
ROW_ALIGN = 32


def padded(nglob: int) -> int:
    """The row stride for a field of nglob points: nglob rounded up to a multiple of ROW_ALIGN.
    (Unaligned rows cost the correct pass a quarter of its bandwidth; see kernels/time_step.cu.)"""
    return -(-int(nglob) // ROW_ALIGN) * ROW_ALIGN


KERNELS = ("newmark_predict", "newmark_correct", "absorbing_apply", "inject_sources", "record_receivers",
           "coupling_pressure", "coupling_displacement")
THREADS = 256


def _kernel(name, dtype, ncomp=None):
    """A kernel of time_step.cu; newmark_correct is also specialised on the field components (1 or 3)."""
    t = cuda_type(dtype)
    expr = tuple(f"{k}<{t}>" for k in KERNELS if k != "newmark_correct") + tuple(
        f"newmark_correct<{t},{nc}>" for nc in (1, 3)) + ("advance_step",)
    if name == "advance_step":
        return cuda_module("time_step.cu", expr).get_function(name)
    return cuda_module("time_step.cu", expr).get_function(f"{name}<{t}>" if ncomp is None else f"{name}<{t},{ncomp}>")


@functools.lru_cache(maxsize=None)
def _multiprocessors(device: int) -> int:
    import cupy
    return cupy.cuda.Device(device).attributes["MultiProcessorCount"]


def _blocks(n, grid_stride=False):
    """Blocks of THREADS for n items; a grid-stride pass uses at most 16 blocks per multiprocessor."""
    nb = max(1, -(-int(n) // THREADS))
    if grid_stride:
        import cupy
        nb = min(nb, 16 * _multiprocessors(cupy.cuda.Device().id))
    return (nb,)


def _scalar(x, dtype):
    return np.dtype(dtype).type(x)


def predict(u, v, a, dt):
    n = u.size
    _kernel("newmark_predict", u.dtype)(_blocks(n, True), (THREADS,), (u, v, a, np.int64(n), _scalar(dt, u.dtype)))


def correct(u, v, a, minv, dt, step, bad):
    ncomp, nglob = u.shape
    _kernel("newmark_correct", u.dtype, ncomp)(_blocks(nglob, True), (THREADS,),
                                               (v, a, minv, np.int64(nglob), _scalar(dt, u.dtype), step, bad))


def absorbing(r, v, idx, c, b):
    nb = idx.size
    if nb:
        _kernel("absorbing_apply", r.dtype)(_blocks(nb), (THREADS,),
                                            (r, v, idx, c, b, np.int64(nb), np.int64(r.shape[1])))


def inject(r, idx, w, owner, stf, step):
    nnz = idx.size
    if nnz:
        _kernel("inject_sources", r.dtype)(_blocks(nnz), (THREADS,),
                                           (r, idx, w, owner, stf, np.int64(nnz), np.int64(r.shape[1]),
                                            np.int32(stf.shape[1]), step))


def record(seis, field, idx, w, step):
    nrec, npts = idx.shape
    if nrec:
        _kernel("record_receivers", field.dtype)(_blocks(3 * nrec), (THREADS,),
                                                 (seis, field, idx, w, np.int32(nrec), np.int32(npts),
                                                  np.int64(field.shape[1]), step))


def coupling_pressure(r_solid, chi_dd, is_, if_, nw):
    npts = is_.size
    if npts:
        _kernel("coupling_pressure", r_solid.dtype)(_blocks(npts), (THREADS,),
                                                    (r_solid, chi_dd, is_, if_, nw, np.int64(npts),
                                                     np.int64(r_solid.shape[1])))


def coupling_displacement(r_fluid, u_solid, is_, if_, nw):
    npts = is_.size
    if npts:
        _kernel("coupling_displacement", r_fluid.dtype)(_blocks(npts), (THREADS,),
                                                        (r_fluid, u_solid, is_, if_, nw, np.int64(npts),
                                                         np.int64(u_solid.shape[1])))


def advance(step):
    _kernel("advance_step", np.float32)((1,), (1,), (step,))


def step_counter(value: int = 0):
    """A device step counter (int32, one element) for the passes above."""
    import cupy
    return cupy.full(1, value, dtype=np.int32)
