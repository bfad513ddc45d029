"""Shared timing of whole time steps for the benchmark scripts."""

import time


def seconds_per_step(sim, steps: int, initial=None):
    """(seconds per step, set-up seconds) of sim.run(): a 2-step warm-up (compiles), then runs of
    `steps` and 2 x `steps` steps (sim must have at least 2 x `steps` steps). Seconds per step is
    the time loop's own wall time (result.log, which waits for the GPU) of the longer run; set-up is
    the rest of that run. `initial`: optional (u0, v0) to start from instead of rest."""
    if sim.nt - 1 < 2 * steps:
        raise ValueError(f"the simulation has {sim.nt - 1} steps, fewer than the 2 x {steps} to time")
    for n in (2, steps, 2 * steps):
        t = time.perf_counter()
        res = sim.run(steps=n, initial=initial)
        wall = time.perf_counter() - t
    return res.log.wall_time / (2 * steps), wall - res.log.wall_time
