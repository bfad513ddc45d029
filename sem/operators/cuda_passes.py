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

from .cuda_compile import cuda_module, cuda_type

#: field rows are padded to a multiple of this many values, so that every row starts 128-byte aligned
ROW_ALIGN = 32


def padded(nglob: int) -> int:
    """The row stride for a field of nglob points: nglob rounded up to a multiple of ROW_ALIGN.
    (Unaligned rows cost the correct pass a quarter of its bandwidth; see kernels/time_step.cu.)"""
    return -(-int(nglob) // ROW_ALIGN) * ROW_ALIGN


KERNELS = ("newmark_predict", "newmark_correct", "absorbing_apply", "inject_sources", "record_receivers",
           "coupling_pressure", "coupling_displacement")
THREADS = 256


@functools.lru_cache(maxsize=None)
def _kernel(name: str, type_name: str, ncomp: int | None = None):
    """A kernel of time_step.cu for C type `type_name`; newmark_correct is also specialised on the field
    components (1 or 3), advance_step on nothing. Cached: no per-launch rebuild of the module key."""
    t = type_name
    expr = tuple(f"{k}<{t}>" for k in KERNELS if k != "newmark_correct") + tuple(
        f"newmark_correct<{t},{nc}>" for nc in (1, 3)) + ("advance_step",)
    if name == "advance_step":
        full = name
    else:
        full = f"{name}<{t}>" if ncomp is None else f"{name}<{t},{ncomp}>"
    return cuda_module("time_step.cu", expr).get_function(full)


@functools.lru_cache(maxsize=None)
def _multiprocessors(device: int) -> int:
    import cupy
    return cupy.cuda.Device(device).attributes["MultiProcessorCount"]


def _launch(name, dtype, n, args, ncomp=None, grid_stride=False):
    """Launch kernel `name` over n items (nothing when n == 0): blocks of THREADS, at most 16 blocks
    per multiprocessor for a grid-stride pass."""
    if n == 0:
        return
    blocks = max(1, -(-int(n) // THREADS))
    if grid_stride:
        import cupy
        blocks = min(blocks, 16 * _multiprocessors(cupy.cuda.Device().id))
    _kernel(name, cuda_type(dtype), ncomp)((blocks,), (THREADS,), args)


def predict(u, v, a, dt):
    _launch("newmark_predict", u.dtype, u.size, (u, v, a, np.int64(u.size), u.dtype.type(dt)), grid_stride=True)


def correct(u, v, a, minv, dt, step, bad):
    ncomp, rows = u.shape
    _launch("newmark_correct", u.dtype, rows, (v, a, minv, np.int64(rows), u.dtype.type(dt), step, bad),
            ncomp=ncomp, grid_stride=True)


def absorbing(r, v, idx, c, b):
    _launch("absorbing_apply", r.dtype, idx.size, (r, v, idx, c, b, np.int64(idx.size), np.int64(r.shape[1])))


def inject(r, idx, w, owner, stf, step):
    _launch("inject_sources", r.dtype, idx.size, (r, idx, w, owner, stf, np.int64(idx.size), np.int64(r.shape[1]),
                                                  np.int32(stf.shape[1]), step))


def record(seis, field, idx, w, step):
    nrec, npts = idx.shape
    _launch("record_receivers", field.dtype, 3 * nrec, (seis, field, idx, w, np.int32(nrec), np.int32(npts),
                                                        np.int64(field.shape[1]), step))


def coupling_pressure(r_solid, chi_dd, is_, if_, nw):
    _launch("coupling_pressure", r_solid.dtype, is_.size,
            (r_solid, chi_dd, is_, if_, nw, np.int64(is_.size), np.int64(r_solid.shape[1])))


def coupling_displacement(r_fluid, u_solid, is_, if_, nw):
    _launch("coupling_displacement", r_fluid.dtype, is_.size,
            (r_fluid, u_solid, is_, if_, nw, np.int64(is_.size), np.int64(u_solid.shape[1])))


def advance(step):
    _kernel("advance_step", "float")((1,), (1,), (step,))


def step_counter(value: int = 0):
    """A device step counter (int32, one element) for the passes above."""
    import cupy
    return cupy.full(1, value, dtype=np.int32)
