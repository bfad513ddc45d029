"""Outputs of a run: seismograms every step, and outputs on a schedule (snapshots, checkpoints,
progress, a user callback) that the stepper calls after the steps they are due at.

    sim.run(outputs=[sem.Snapshots("out/snap.h5", every=50, fields=("u",)),
                     sem.Checkpoints("out/ckpt.h5", every=1000)])
    sim.run(restart="out/ckpt.h5")          # continues from the last checkpoint, bit for bit

An output has a `Schedule` (every k steps and/or at given times, s), `start(run)` before the loop,
`__call__(state)` when due, `finish(run)` after the loop (also after an error, with ok=False). The
`run` handed to start/finish is the RunContext of sem.solver.simulation (times, dt, backend,
seismograms so far). Files are written atomically: complete under their name, or not there.
"""

from __future__ import annotations

import numpy as np


class Schedule:
    """Steps an output is due at: every `every` steps (counted from step 0) and the steps nearest
    to `times` (s). `due(n)` for step n."""

    def __init__(self, every: int | None = None, times=None):
        if every is not None and (int(every) != every or every < 1):
            raise ValueError(f"every must be a positive number of steps, got {every!r}")
        self.every = None if every is None else int(every)
        self.times = None if times is None else np.atleast_1d(np.asarray(times, dtype=float))
        self.steps = set()

    def bind(self, times):
        """Resolve `times` to step numbers of a run whose levels are at `times` (nt,)."""
        self.steps = set()
        if self.times is not None:
            if np.any(self.times < times[0]) or np.any(self.times > times[-1] + 1e-9 * abs(times[-1])):
                raise ValueError(f"output times {self.times.tolist()} lie outside the run [{times[0]:.6g}, "
                                 f"{times[-1]:.6g}] s")
            self.steps = set(np.rint((self.times - times[0]) / (times[1] - times[0])).astype(int).tolist()) \
                if len(times) > 1 else {0}
        return self

    def due(self, n: int) -> bool:
        return (self.every is not None and n % self.every == 0) or n in self.steps


class Output:
    """Base of the scheduled outputs."""

    #: False for outputs that must see every pass launched (a user callback on the GPU)
    allows_capture = True

    def __init__(self, every=None, times=None):
        self.schedule = Schedule(every, times)

    def due(self, n: int) -> bool:
        return self.schedule.due(n)

    def start(self, run, state):
        self.schedule.bind(run.times)

    def __call__(self, state):
        raise NotImplementedError

    def finish(self, run, ok: bool = True):
        pass


class Seismograms:
    """The receivers' recording, every step: seis (nt, 3, nrec) on the device; `data()` on the host
    as (nrec, 3, nt) float64."""

    def __init__(self, backend, receivers_forcing, field: str, nt: int):
        self.backend, self.forcing, self.field = backend, receivers_forcing, field
        self.nrec = receivers_forcing.ngroups // receivers_forcing.ncomp
        self.buffer = backend.xp.zeros((nt, receivers_forcing.ncomp, self.nrec), dtype=backend.dtype)

    def record(self, state):
        if self.nrec:
            self.forcing.record(self.buffer, state[self.field], state.counter)

    def data(self) -> np.ndarray:
        return np.ascontiguousarray(np.transpose(self.backend.to_numpy(self.buffer), (2, 1, 0))).astype(np.float64)


class Snapshots(Output):
    """Wavefield snapshots to one HDF5 file: for each field name, a dataset (nsnap, ncomp, npoints)
    of the real points, with `steps` and `times` (s) datasets; written to a temporary name while the
    run goes on and renamed when it ends (kept under the temporary name on an error: removed)."""

    def __init__(self, path, every=None, times=None, fields=("u",), dtype=None):
        super().__init__(every, times)
        self.path, self.fields, self.dtype = path, tuple(fields), dtype
        self._file = None

    def start(self, run, state):
        import contextlib

        import h5py

        from ..io.atomic import atomic_path
        super().start(run, state)
        unknown = [f for f in self.fields if f not in state]
        if unknown:
            raise ValueError(f"snapshot fields {unknown} are not in this run's state {state.names()}")
        self._stack = contextlib.ExitStack()
        tmp = self._stack.enter_context(atomic_path(self.path))
        self._file = self._stack.enter_context(h5py.File(tmp, "w"))
        self._times = run.times
        for f in self.fields:
            ncomp, n = state[f].shape[0], state.npoints[f]
            self._file.create_dataset(f, shape=(0, ncomp, n), maxshape=(None, ncomp, n),
                                      dtype=self.dtype or state[f].dtype, chunks=(1, ncomp, n))
        self._file.create_dataset("steps", shape=(0,), maxshape=(None,), dtype=np.int64)
        self._file.create_dataset("times", shape=(0,), maxshape=(None,), dtype=np.float64)
        self._file.attrs["dt"] = run.dt

    def __call__(self, state):
        k = self._file["steps"].shape[0]
        for name in ("steps", "times", *self.fields):
            self._file[name].resize(k + 1, axis=0)
        self._file["steps"][k] = state.step
        self._file["times"][k] = self._times[state.step]
        for f in self.fields:
            self._file[f][k] = state.backend.to_numpy(state.view(f))

    def finish(self, run, ok=True):
        if self._file is None:
            return
        self._file = None
        if ok:
            self._stack.close()                                # closes the file, then renames it
        else:
            self._stack.__exit__(RuntimeError, RuntimeError("run failed"), None)


class Checkpoints(Output):
    """The latest restartable checkpoint in one HDF5 file (replaced atomically each time): the state,
    the seismograms so far and what identifies the run (dt, steps, start time, field shapes).
    `Simulation.run(restart=path)` continues from it and gives the uninterrupted run bit for bit."""

    def __init__(self, path, every=None, times=None):
        super().__init__(every, times)
        self.path = path

    def start(self, run, state):
        super().start(run, state)
        self._run = run

    def __call__(self, state):
        import h5py

        from ..io.atomic import atomic_path
        run = self._run
        with atomic_path(self.path) as tmp, h5py.File(tmp, "w") as f:
            f.attrs["format"] = "sem-checkpoint-1"
            f.attrs["dt"] = run.dt
            f.attrs["nt"] = len(run.times)
            f.attrs["t0"] = float(run.times[0])
            state.write(f.create_group("state"))
            if run.seismograms is not None:
                f.create_dataset("seismograms", data=run.backend.to_numpy(run.seismograms.buffer[:state.step + 1]))


def read_checkpoint(path, run, backend):
    """(State, seismograms so far (n + 1, 3, nrec) or None) from a checkpoint of the same run."""
    import h5py

    from .state import State
    with h5py.File(path, "r") as f:
        if f.attrs.get("format") != "sem-checkpoint-1":
            raise ValueError(f"{path}: not a sem checkpoint")
        for key, want in (("dt", run.dt), ("nt", len(run.times)), ("t0", float(run.times[0]))):
            if not np.isclose(f.attrs[key], want, rtol=1e-12, atol=0):
                raise ValueError(f"{path}: checkpoint of another run ({key} = {f.attrs[key]}, this run {want})")
        state = State.read(f["state"], backend)
        seis = f["seismograms"][...] if "seismograms" in f else None
    return state, seis


class Progress(Output):
    """A tqdm progress bar over the steps (shown after `delay` seconds)."""

    def __init__(self, delay: float = 2.0):
        super().__init__(every=1)
        self.delay = delay
        self.bar = None

    def start(self, run, state):
        super().start(run, state)
        from tqdm.auto import tqdm
        self.bar = tqdm(total=len(run.times) - 1, initial=state.step, unit="step", desc="sem", delay=self.delay,
                        leave=False)

    def __call__(self, state):
        self.bar.update(1)

    def finish(self, run, ok=True):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class Callback(Output):
    """f(step, time, fields) after every step (or on a schedule), with the device fields of the
    state without padding, e.g. {"u", "v", "a"} and, with a fluid, {"chi", "chi_dot", "chi_ddot"}.
    For diagnostics: it slows the run, and on the GPU every pass is then launched one by one."""

    allows_capture = False

    def __init__(self, fn, every=1, times=None):
        super().__init__(every, times)
        self.fn = fn

    def start(self, run, state):
        super().start(run, state)
        self._times = run.times

    def __call__(self, state):
        self.fn(state.step, self._times[state.step], {k: state.view(k) for k in state.names()})
