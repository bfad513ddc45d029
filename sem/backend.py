"""The compute backend: where arrays live, in which precision, and which implementation of every
pass of a time step runs.

One `Backend` is chosen once (`get_backend`) and handed to everything that builds or applies a
term; no other module tests a backend name or an array module.

    "numpy"  the array reference path (numpy on the CPU): the oracle of the fast paths
    "numba"  compiled CPU kernels (sem.operators.numba_operator, sem.operators.cpu_passes)
    "cupy"   CUDA kernels (kernels/*.cu through CuPy)
    "auto"   "cupy" where CuPy sees a GPU, else "numba"

A backend holds the array module `xp`, the float `dtype`, the row padding of fields, the operator
factory and the per-point passes (Newmark predict / correct, absorbing solve, point forcing and
recording, solid-fluid coupling). Passes that depend on the step number take the step counter of
`State` (a host int on the CPU, a device int on the GPU, so that one captured CUDA graph serves
every step).
"""

from __future__ import annotations

import contextlib
import os

import numpy as np

BACKENDS = ("numpy", "numba", "cupy")


def resolve_dtype(dtype, default=np.float64) -> np.dtype:
    """float32 or float64; `default` when dtype is None."""
    if dtype is None:
        return np.dtype(default)
    dt = np.dtype(dtype)
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype must be float32 or float64, got {dtype!r}")
    return dt


def gpu_available() -> bool:
    """Whether CuPy is installed and sees at least one CUDA device."""
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:                                  # ImportError, or CUDA errors without a driver
        return False


def get_backend(name: str = "auto", dtype=None) -> "Backend":
    """The backend called `name` ("auto", "numpy", "numba", "cupy") in `dtype` (default float64 on
    the CPU, float32 on the GPU). A Backend given as `name` is returned as it is."""
    if isinstance(name, Backend):
        return name
    if name == "auto":
        name = "cupy" if gpu_available() else "numba"
    classes = {"numpy": NumpyBackend, "numba": NumbaBackend, "cupy": CupyBackend}
    if name not in classes:
        raise ValueError(f"unknown backend {name!r}; choose one of {('auto',) + BACKENDS}")
    return classes[name](dtype)


class NumpyBackend:
    """The array reference path on the CPU; the base of the other backends."""

    name = "numpy"
    #: field rows are padded to a multiple of this many values
    row_align = 1
    #: how often (steps) the time loop asks whether the wavefield is still finite
    check_every = 1
    #: whether a step's passes can be captured once and replayed (CUDA graphs)
    can_capture = False
    default_dtype = np.float64

    def __init__(self, dtype=None):
        self.dtype = resolve_dtype(dtype, self.default_dtype)
        self.xp = self._array_module()

    def _array_module(self):
        return np

    def __repr__(self):
        return f"{type(self).__name__}({self.dtype.name})"

    def with_dtype(self, dtype) -> "NumpyBackend":
        """The same backend in another precision."""
        return type(self)(dtype)

    def host(self) -> "NumpyBackend":
        """The CPU backend that serves set-up work in float64 (stability estimates): the compiled
        one unless this is the reference path."""
        return NumpyBackend(np.float64)

    # ---- arrays ------------------------------------------------------------------------------
    def rows(self, npoints: int) -> int:
        """The row stride of a field of `npoints` points (npoints rounded up to `row_align`)."""
        return -(-int(npoints) // self.row_align) * self.row_align

    def zeros(self, ncomp: int, npoints: int):
        """A zero field (ncomp, rows(npoints)) in the backend dtype; padding points stay 0."""
        return self.xp.zeros((ncomp, self.rows(npoints)), dtype=self.dtype)

    def asarray(self, a, dtype=None):
        """`a` on the device, in `dtype` (default: keep integer arrays, cast floats to the backend dtype)."""
        a = np.asarray(a) if not hasattr(a, "__cuda_array_interface__") else a
        if dtype is None and np.issubdtype(a.dtype, np.floating):
            dtype = self.dtype
        return self.xp.ascontiguousarray(self.xp.asarray(a, dtype=dtype))

    @staticmethod
    def to_numpy(a) -> np.ndarray:
        """A host numpy copy of `a` (no copy when it already is one)."""
        return a.get() if hasattr(a, "get") else np.asarray(a)

    @staticmethod
    def scatter_add(out, index, values):
        """out[index] += values, summing repeated indices (out 1-D, index and values flat)."""
        from .operators.reference import scatter_add
        return scatter_add(out, index, values)

    def available_bytes(self) -> int:
        """Free memory on the compute device, bytes."""
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")

    # ---- operators -----------------------------------------------------------------------------
    #: whether a law's memory variables (attenuation) can be stepped on this backend
    supports_memory_variables = True

    def operator(self, mesh, law):
        """The stiffness operator K of `law` on `mesh` (`internal_forces(u, out)` adds K u)."""
        from .operators.reference import ReferenceOperator
        return ReferenceOperator.build(mesh, law, xp=self.xp, dtype=self.dtype)

    # ---- running -------------------------------------------------------------------------------
    def run_context(self):
        """The context a time loop runs in (CPU: floating-point flags; GPU: a stream of its own)."""
        return contextlib.nullcontext()

    def synchronize(self):
        """Wait for the queued device work (nothing on the CPU)."""

    def capture(self, body):
        """Run body() once and return a function that replays its device work, or None where
        capture is not available (then body() has simply run)."""
        body()
        return None

    def step_counter(self, value: int):
        """The step counter passes read (a host int here; a device int on the GPU)."""
        return int(value)

    def advance(self, counter):
        """The counter after one step."""
        return counter + 1

    def new_flag(self):
        """A record of the first step at which a field was not finite (see `first_bad_step`)."""
        return np.full(1, np.iinfo(np.int32).max, dtype=np.int64)

    def first_bad_step(self, flag):
        """The first step recorded in `flag`, or None."""
        value = int(self.to_numpy(flag)[0])
        return None if value == np.iinfo(np.int32).max else value

    # ---- per-point passes ----------------------------------------------------------------------
    def predict(self, u, v, a, dt):
        """u += dt v + dt^2/2 a;  v += dt/2 a;  a = 0  (fields (ncomp, rows))."""
        u += dt * v
        u += (0.5 * dt * dt) * a
        v += (0.5 * dt) * a
        a[...] = 0

    def correct(self, u, v, a, minv, dt, step, flag):
        """a = -minv a;  v += dt/2 a;  flag = min(flag, step) where u is not finite."""
        a *= -minv
        v += (0.5 * dt) * a
        if not np.isfinite(float(u.sum())):
            flag[0] = min(int(flag[0]), int(step))

    def absorb(self, r, v, idx, c, b):
        """r[:, idx] <- b (r[:, idx] + c v[:, idx]) with 3x3 blocks b, c (nb, 3, 3)."""
        xp = self.xp
        r[:, idx] += xp.einsum("bij,jb->ib", c, v[:, idx])
        r[:, idx] = xp.einsum("bij,jb->ib", b, r[:, idx])

    def inject(self, r, idx, w, owner, table, step):
        """r[c, idx] -= w[c] table[owner, step] (point forcing from a sampled table (ngroups, nt))."""
        vals = w * table[owner, step][None, :]
        for c in range(r.shape[0]):
            self.scatter_add(r[c], idx, -vals[c])

    def record(self, seis, field, idx, w, step):
        """seis[step, c, rec] = sum_p w[rec, p] field[c, idx[rec, p]]."""
        seis[step] = (field[:, idx] * w[None]).sum(-1)

    def coupling_data(self, coupling):
        """What `couple_solid` / `couple_fluid` need of a sem.physics.coupling.Coupling, on the device
        (here the sparse matrices C and C^T)."""
        c = coupling.matrix.astype(self.dtype)
        return c, c.T.tocsr()

    def couple_solid(self, r_solid, x_fluid, data, sign=1):
        """r_solid += sign C x_fluid."""
        if sign > 0:
            r_solid.reshape(-1)[...] += data[0] @ x_fluid.reshape(-1)
        else:
            r_solid.reshape(-1)[...] -= data[0] @ x_fluid.reshape(-1)

    def couple_fluid(self, r_fluid, x_solid, data, sign=-1):
        """r_fluid += sign C^T x_solid."""
        if sign < 0:
            r_fluid.reshape(-1)[...] -= data[1] @ x_solid.reshape(-1)
        else:
            r_fluid.reshape(-1)[...] += data[1] @ x_solid.reshape(-1)


#: the common interface (the reference path is the base class)
Backend = NumpyBackend


class NumbaBackend(NumpyBackend):
    """Compiled CPU kernels: the Numba operator and fused Newmark passes; FTZ/DAZ while running."""

    name = "numba"

    def host(self):
        return NumbaBackend(np.float64)

    def operator(self, mesh, law):
        from .operators.numba_operator import NumbaOperator
        return NumbaOperator.build(mesh, law, dtype=self.dtype)

    def run_context(self):
        from .operators.fpenv import flush_denormals
        return flush_denormals()

    def predict(self, u, v, a, dt):
        from .operators.cpu_passes import predict
        predict(u, v, a, dt)

    def correct(self, u, v, a, minv, dt, step, flag):
        from .operators.cpu_passes import correct
        if not correct(u, v, a, minv, dt):
            flag[0] = min(int(flag[0]), int(step))

    def absorb(self, r, v, idx, c, b):
        from .operators.cpu_passes import absorb
        absorb(r, v, idx, c, b)


class CupyBackend(NumpyBackend):
    """CUDA kernels through CuPy; fields padded to 128-byte rows; one CUDA graph per step."""

    name = "cupy"
    check_every = 50
    can_capture = True
    default_dtype = np.float32

    def _array_module(self):
        try:
            import cupy
        except ImportError as exc:                     # pragma: no cover - depends on machine
            raise ValueError("backend='cupy' needs CuPy (pip install 'sem[gpu]')") from exc
        return cupy

    @property
    def row_align(self):
        from .operators.cuda_passes import ROW_ALIGN
        return ROW_ALIGN

    def host(self):
        return NumbaBackend(np.float64)

    def available_bytes(self):                          # pragma: no cover - GPU only
        return int(self.xp.cuda.Device().mem_info[0])

    supports_memory_variables = False                   # the CUDA skeleton has no point state yet

    def operator(self, mesh, law):                      # pragma: no cover - GPU only
        if law.cuda_law is None:                        # a law without a CUDA struct: the array path
            return super().operator(mesh, law)
        from .operators.cuda_operator import CudaOperator
        return CudaOperator.build(mesh, law, dtype=self.dtype)

    @contextlib.contextmanager
    def run_context(self):                              # pragma: no cover - GPU only
        self.xp.cuda.Device().synchronize()            # set-up copies are done
        with self.xp.cuda.Stream(non_blocking=True):   # a stream of its own: its steps can be captured
            yield
            self.synchronize()

    def synchronize(self):                              # pragma: no cover - GPU only
        self.xp.cuda.get_current_stream().synchronize()

    def capture(self, body):                            # pragma: no cover - GPU only
        """Capture body()'s launches in a CUDA graph (one launch per step instead of one per pass)."""
        cupy = self.xp
        stream = cupy.cuda.get_current_stream()
        if stream.ptr == 0:                             # the legacy default stream cannot capture
            body()
            return None
        try:
            stream.begin_capture(cupy.cuda.runtime.streamCaptureModeRelaxed)
            try:
                body()
            finally:
                graph = stream.end_capture()
        except Exception:                               # depends on the driver
            body()
            return None
        graph.launch(stream)
        return lambda: graph.launch(stream)

    def step_counter(self, value):                      # pragma: no cover - GPU only
        return self.xp.full(1, int(value), dtype=np.int32)

    def advance(self, counter):                         # pragma: no cover - GPU only
        from .operators import cuda_passes
        cuda_passes.advance(counter)
        return counter

    def new_flag(self):                                 # pragma: no cover - GPU only
        return self.xp.full(1, np.iinfo(np.int32).max, dtype=np.int32)

    def predict(self, u, v, a, dt):                     # pragma: no cover - GPU only
        from .operators import cuda_passes
        cuda_passes.predict(u, v, a, dt)

    def correct(self, u, v, a, minv, dt, step, flag):   # pragma: no cover - GPU only
        from .operators import cuda_passes
        cuda_passes.correct(u, v, a, minv, dt, step, flag)

    def absorb(self, r, v, idx, c, b):                  # pragma: no cover - GPU only
        from .operators import cuda_passes
        cuda_passes.absorbing(r, v, idx, c, b)

    def inject(self, r, idx, w, owner, table, step):    # pragma: no cover - GPU only
        from .operators import cuda_passes
        cuda_passes.inject(r, idx, w, owner, table, step)

    def record(self, seis, field, idx, w, step):        # pragma: no cover - GPU only
        from .operators import cuda_passes
        cuda_passes.record(seis, field, idx, w, step)

    def coupling_data(self, coupling):                  # pragma: no cover - GPU only
        """The interface points and their weights, with both signs (the kernels add C x, subtract C^T x)."""
        xp = self.xp
        points = xp.asarray(coupling.solid_idx), xp.asarray(coupling.fluid_idx)
        nw = xp.asarray(coupling.nw, dtype=self.dtype)
        return {+1: points + (nw,), -1: points + (-nw,)}

    def couple_solid(self, r_solid, x_fluid, data, sign=1):     # pragma: no cover - GPU only
        from .operators import cuda_passes
        cuda_passes.coupling_pressure(r_solid, x_fluid, *data[+1 if sign > 0 else -1])

    def couple_fluid(self, r_fluid, x_solid, data, sign=-1):    # pragma: no cover - GPU only
        from .operators import cuda_passes                      # the kernel subtracts C^T x
        cuda_passes.coupling_displacement(r_fluid, x_solid, *data[+1 if sign < 0 else -1])
