"""The forward simulation: set-up, checks before any work, and the run.

Explicit second-order Newmark (central difference) on the diagonal-mass system
    M a = f(t) - K u - C v,
with the absorbing damping C (3x3 blocks at boundary nodes) treated implicitly:
    u_{n+1} = u_n + dt v_n + dt^2/2 a_n
    v*      = v_n + dt/2 a_n
    a_{n+1} = (M + dt/2 C)^-1 (f(t_{n+1}) - K u_{n+1} - C v*)
    v_{n+1} = v* + dt/2 a_{n+1}
which is unconditionally stable for the damping (an explicit damping term is not, at the corner
nodes of high-order elements; see sem.physics.absorbing) while the stiffness stays explicit.
A run is a State advanced by a Stepper through the terms of sem.solver.terms; the Simulation
itself is not changed by running it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..backend import get_backend
from ..mesh.quality import resolved_period
from ..mesh.timestep import COURANT
from ..physics.attenuating import Attenuating, voigt_averages
from ..physics.attenuation import Attenuation, band_centre
from ..physics.absorbing import AbsorbingBoundary
from ..physics.coupling import Coupling
from ..receivers import ReceiverArray
from ..result import CARTESIAN, Result
from ..sources import SourceArray
from . import terms as T
from .domain import Domain, coupled_stability_limit, split_domains
from .outputs import Callback, Progress, Seismograms, read_checkpoint
from .state import State
from .stepper import InstabilityError, Stepper

RECORD = {"displacement": "u", "velocity": "v", "acceleration": "a"}
MEMORY = "memory"                         # the solid's memory variables (attenuation), (nstate, nspec * n^3)
SOLID = ("u", "v", "a")
FLUID = ("chi", "chi_dot", "chi_ddot")

__all__ = ["Simulation", "InstabilityError", "RunLog", "COURANT"]


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


@dataclass
class RunLog:
    """What a run cost: wall time of the time loop (s, waits for the device), steps taken, elements,
    backend and dtype, and whether the steps replayed one captured CUDA graph."""

    wall_time: float
    steps: int
    nspec: int
    backend: str
    dtype: str
    graph_replayed: bool = False

    @property
    def ns_per_element_step(self) -> float:
        return 1e9 * self.wall_time / max(self.steps, 1) / self.nspec


@dataclass
class RunContext:
    """What outputs see of a run: the backend, level times (nt,) s, dt (s) and the seismograms."""

    backend: object
    times: np.ndarray
    dt: float
    seismograms: Seismograms | None = None


class Simulation:
    """A forward simulation.

    mesh, model : the mesh and the material on it.
    sources, receivers : lists of sem sources and sem.Receiver.
    duration : simulated time after the origin time (s); the run starts at the earliest source
               start time if that is before 0, so `times` may begin before 0.
    dt : time step (s); None takes the Courant rule (sem.mesh.timestep). A dt above the stability
         limit is refused before any step.
    boundaries : "free" (all faces free), "absorbing" (every outer side but the mesh's free surface:
                 the top of a box, the surface of a chunk), or a list of side-set names to make absorbing.
    backend : "auto" ("cupy" where CuPy sees a GPU, else "numba"), "numba" (compiled CPU kernels),
              "numpy" (array reference), "cupy" (CUDA kernels, kernels/*.cu), or a sem.backend.Backend.
    dtype : "float32" | "float64"; default float64 on CPU, float32 on GPU.
    record : "displacement" | "velocity" | "acceleration".
    progress : None (a bar for runs longer than ~2 s), True or False.
    attenuation : None or False (elastic), True (3 standard linear solids over the default band,
                  sem.Attenuation()) or a sem.Attenuation; needs a model with Q (qmu/qkappa). The
                  solid attenuates (sem.physics.attenuating), the fluid stays elastic.
    """

    def __init__(self, mesh, model, sources=(), receivers=(), duration=None, dt=None,
                 boundaries="free", backend="auto", dtype=None, record="displacement",
                 courant=COURANT, progress=None, origin_time=None, attenuation=None):
        if model.mesh is not mesh:
            raise ValueError("model was built on a different mesh")
        if duration is None or not np.isfinite(duration) or duration <= 0:
            raise ValueError(f"duration must be a positive number of seconds, got {duration!r}")
        if record not in RECORD:
            raise ValueError(f"record must be one of {tuple(RECORD)}, got {record!r}")
        self.backend = get_backend(backend, dtype)
        self.dtype = self.backend.dtype
        self.mesh, self.model = mesh, model
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
        self.attenuation = self._attenuating_solid(attenuation)
        self.sources = SourceArray(self.solid.mesh, sources)
        self.receivers = ReceiverArray(self.solid.mesh, receivers)
        if not (np.isfinite(courant) and courant > 0):
            raise ValueError(f"courant must be a positive number, got {courant!r}")
        self.courant = float(courant)
        self.dt_courant = self.courant_dt(self.courant)
        if dt is not None and not (np.isfinite(dt) and dt > 0):
            raise ValueError(f"dt must be a positive number of seconds, got {dt!r}")
        self.dt = self.dt_courant if dt is None else float(dt)
        if self.attenuation is not None:
            self.solid.law.set_time_step(self.dt)
        if self.dt > self.courant_dt(COURANT):
            # beyond the default rule: compute the actual limit of this mesh and model
            limit = self.stability_limit()
            if self.dt > limit:
                raise ValueError(f"dt = {self.dt:.6g} s is above the stability limit {limit:.6g} s of this "
                                 f"mesh and model (Courant {COURANT} gives {self.courant_dt(COURANT):.6g} s)")
        t0 = self.sources.start_time()
        self.nt = int(np.floor((self.duration - t0) / self.dt + 1e-9)) + 1
        self.times = t0 + self.dt * np.arange(self.nt)
        self.check_memory()

    # ---- set-up --------------------------------------------------------------------------
    def _attenuating_solid(self, attenuation):
        """Make the solid domain's law attenuating (sem.physics.attenuating) as `attenuation` asks;
        returns the sem.Attenuation used, or None for an elastic run."""
        if attenuation is None or attenuation is False:
            return None
        if attenuation is True:
            attenuation = Attenuation()
        if not isinstance(attenuation, Attenuation):
            raise ValueError(f"attenuation must be True, False, None or a sem.Attenuation, got {attenuation!r}")
        if not self.model.has_q:
            raise ValueError("attenuation needs a model with quality factors: give qmu and/or qkappa to "
                             "sem.Model.isotropic / transversely_isotropic / anisotropic, or an Earth model with Q")
        if not self.backend.supports_memory_variables:
            raise NotImplementedError(f"attenuation is not available on the {self.backend.name} backend yet; "
                                      "use backend='numba' (compiled CPU) or 'numpy'")
        solid = self.solid
        info = self.mesh.earth_info
        if info is not None and info.min_period is not None:
            min_period = info.min_period
        else:
            shear = np.sqrt(voigt_averages(solid.law.voigt_matrix())[0] / solid.law.rho)   # any law
            min_period = resolved_period(solid.mesh, shear.reshape(solid.mesh.nspec, -1).min(axis=1))
        self.attenuation_band = attenuation.band_for(min_period, self.duration)
        qmu, qkappa = self.model.q
        law = Attenuating(solid.law, qmu, qkappa, self.attenuation_band, attenuation.n_sls,
                          attenuation.reference_frequency)
        self.solid = Domain("solid", solid.mesh, law)
        return attenuation

    def _impedance_law(self):
        """The solid's elastic law for the absorbing faces: with attenuation, the moduli at the
        attenuation band's centre (where the waves' energy is)."""
        if self.attenuation is None:
            return self.solid.law
        return self.solid.law.elastic(band_centre(self.attenuation_band))

    @property
    def domains(self):
        return [d for d in (self.solid, self.fluid) if d is not None]

    def _refuse_in_fluid(self, items, what):
        """Refuse points inside the fluid. A point on a solid-fluid face belongs to the solid (it is
        located in the solid's mesh, whose elements hold it): only points no solid element holds
        are in the fluid."""
        from ..interp import locate
        if not items:
            return
        elements, _ = locate(self.mesh, np.array([p.position for p in items]), what=what)
        for i in np.flatnonzero(np.isin(elements, self.model.fluid_elements)):
            try:
                locate(self.solid.mesh, items[i].position[None], what=what)
            except ValueError:
                raise ValueError(f"{what} {i} at {items[i].position.tolist()} m lies in the fluid; "
                                 f"{what}s in fluid regions are not supported yet") from None

    def courant_dt(self, courant: float = COURANT) -> float:
        """The Courant time step of the mesh and model (s): the smallest over the domains."""
        return min(d.courant_dt(courant) for d in self.domains)

    def estimated_bytes(self) -> int:
        """Memory the run needs on the compute device, bytes (fields, geometry, material, seismograms)."""
        seis = len(self.receivers) * self.solid.ncomp * self.nt * 8 + 8 * self.nt      # seismograms and times
        return sum(d.estimated_bytes(self.dtype.itemsize) for d in self.domains) + seis

    def check_memory(self):
        need = self.estimated_bytes()
        avail = self.backend.available_bytes()
        if need > avail:
            raise MemoryError(f"this simulation needs about {need / 2**30:.2f} GiB but only "
                              f"{avail / 2**30:.2f} GiB is available on the {self.backend.name} device")

    def stability_limit(self, tol: float = 1e-4, coupled: bool = True) -> float:
        """Largest stable dt (s), in float64. Without a fluid: 2 / sqrt(lambda_max(M^-1 K)) by Lanczos.
        With one and `coupled`: the limit of the whole coupled step (sem.solver.domain.
        coupled_stability_limit); `coupled=False` gives the smallest of the separate domains' limits."""
        if self.fluid is not None and coupled:
            return coupled_stability_limit(self.solid, self.fluid, Coupling(self.solid.mesh, self.fluid.mesh),
                                           self.backend, tol)
        return min(d.stability_limit(self.backend, tol) for d in self.domains)

    def mass(self) -> np.ndarray:
        """Diagonal mass matrix of the solid at its global points, (nglob_solid,), kg."""
        return self.solid.mass()

    def state_layout(self) -> dict:
        """The fields of this simulation's State: name -> (ncomp, npoints)."""
        layout = {k: (self.solid.ncomp, self.solid.nglob) for k in SOLID}
        if self.fluid is not None:
            layout.update({k: (1, self.fluid.nglob) for k in FLUID})
        if self.solid.memory_size:                 # memory variables, in the operator's element order
            layout[MEMORY] = (self.solid.memory_size, self.solid.mesh.nspec * self.mesh.ngll**self.mesh.ndim)
        return layout

    def _inverse_mass(self, domain):
        minv = self.backend.zeros(1, domain.nglob)[0]                     # 0 on padding points
        minv[:domain.nglob] = self.backend.asarray(1.0 / domain.mass())
        return minv

    def terms(self, flag) -> list:
        """The ordered terms of one time step on this simulation's backend (see sem.solver.terms)."""
        be, dt, solid, fluid = self.backend, self.dt, self.solid, self.fluid
        out = [T.NewmarkPredict(be, SOLID, dt)]
        if fluid is not None:
            coupling = Coupling(solid.mesh, fluid.mesh)
            data = be.coupling_data(coupling)
            out += [T.NewmarkPredict(be, FLUID, dt),
                    T.InternalForces(fluid.operator(be), "chi", "chi_ddot"),   # uses the predicted u_{n+1}
                    T.SolidFluidCoupling(be, coupling, "fluid", data),
                    T.NewmarkCorrect(be, FLUID, self._inverse_mass(fluid), dt, flag)]
        out.append(T.InternalForces(solid.operator(be), "u", "a", MEMORY if solid.memory_size else None))
        if fluid is not None:
            out.append(T.SolidFluidCoupling(be, coupling, "solid", data))       # uses the new chi_ddot
        src = self.sources
        out += [T.PointForcing(be, src.idx, src.w, src.owner, len(src.sources),
                               table=src.time_functions(self.times)),
                T.AbsorbingSolve(be, AbsorbingBoundary(solid.mesh, self._impedance_law(), self.absorbing_sides),
                                 solid.mass(), dt),
                T.NewmarkCorrect(be, SOLID, self._inverse_mass(solid), dt, flag)]
        return out

    # ---- run ----------------------------------------------------------------------------
    def run(self, steps=None, initial=None, callback=None, outputs=(), restart=None,
            keep_state=False) -> Result:
        """Run the time loop and return the seismograms (a sem.Result; `result.log` has the timing).

        steps : run only the first `steps` steps (default all: nt - 1); the Result covers them.
        initial : optional (u0, v0), each (3, nglob_solid), initial displacement (m) and velocity (m/s)
                  of the solid (the fluid starts at rest).
        callback : optional f(step, time, fields) called after every step with the device fields
                   dict {"u", "v", "a"} of the solid (and "chi", "chi_dot", "chi_ddot" with a fluid);
                   for diagnostics (it slows the run).
        outputs : scheduled outputs (sem.Snapshots, sem.Checkpoints, ...; see sem.solver.outputs).
        restart : a checkpoint file of this simulation (sem.Checkpoints) to continue from.
        keep_state : put the final State in `result.state`.
        """
        last = self.nt - 1 if steps is None else int(steps)
        if not 0 <= last <= self.nt - 1:
            raise ValueError(f"steps must be between 0 and {self.nt - 1}, got {steps!r}")
        be = self.backend
        flag = be.new_flag()
        stepper = Stepper(be, self.terms(flag), flag=flag, times=self.times, dt=self.dt)
        rec = T.PointForcing.interpolation(be, self.receivers.idx, self.receivers.w, self.solid.ncomp)
        seismograms = Seismograms(be, rec, RECORD[self.record], self.nt)
        stepper.recorders.append(seismograms)
        run = RunContext(be, self.times, self.dt, seismograms)
        outputs = list(outputs)
        if callback is not None:
            outputs.append(Callback(callback))
        if self.progress is not False and self.nt >= 2:
            outputs.append(Progress(delay=0.0 if self.progress else 2.0))
        if restart is not None:
            if initial is not None:
                raise ValueError("give either initial fields or a checkpoint to restart from, not both")
            state, seis = read_checkpoint(restart, run, be)
            if state.npoints != {k: n for k, (_, n) in self.state_layout().items()}:
                raise ValueError(f"{restart}: its fields {state.npoints} do not match this simulation")
            if state.step > last:
                raise ValueError(f"{restart}: checkpoint at step {state.step}, beyond the last step {last}")
            if seis is not None:
                seismograms.buffer[:len(seis)] = be.asarray(seis)
        else:
            state = State.zeros(be, self.state_layout())
            if initial is not None:
                for name, arr, field in (("initial displacement", initial[0], "u"),
                                         ("initial velocity", initial[1], "v")):
                    arr = np.asarray(arr) if not hasattr(arr, "__cuda_array_interface__") else arr
                    if arr.shape != (self.solid.ncomp, self.solid.nglob):
                        raise ValueError(f"{name} must have shape ({self.solid.ncomp}, {self.solid.nglob}), "
                                         f"got {arr.shape}")
                    state.set(field, arr)
        first, ok = state.step, False
        with be.run_context():
            if restart is None:
                stepper.initialize(state)
            for out in outputs:
                out.start(run, state)
            try:
                wall = stepper.run(state, last, outputs)
                ok = True
            finally:
                for out in outputs:
                    out.finish(run, ok)
        log = RunLog(wall_time=wall, steps=last - first, nspec=self.mesh.nspec, backend=be.name,
                     dtype=self.dtype.name, graph_replayed=stepper.replayed)
        return Result(times=self.times[:last + 1].copy(), data=seismograms.data()[:, :, :last + 1],
                      receivers=self.receivers.receivers, quantity=self.record, sources=self.sources.sources,
                      origin_time=self.origin_time, components=CARTESIAN[:self.solid.ncomp], log=log,
                      state=state if keep_state else None)

    def report(self) -> str:
        out = (f"{self.mesh.nspec} elements, order {self.mesh.order}, {self.mesh.nglob} points; "
               f"dt = {self.dt:.6g} s ({self.nt} steps, Courant {self.courant * self.dt / self.dt_courant:.3g}); "
               f"{self.mesh.nspec / self.dt:.4g} element-steps per simulated second; "
               f"backend {self.backend.name}, {self.dtype.name}; absorbing: {self.absorbing_sides or 'none'}")
        if self.attenuation is not None:
            law, (lo, hi) = self.solid.law, self.attenuation_band
            nbytes = self.state_layout()[MEMORY][0] * self.state_layout()[MEMORY][1] * self.dtype.itemsize
            out += (f"; attenuation: {law.n_sls} SLS over {lo:.4g}-{hi:.4g} s (Q within {100 * law.q_error:.2g} %), "
                    f"velocities at {self.attenuation.reference_frequency:g} Hz, memory variables "
                    f"{nbytes / 2**20:.1f} MiB")
        return out
