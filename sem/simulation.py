"""Time stepping: the forward driver.

Explicit second-order Newmark (central difference) on the diagonal-mass system
    M a = f(t) - K u - C v,
with the absorbing damping C (3x3 blocks at boundary nodes) treated implicitly:
    u_{n+1} = u_n + dt v_n + dt^2/2 a_n
    v*      = v_n + dt/2 a_n
    a_{n+1} = (M + dt/2 C)^-1 (f(t_{n+1}) - K u_{n+1} - C v*)
    v_{n+1} = v* + dt/2 a_{n+1}
which is unconditionally stable for the damping (an explicit damping term is not, at the corner
nodes of high-order elements; see physics/absorbing.py) while the stiffness stays explicit.
"""

from __future__ import annotations

import os
import time as _time

import numpy as np

from . import backend as bk
from . import newmark
from .physics.absorbing import AbsorbingBoundary
from .receivers import ReceiverArray
from .result import Result
from .sources import SourceArray

#: default Courant number: dt = COURANT * min over elements of (smallest GLL spacing / largest velocity).
#: The measured stability limit of this scheme is at Courant 0.55-0.7 for orders 1-8 on regular meshes
#: (tests/unit/test_stability.py); 0.4 leaves room for distorted elements.
COURANT = 0.4
RECORD = ("displacement", "velocity", "acceleration")


class InstabilityError(FloatingPointError):
    """The wavefield became NaN or Inf during the run."""


def _absorbing_sides(mesh, boundaries):
    if boundaries in (None, "free"):
        return []
    if boundaries == "absorbing":
        names = {k for k in mesh.side_sets if k not in ("top", "bottom", "zmax", "free_surface")}
        # every outer face but the free surface (the top of a box)
        return sorted(names | ({"zmin"} if "zmin" in mesh.side_sets else set()))
    if isinstance(boundaries, str):
        boundaries = [boundaries]
    names = list(boundaries)
    unknown = [n for n in names if n not in mesh.side_sets]
    if unknown:
        raise ValueError(f"unknown boundary name(s) {unknown}: use 'free', 'absorbing' or a list of side "
                         f"sets of this mesh {sorted(mesh.side_sets)}")
    return names


def build_operator(mesh, law, backend: str, dtype):
    """The stiffness operator for a backend: numpy/cupy use the array reference, numba the compiled path."""
    xp = bk.get_xp(backend)
    if backend == "numba":
        from .physics.numba_operator import NumbaOperator
        return NumbaOperator.build(mesh, law, dtype=dtype)
    from .physics.operator import ReferenceOperator
    return ReferenceOperator.build(mesh, law, xp=xp, dtype=dtype)


class Simulation:
    """A forward simulation.

    mesh, model : the mesh and the material on it.
    sources, receivers : lists of sem sources and sem.Receiver.
    duration : simulated time after the origin time (s); the run starts at the earliest source
               start time if that is before 0, so `times` may begin before 0.
    dt : time step (s); None takes COURANT * min(h_gll / v_max). A dt above the stability limit
         is refused before any step.
    boundaries : "free" (all faces free), "absorbing" (every outer face but the top), or a list of
                 side-set names to make absorbing.
    backend : "auto" (= "numba" on CPU), "numba", "numpy" (array reference), "cupy".
    dtype : "float32" | "float64"; default float64 on CPU, float32 on GPU.
    record : "displacement" | "velocity" | "acceleration".
    progress : None (a bar for runs longer than ~2 s), True or False.
    """

    def __init__(self, mesh, model, sources=(), receivers=(), duration=None, dt=None,
                 boundaries="free", backend="auto", dtype=None, record="displacement",
                 courant=COURANT, progress=None, origin_time=None):
        if model.mesh is not mesh:
            raise ValueError("model was built on a different mesh")
        if duration is None or not np.isfinite(duration) or duration <= 0:
            raise ValueError(f"duration must be a positive number of seconds, got {duration!r}")
        if record not in RECORD:
            raise ValueError(f"record must be one of {RECORD}, got {record!r}")
        if backend == "auto":
            backend = "numba"
        bk.get_xp(backend)
        self.mesh, self.model = mesh, model
        self.backend = backend
        self.dtype = bk.resolve_dtype(dtype, backend)
        self.record = record
        self.progress = progress
        self.origin_time = origin_time
        self.duration = float(duration)
        self.absorbing_sides = _absorbing_sides(mesh, boundaries)
        self.sources = SourceArray(mesh, sources)
        self.receivers = ReceiverArray(mesh, receivers)
        if not (np.isfinite(courant) and courant > 0):
            raise ValueError(f"courant must be a positive number, got {courant!r}")
        self.courant = float(courant)
        self.dt_courant = self.courant * self.min_h_over_v()
        if dt is not None and not (np.isfinite(dt) and dt > 0):
            raise ValueError(f"dt must be a positive number of seconds, got {dt!r}")
        self.dt = self.dt_courant if dt is None else float(dt)
        if self.dt > COURANT * self.min_h_over_v():
            # beyond the default rule: compute the actual limit of this mesh and model
            limit = self.stability_limit()
            if self.dt > limit:
                raise ValueError(f"dt = {self.dt:.6g} s is above the stability limit {limit:.6g} s of this "
                                 f"mesh and model (Courant {COURANT} gives {COURANT * self.min_h_over_v():.6g} s)")
        t0 = self.sources.start_time()
        self.nt = int(np.floor((self.duration - t0) / self.dt + 1e-9)) + 1
        self.times = t0 + self.dt * np.arange(self.nt)
        self.check_memory()
        self._op = None

    # ---- set-up --------------------------------------------------------------------------
    def min_h_over_v(self) -> float:
        """min over elements of (smallest GLL spacing / largest velocity), seconds."""
        if getattr(self, "_h_over_v", None) is None:
            vmax = self.model.law.max_velocity().reshape(self.mesh.nspec, -1).max(axis=1)
            self._h_over_v = float((self.mesh.min_gll_spacing() / vmax).min())
        return self._h_over_v

    def estimated_bytes(self) -> int:
        """Memory the run needs on the compute device, bytes (fields, geometry, material, seismograms)."""
        item = self.dtype.itemsize
        npts = self.mesh.nspec * self.mesh.ngll**3
        ncoef = len(self.model.law.coefficient_names)
        per_point = (9 + 1 + ncoef) * item + 8
        fields = (3 * 3 + 1) * self.mesh.nglob * item
        seis = len(self.receivers) * 3 * self.nt * 8
        return int(npts * per_point + fields + seis)

    def check_memory(self):
        need = self.estimated_bytes()
        if self.backend == "cupy":                                       # pragma: no cover - GPU only
            import cupy
            avail = cupy.cuda.Device().mem_info[0]
        else:
            avail = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        if need > avail:
            raise MemoryError(f"this simulation needs about {need / 2**30:.2f} GiB but only "
                              f"{avail / 2**30:.2f} GiB is available on the {self.backend} device")

    @property
    def operator(self):
        if self._op is None:
            self._op = build_operator(self.mesh, self.model.law, self.backend, self.dtype)
        return self._op

    def stability_limit(self, tol: float = 1e-4) -> float:
        """Largest stable dt = 2 / sqrt(lambda_max(M^-1 K)), by Lanczos on M^-1/2 K M^-1/2 (float64)."""
        from scipy.sparse.linalg import LinearOperator, eigsh
        op = build_operator(self.mesh, self.model.law, "numba" if self.backend != "numpy" else "numpy",
                            np.float64)
        minv_sqrt = 1.0 / np.sqrt(self.mass())
        n = 3 * self.mesh.nglob

        def matvec(x):
            u = (x.reshape(3, -1) * minv_sqrt).astype(np.float64)
            return (op.internal_forces(np.ascontiguousarray(u)) * minv_sqrt).ravel()

        lam = eigsh(LinearOperator((n, n), matvec=matvec), k=1, which="LA", tol=tol,
                    v0=np.random.default_rng(0).standard_normal(n), return_eigenvectors=False)[0]
        return 2.0 / np.sqrt(lam * (1 + 10 * tol))

    def mass(self) -> np.ndarray:
        """Diagonal mass matrix at the global points, (nglob,), kg."""
        return self.mesh.assemble(self.model.rho * self.mesh.quadrature_weights)

    # ---- run ----------------------------------------------------------------------------
    def run(self, initial=None, callback=None) -> Result:
        """Run the time loop and return the seismograms.

        initial : optional (u0, v0), each (3, nglob), initial displacement (m) and velocity (m/s).
        callback : optional f(step, time, fields) called after every step with the device fields
                   dict {"u", "v", "a"}; for diagnostics (it slows the run).
        """
        xp = bk.get_xp(self.backend)
        dt, dtype, nglob = self.dt, self.dtype, self.mesh.nglob
        op = self.operator
        mass = self.mass()
        minv = xp.asarray(1.0 / mass, dtype=dtype)
        absorbing = AbsorbingBoundary(self.mesh, self.model.law, self.absorbing_sides).prepare(
            mass, dt, xp, dtype)
        src_idx = xp.asarray(self.sources.idx)
        src_w = xp.asarray(self.sources.w, dtype=dtype)
        src_owner = xp.asarray(self.sources.owner)
        stf = xp.asarray(self.sources.time_functions(self.times), dtype=dtype)   # (nsrc, nt)
        rec_idx = xp.asarray(self.receivers.idx)
        rec_w = xp.asarray(self.receivers.w, dtype=dtype)
        nrec = len(self.receivers)
        seis = xp.zeros((self.nt, 3, nrec), dtype=dtype)

        u = xp.zeros((3, nglob), dtype=dtype)
        v = xp.zeros((3, nglob), dtype=dtype)
        if initial is not None:
            u0, v0 = initial
            for name, arr, dst in (("initial displacement", u0, u), ("initial velocity", v0, v)):
                arr = xp.asarray(arr, dtype=dtype)
                if arr.shape != (3, nglob):
                    raise ValueError(f"{name} must have shape (3, {nglob}), got {arr.shape}")
                dst[...] = arr
        a = xp.zeros_like(u)

        predict, correct = newmark.steppers(self.backend)

        def residual(step, r):
            """r (zeroed) += K u - f(t_step) + C v*, then the implicit absorbing solve."""
            op.internal_forces(u, out=r)
            if src_idx.size:
                vals = src_w * stf[src_owner, step][None, :]
                for c in range(3):
                    bk.scatter_add(r[c], src_idx, -vals[c])
            absorbing.add_damping(v, r, xp)
            absorbing.solve(r, xp)

        def record(step):
            if nrec:
                field = {"displacement": u, "velocity": v, "acceleration": a}[self.record]
                seis[step] = (field[:, rec_idx] * rec_w[None]).sum(-1)

        residual(0, a)
        correct(u, v, a, minv, 0.0)                              # a_0 = -M^-1 r_0, v unchanged
        record(0)
        bar = self._progress_bar()
        wall = _time.perf_counter()
        with np.errstate(over="ignore", invalid="ignore"):       # a blow-up is reported below
            for n in range(1, self.nt):
                predict(u, v, a, dt)
                residual(n, a)
                if not correct(u, v, a, minv, dt):
                    if bar is not None:
                        bar.close()
                    raise InstabilityError(f"the wavefield became NaN/Inf at step {n} of {self.nt - 1} "
                                           f"(t = {self.times[n]:.6g} s); dt = {dt:.6g} s may be unstable")
                record(n)
                if callback is not None:
                    callback(n, self.times[n], {"u": u, "v": v, "a": a})
                if bar is not None:
                    bar.update(1)
        if bar is not None:
            bar.close()
        self.wall_time = _time.perf_counter() - wall
        data = np.ascontiguousarray(np.transpose(bk.to_numpy(seis), (2, 1, 0))).astype(np.float64)
        self.final_fields = {"u": u, "v": v, "a": a}
        return Result(times=self.times.copy(), data=data, receivers=self.receivers.receivers,
                      quantity=self.record, sources=self.sources.sources, origin_time=self.origin_time)

    def _progress_bar(self):
        if self.progress is False or self.nt < 2:
            return None
        from tqdm.auto import tqdm
        return tqdm(total=self.nt - 1, unit="step", desc="sem", delay=0 if self.progress else 2.0,
                    leave=False)

    def report(self) -> str:
        return (f"{self.mesh.nspec} elements, order {self.mesh.order}, {self.mesh.nglob} points; "
                f"dt = {self.dt:.6g} s ({self.nt} steps, Courant {self.courant * self.dt / self.dt_courant:.3g}); "
                f"{self.mesh.nspec / self.dt:.4g} element-steps per simulated second; "
                f"backend {self.backend}, {self.dtype.name}; absorbing: {self.absorbing_sides or 'none'}")
