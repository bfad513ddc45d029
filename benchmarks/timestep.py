"""Whole time steps of a forward run (operator + Newmark updates + sources, receivers, absorbing faces)
against the operator alone, on the CPU: prints ns per element per step for both.

    python benchmarks/timestep.py [--elements 32 32 30] [--order 4] [--steps 60] [--dtype float32]
"""

import argparse
import os
import time

import numba
import numpy as np

import sem
from steptime import seconds_per_step


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--elements", type=int, nargs=3, default=(32, 32, 30))
    p.add_argument("--order", type=int, default=4)
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--dtype", default="float32")
    p.add_argument("--threads", type=int, default=numba.config.NUMBA_NUM_THREADS)
    a = p.parse_args()
    numba.set_num_threads(a.threads)
    size = np.array(a.elements, float) * 1000.0
    mesh = sem.mesh.box(size, a.elements, order=a.order)
    model = sem.Model.isotropic(mesh, vp=6000.0, vs=3500.0, rho=3000.0)
    src = sem.MomentTensorSource(size / 2 + 17.0, (1e15, 1e15, 1e15, 0, 0, 0), sem.stf.Ricker(0.5))
    recs = [sem.Receiver((size[0] * f, size[1] / 2, size[2]), f"R{i}") for i, f in enumerate((0.2, 0.4, 0.6))]
    sim = sem.Simulation(mesh, model, [src], recs, duration=1.0, boundaries="absorbing", dtype=a.dtype,
                         progress=False)
    op = sim.solid.operator(sim.backend)                                # compile outside the timing
    u = np.zeros((3, mesh.nglob), dtype=sim.dtype)
    out = np.zeros_like(u)
    op.internal_forces(u, out)
    full, setup = seconds_per_step(sim, a.steps)
    t = time.perf_counter()
    for _ in range(a.steps):
        op.internal_forces(u, out)
    kernel = (time.perf_counter() - t) / a.steps
    print(f"# {mesh.nspec} elements, order {a.order}, {a.dtype}, {a.threads} thread(s), "
          f"load {os.getloadavg()[0]:.2f}")
    print(f"operator alone : {1e9 * kernel / mesh.nspec:8.0f} ns per element per step")
    print(f"whole time step: {1e9 * full / mesh.nspec:8.0f} ns per element per step "
          f"(Newmark updates, sources, receivers, absorbing faces; run() set-up {setup:.2f} s apart)")


if __name__ == "__main__":
    main()
