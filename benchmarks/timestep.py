"""Whole time steps of a forward run on the CPU, from rest and from a large random field, against
the operator alone and what the bytes of the Newmark passes allow: ns per element per step.

    python benchmarks/timestep.py [--elements 32 32 30] [--order 4] [--steps 60] [--dtype float32] [--threads 1]

A run from rest is what a user runs: its wavefield's quiet tails underflow towards subnormal numbers,
which some CPUs compute slowly (the compiled kernels flush them to zero, see sem.operators.fpenv).
The same steps from a random field of unit size have no subnormals. The bound is
operator alone + the Newmark passes' bytes / the measured copy bandwidth of this many threads
(predict reads and writes u, v, a; correct reads 1/M, u, v, a and writes v, a: 34 values per
global point for 3 components), i.e. the step is not slower than its parts. Figures only.
"""

import argparse
import os
import time

import numba
import numpy as np

import sem
from steptime import seconds_per_step
from throughput import memory_bandwidth

NEWMARK_VALUES_PER_POINT = 34          # predict 9 read + 9 written; correct 10 read + 6 written


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
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

    def simulation(duration, dt=None):
        return sem.Simulation(mesh, model, [src], recs, duration=duration, dt=dt, boundaries="absorbing",
                              dtype=a.dtype, progress=False)
    dt = simulation(1.0).dt
    sim = simulation(2.5 * a.steps * dt + 2.4, dt)                  # the Ricker starts 2.4 s before 0
    op = sim.solid.operator(sim.backend)                             # compile outside the timing
    u = np.zeros((3, mesh.nglob), dtype=sim.dtype)
    out = np.zeros_like(u)
    op.internal_forces(u, out)
    t = time.perf_counter()
    for _ in range(a.steps):
        op.internal_forces(u, out)
    kernel = (time.perf_counter() - t) / a.steps
    rest, setup = seconds_per_step(sim, a.steps)
    rng = np.random.default_rng(0)
    u0 = rng.standard_normal((3, mesh.nglob))
    random, _ = seconds_per_step(sim, a.steps, initial=(u0, rng.standard_normal((3, mesh.nglob))))
    one, many = memory_bandwidth(512 * 2**20, 3, a.threads)
    bandwidth = one if a.threads == 1 else many
    newmark = NEWMARK_VALUES_PER_POINT * sim.dtype.itemsize * mesh.nglob / bandwidth
    ns = 1e9 / mesh.nspec
    print(f"# {mesh.nspec} elements, order {a.order}, {a.dtype}, {a.threads} thread(s), "
          f"load {os.getloadavg()[0]:.2f}, copy bandwidth {bandwidth / 1e9:.1f} GB/s")
    print(f"operator alone                : {ns * kernel:8.0f} ns per element per step")
    print(f"operator + Newmark bytes bound: {ns * (kernel + newmark):8.0f} ns per element per step")
    print(f"whole time step, from rest    : {ns * rest:8.0f} ns per element per step "
          f"(Newmark, sources, receivers, absorbing faces; run() set-up {setup:.2f} s apart)")
    print(f"whole time step, random field : {ns * random:8.0f} ns per element per step "
          f"(rest / random = {rest / random:.3f})")


if __name__ == "__main__":
    main()
