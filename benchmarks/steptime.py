"""Shared timing of whole time steps for the benchmark scripts."""

import time

import numpy as np


def seconds_per_step(sim, steps: int):
    """(seconds per step, set-up seconds) of sim.run(): a 2-step warm-up (compiles), then runs of
    `steps` and 2 x `steps` steps. Seconds per step is the time loop's own wall time (sim.wall_time,
    which waits for the GPU) of the longer run; set-up is the rest of that run."""
    start = sim.times[0]
    walls = []
    for n in (2, steps, 2 * steps):
        sim.nt = n + 1
        sim.times = start + sim.dt * np.arange(sim.nt)
        t = time.perf_counter()
        sim.run()
        walls.append(time.perf_counter() - t)
    per_step = sim.wall_time / (2 * steps)
    return per_step, walls[2] - sim.wall_time
