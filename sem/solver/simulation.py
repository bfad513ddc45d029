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
from .domain import split_domains
from .physics.absorbing import AbsorbingBoundary
from .physics.coupling import Coupling
from .receivers import ReceiverArray
from .result import Result
from .sources import SourceArray

#: default Courant number: dt = COURANT * min over elements of (smallest GLL spacing / largest velocity).
#: The measured stability limit of this scheme is at Courant 0.55-0.7 for orders 1-8 on regular meshes
#: (tests/unit/test_stability.py); 0.4 leaves room for distorted elements.
COURANT = 0.4
RECORD = ("displacement", "velocity", "acceleration")


def _captured(body, n):
    """Run body(n) for one GPU step while capturing its launches in a CUDA graph; returns a function
    that replays that graph (one launch per step instead of one per pass, with no Python in
    between), or None where capture fails (then body(n) has run without it)."""
    import cupy
    stream = cupy.cuda.get_current_stream()
    if stream.ptr == 0:                              # the legacy default stream cannot capture
        body(n)
        return None
    try:
        stream.begin_capture(cupy.cuda.runtime.streamCaptureModeRelaxed)
        try:
            body(n)
        finally:
            graph = stream.end_capture()
    except Exception:                                # pragma: no cover - depends on the driver
        body(n)
        return None
    graph.launch(stream)
    return lambda: graph.launch(stream)


class InstabilityError(FloatingPointError):
    """The wavefield became NaN or Inf during the run."""


def _absorbing_sides(mesh, boundaries):
    if boundaries in (None, "free"):
        return []
    if boundaries == "absorbing":                     # every outer side but the free surface
        return [n for n in mesh.outer_sides if n != mesh.free_surface]
    if isinstance(boundaries, str):
        boundaries = [boundaries]
    names = list(boundaries)
    unknown = [n for n in names if n not in mesh.side_sets]
    if unknown:
        raise ValueError(f"unknown boundary name(s) {unknown}: use 'free', 'absorbing' or a list of side "
                         f"sets of this mesh {sorted(mesh.side_sets)}")
    return names


class Simulation:
    """A forward simulation.

    mesh, model : the mesh and the material on it.
    sources, receivers : lists of sem sources and sem.Receiver.
    duration : simulated time after the origin time (s); the run starts at the earliest source
               start time if that is before 0, so `times` may begin before 0.
    dt : time step (s); None takes COURANT * min(h_gll / v_max). A dt above the stability limit
         is refused before any step.
    boundaries : "free" (all faces free), "absorbing" (every outer side but the mesh's free surface:
                 the top of a box, the surface of a chunk), or a list of side-set names to make absorbing.
    backend : "auto" ("cupy" where CuPy sees a GPU, else "numba"), "numba" (compiled CPU kernels),
              "numpy" (array reference), "cupy" (CUDA kernels, kernels/*.cu).
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
            backend = "cupy" if bk.gpu_available() else "numba"
        bk.get_xp(backend)
        self.mesh, self.model = mesh, model
        self.backend = backend
        self.dtype = bk.resolve_dtype(dtype, backend)
        self.record = record
        self.progress = progress
        if origin_time is None:                                   # e.g. the list read_cmtsolution returns
            origin_time = getattr(sources, "origin_time", None)
        self.origin_time = origin_time
        self.duration = float(duration)
        self.absorbing_sides = _absorbing_sides(mesh, boundaries)
        self.solid, self.fluid = split_domains(mesh, model)
        if self.fluid is not None:
            self._refuse_in_fluid(sources, "source")
            self._refuse_in_fluid(receivers, "receiver")
            touching = [n for n in self.absorbing_sides if len(self.fluid.mesh.side_set(n))]
            if touching:
                raise ValueError(f"absorbing side(s) {touching} touch fluid elements; absorbing fluid faces "
                                 "are not supported yet")
        self.sources = SourceArray(self.solid.mesh, sources)
        self.receivers = ReceiverArray(self.solid.mesh, receivers)
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
        self.check_memory()
        self.times = t0 + self.dt * np.arange(self.nt)

    # ---- set-up --------------------------------------------------------------------------
    @property
    def domains(self):
        return [d for d in (self.solid, self.fluid) if d is not None]

    def _refuse_in_fluid(self, items, what):
        from .interp import locate
        if not items:
            return
        elements, _ = locate(self.mesh, np.array([p.position for p in items]), what=what)
        inside = np.flatnonzero(np.isin(elements, self.model.fluid_elements))
        if inside.size:
            raise ValueError(f"{what} {inside[0]} at {items[inside[0]].position.tolist()} m lies in the fluid; "
                             f"{what}s in fluid regions are not supported yet")

    def min_h_over_v(self) -> float:
        """min over elements of (smallest GLL spacing / largest wave speed), seconds."""
        if getattr(self, "_h_over_v", None) is None:
            self._h_over_v = min(d.min_h_over_v() for d in self.domains)
        return self._h_over_v

    def estimated_bytes(self) -> int:
        """Memory the run needs on the compute device, bytes (fields, geometry, material, seismograms)."""
        seis = len(self.receivers) * 3 * self.nt * 8 + 8 * self.nt      # seismograms and times
        return sum(d.estimated_bytes(self.dtype.itemsize) for d in self.domains) + seis

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

    def stability_limit(self, tol: float = 1e-4) -> float:
        """Largest stable dt (s): the smallest of the domains' limits 2 / sqrt(lambda_max(M^-1 K)),
        each by Lanczos in float64. (The solid-fluid coupling is left out of this estimate.)"""
        return min(d.stability_limit(self.backend, tol) for d in self.domains)

    def mass(self) -> np.ndarray:
        """Diagonal mass matrix of the solid at its global points, (nglob_solid,), kg."""
        return self.solid.mass()

    # ---- run ----------------------------------------------------------------------------
    def run(self, initial=None, callback=None) -> Result:
        """Run the time loop and return the seismograms.

        initial : optional (u0, v0), each (3, nglob_solid), initial displacement (m) and velocity (m/s)
                  of the solid (the fluid starts at rest).
        callback : optional f(step, time, fields) called after every step with the device fields
                   dict {"u", "v", "a"} of the solid (and "chi", "chi_dot", "chi_ddot" with a fluid);
                   for diagnostics (it slows the run).
        """
        if self.backend != "cupy":
            return self._run(initial, callback)
        import cupy
        cupy.cuda.Device().synchronize()                  # set-up copies are done
        with cupy.cuda.Stream(non_blocking=True):         # a stream of its own: its steps can be captured
            return self._run(initial, callback)

    def _run(self, initial, callback) -> Result:
        xp = bk.get_xp(self.backend)
        dt, dtype = self.dt, self.dtype
        stepper = newmark.Newmark(self.backend)
        gpu = self.backend == "cupy"
        if gpu:
            from . import cuda_passes
            step_dev = cuda_passes.step_counter(0)      # the step number, on the device
        solid, fluid = self.solid, self.fluid
        op_s = solid.operator(self.backend, dtype)
        rows = cuda_passes.padded if gpu else int                # GPU field rows: 128-byte aligned
        mass_s = solid.mass()
        minv_s = xp.zeros(rows(solid.nglob), dtype=dtype)         # 0 on padding points
        minv_s[:solid.nglob] = xp.asarray(1.0 / mass_s, dtype=dtype)
        absorbing = AbsorbingBoundary(solid.mesh, solid.law, self.absorbing_sides).prepare(mass_s, dt, xp, dtype)
        src_idx = xp.asarray(self.sources.idx, dtype=np.int64)
        src_w = xp.ascontiguousarray(xp.asarray(self.sources.w, dtype=dtype))
        src_owner = xp.asarray(self.sources.owner, dtype=np.int64)
        stf = xp.ascontiguousarray(xp.asarray(self.sources.time_functions(self.times), dtype=dtype))   # (nsrc, nt)
        rec_idx = xp.asarray(self.receivers.idx, dtype=np.int64)
        rec_w = xp.asarray(self.receivers.w, dtype=dtype)
        nrec = len(self.receivers)
        seis = xp.zeros((self.nt, 3, nrec), dtype=dtype)

        u, v, a = (xp.zeros((3, rows(solid.nglob)), dtype=dtype) for _ in range(3))
        if initial is not None:
            for name, arr, dst in (("initial displacement", initial[0], u), ("initial velocity", initial[1], v)):
                arr = xp.asarray(arr, dtype=dtype)
                if arr.shape != (3, solid.nglob):
                    raise ValueError(f"{name} must have shape (3, {solid.nglob}), got {arr.shape}")
                dst[:, :solid.nglob] = arr
        if fluid is not None:
            op_f = fluid.operator(self.backend, dtype)
            minv_f = xp.zeros(rows(fluid.nglob), dtype=dtype)
            minv_f[:fluid.nglob] = xp.asarray(1.0 / fluid.mass(), dtype=dtype)
            coupling = Coupling(solid.mesh, fluid.mesh).to(xp, dtype)
            chi, chi_d, chi_dd = (xp.zeros((1, rows(fluid.nglob)), dtype=dtype) for _ in range(3))

        def fluid_residual(r):
            """r (zeroed) += K_f chi - C^T u: the fluid first, driven by the predicted solid displacement."""
            op_f.internal_forces(chi, out=r)
            coupling.add_displacement(u, r)

        def solid_residual(step, r):
            """r (zeroed) += K u + C chi_dd - f(t_step) + C_abs v*, then the implicit absorbing solve."""
            op_s.internal_forces(u, out=r)
            if fluid is not None:
                coupling.add_pressure(chi_dd, r)
            if gpu:
                cuda_passes.inject(r, src_idx, src_w, src_owner, stf, step_dev)
            elif src_idx.size:
                vals = src_w * stf[src_owner, step][None, :]
                for c in range(3):
                    bk.scatter_add(r[c], src_idx, -vals[c])
            absorbing.apply(v, r)

        def step_fields(n):
            """One Newmark step to t_n (n = 0: the initial accelerations only); a non-finite
            displacement is noted by the stepper (see Newmark.bad_step)."""
            h = dt if n else 0.0
            step = step_dev if gpu else n
            if n:
                stepper.predict(u, v, a, dt)
            if fluid is not None:
                if n:
                    stepper.predict(chi, chi_d, chi_dd, dt)
                fluid_residual(chi_dd)                   # uses the predicted u_{n+1}
                stepper.correct(chi, chi_d, chi_dd, minv_f, h, step)
            solid_residual(n, a)                         # uses the new chi_dd_{n+1}
            stepper.correct(u, v, a, minv_s, h, step)

        def record(step):
            if nrec:
                field = {"displacement": u, "velocity": v, "acceleration": a}[self.record]
                if gpu:
                    cuda_passes.record(seis, field, rec_idx, rec_w, step_dev)
                else:
                    seis[step] = (field[:, rec_idx] * rec_w[None]).sum(-1)
            if gpu:
                cuda_passes.advance(step_dev)

        def step_and_record(n):
            step_fields(n)
            record(n)

        def fields():
            ns = solid.nglob
            out = {"u": u[:, :ns], "v": v[:, :ns], "a": a[:, :ns]}
            if fluid is not None:
                nf = fluid.nglob
                out.update(chi=chi[:, :nf], chi_dot=chi_d[:, :nf], chi_ddot=chi_dd[:, :nf])
            return out

        step_and_record(0)
        bar = self._progress_bar()
        wall = _time.perf_counter()
        replay, capture = None, gpu and callback is None
        with np.errstate(over="ignore", invalid="ignore"):       # a blow-up is reported below
            for n in range(1, self.nt):
                if replay is not None:
                    replay()
                elif capture and n >= 2:                     # the same launches for every step n >= 1
                    capture = False
                    replay = _captured(step_and_record, n)
                else:
                    step_and_record(n)
                if n % stepper.check_every == 0 or n == self.nt - 1:
                    bad = stepper.bad_step()
                    if bad is not None:
                        if bar is not None:
                            bar.close()
                        raise InstabilityError(f"the wavefield became NaN/Inf at step {bad} of {self.nt - 1} "
                                               f"(t = {self.times[bad]:.6g} s); dt = {dt:.6g} s may be unstable")
                if callback is not None:
                    callback(n, self.times[n], fields())
                if bar is not None:
                    bar.update(1)
        if bar is not None:
            bar.close()
        if self.backend == "cupy":                            # the loop only queued the GPU work
            xp.cuda.get_current_stream().synchronize()
        self.wall_time = _time.perf_counter() - wall          # the time loop alone, s
        self.captured = replay is not None                     # whether the steps replayed a CUDA graph
        data = np.ascontiguousarray(np.transpose(bk.to_numpy(seis), (2, 1, 0))).astype(np.float64)
        self.final_fields = fields()
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
