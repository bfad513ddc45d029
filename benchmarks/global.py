"""Global cubed-sphere meshes: size, time step and cost, against SPECFEM3D_GLOBE's meshes.

Builds the light-PREM mesh at --build periods (default 100 s), estimates others (50 and 25 s)
without building, times a few steps of the 100-s mesh on this machine, and prints the seconds a
30-minute global simulation takes. SPECFEM3D_GLOBE's figures (its own published meshes): shortest
period ~ 17 s x 256 / NEX; its NEX-32 mesh (~136 s) has 56,224 elements and dt 0.19 s; NEX-256
(17 s) 4.5 M elements, dt 0.19 s for every mesh up to NEX 256 with PREM's two-layer crust.

    python benchmarks/global.py [--build 100] [--estimate 50 25] [--model light|prem] [--steps 20]
"""

import argparse
import time

import numba
import numpy as np

import sem
from steptime import seconds_per_step

SPECFEM = {32: (56224, 0.19), 256: (4.5e6, 0.19)}       # NEX: (elements, dt s) of SPECFEM3D_GLOBE's meshes


def specfem_cost(period):
    """SPECFEM3D_GLOBE's NEX for a shortest period, and its elements by log interpolation between
    the two measured meshes (NEX^2 scaling, corrected), and its element-steps per second."""
    nex = 17.0 * 256 / period
    (n1, (e1, _)), (n2, (e2, dt)) = sorted(SPECFEM.items())
    p = np.log(e2 / e1) / np.log(n2 / n1)
    elements = e1 * (nex / n1) ** p
    return nex, elements, elements / dt


def earth_model(name):
    return sem.earth.PREM(crust=False, isotropic=True) if name == "light" else sem.earth.PREM(ocean=False)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--build", type=float, nargs="*", default=[100.0])
    ap.add_argument("--estimate", type=float, nargs="*", default=[50.0, 25.0])
    ap.add_argument("--model", choices=["light", "prem"], default="light")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--dtype", default="float64")
    ap.add_argument("--backend", default="auto", help="auto | numba | cupy | numpy")
    a = ap.parse_args()
    earth = earth_model(a.model)
    honour = None if a.model == "light" else "auto"
    print(f"# model {earth.name}, order 4, 5 points per wavelength, {numba.config.NUMBA_NUM_THREADS} threads, "
          f"backend {a.backend}")
    print(f"{'T (s)':>6} {'elements':>10} {'dt (s)':>7} {'el-steps/s':>11} | {'SPECFEM NEX':>11} "
          f"{'elements':>10} {'el-steps/s':>11} {'ratio':>6}")
    for period in sorted(set(a.build) | set(a.estimate), reverse=True):
        est = sem.mesh.cubed_sphere_estimate(earth, period, honour=honour)
        nex, el, cost = specfem_cost(period)
        print(f"{period:6.0f} {est['nspec']:10,d} {est['dt']:7.3f} {est['element_steps_per_second']:11,.0f} | "
              f"{nex:11.0f} {el:10,.0f} {cost:11,.0f} {cost / est['element_steps_per_second']:6.1f}x")
    for period in a.build:
        t = time.perf_counter()
        mesh = sem.mesh.cubed_sphere(earth, period, honour=honour)
        model = sem.Model.from_earth(mesh, earth)
        t_mesh = time.perf_counter() - t
        print(f"\n{sem.mesh.mesh_report(mesh, earth)}")
        info = mesh.earth_info
        counts = np.bincount(info.element_region, minlength=len(info.region_names))
        print("elements per region: " + ", ".join(f"{n} {c:,}" for n, c in zip(info.region_names, counts) if c))
        src = sem.MomentTensorSource.geographic(5.0, 0.0, 12.0, 1e20, -5e19, -5e19, 0, 0, 0,
                                                sem.stf.Gaussian(half_duration=50.0))
        def simulation(duration, dt=None):
            return sem.Simulation(mesh, model, [src], [sem.Receiver.geographic(40.0, 30.0)], duration=duration,
                                  dt=dt, dtype=a.dtype, backend=a.backend, progress=False)
        dt = simulation(1.0).dt
        sim = simulation(2 * a.steps * dt + 100.0, dt)         # the source starts ~100 s before 0
        per_step, _ = seconds_per_step(sim, a.steps)
        n30 = int(np.ceil(1800.0 / sim.dt))
        print(f"mesh + model built in {t_mesh:.1f} s; dt {sim.dt:.3f} s; {per_step * 1e3:.3g} ms per step "
              f"({1e9 * per_step / mesh.nspec:.1f} ns per element per step, {a.dtype}, {sim.backend.name}); a 30-minute simulation: "
              f"{n30} steps, {n30 * per_step:.3g} s on this machine")


if __name__ == "__main__":
    main()
