"""The stepper: advances a State through an ordered list of terms, with outputs on a schedule.

    stepper = Stepper(backend, terms, recorders=[seismograms], flag=flag)
    stepper.initialize(state)                    # level 0: the initial accelerations
    stepper.run(state, last_step, outputs)       # levels state.step + 1 .. last_step

One step to level n runs every term's `apply`, then the per-step recorders (the seismograms, a
pass on the device), then advances the backend's step counter. On a backend that can capture
(CUDA), the passes of one step are captured once and replayed for every later step: outputs on a
schedule (snapshots, checkpoints, progress) run on the host between replays, so they do not stop
the replay. The wavefield is checked for NaN/Inf every `backend.check_every` steps; an unstable
run stops with the step number.
"""

from __future__ import annotations

import time

import numpy as np


class InstabilityError(FloatingPointError):
    """The wavefield became NaN or Inf during the run."""


class Stepper:
    """Terms applied in order; `recorders` (objects with `record(state)`) run after them in every step."""

    def __init__(self, backend, terms, recorders=(), flag=None, times=None, dt=None):
        self.backend = backend
        self.terms = list(terms)
        self.recorders = list(recorders)
        self.flag = backend.new_flag() if flag is None else flag
        self.times = times
        self.dt = dt
        self.replayed = False            # whether the last run replayed a captured step

    def _passes(self, state):
        for term in self.terms:
            term.apply(state)
        for rec in self.recorders:
            rec.record(state)
        state.counter = self.backend.advance(state.counter)

    def initialize(self, state):
        """The passes of level 0 (state.step must be 0): the accelerations of the initial state."""
        if state.step != 0:
            raise ValueError(f"initialize needs a state at step 0, got step {state.step}")
        state.counter = self.backend.step_counter(0)
        self._passes(state)

    def step(self, state):
        """One step: state.step -> state.step + 1."""
        state.step += 1
        self._passes(state)

    def check(self, state):
        """Raise InstabilityError if a field became NaN/Inf at or before state.step."""
        bad = self.backend.first_bad_step(self.flag)
        if bad is not None:
            when = f" (t = {self.times[bad]:.6g} s)" if self.times is not None else ""
            hint = f"; dt = {self.dt:.6g} s may be unstable" if self.dt is not None else ""
            raise InstabilityError(f"the wavefield became NaN/Inf at step {bad}{when}{hint}")

    def run(self, state, last_step: int, outputs=(), capture: bool = True):
        """Advance `state` to level `last_step`, calling each output when it is due (after its
        step). Returns the wall time of the loop (s; waits for the device)."""
        backend = self.backend
        outputs = list(outputs)
        capture = capture and backend.can_capture and all(o.allows_capture for o in outputs)
        replay = None
        self.replayed = False
        state.counter = backend.step_counter(state.step + 1)
        wall = time.perf_counter()
        with np.errstate(over="ignore", invalid="ignore"):       # a blow-up is reported by check()
            while state.step < last_step:
                if replay is not None:
                    state.step += 1
                    replay()
                elif capture and state.step >= 1:                 # every step from 2 on is the same
                    state.step += 1
                    replay = backend.capture(lambda: self._passes(state))
                    self.replayed = replay is not None
                    capture = False
                else:
                    self.step(state)
                n = state.step
                if n % backend.check_every == 0 or n == last_step:
                    self.check(state)
                for out in outputs:
                    if out.due(n):
                        out(state)
        backend.synchronize()
        return time.perf_counter() - wall
