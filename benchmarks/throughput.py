"""Throughput of the stiffness operator f = K u (internal forces alone), CPU paths, and of whole time
steps with and without attenuation.

Builds a box mesh (default 32 x 32 x 30 = 30,720 elements, order 4) and times, best of --repeat:
- the compiled Numba operator for the isotropic, transversely isotropic and 21-Cij laws and for the
  acoustic (fluid potential, one component) law, in float32 and float64, on one thread and on all
  threads;
- the NumPy reference path (isotropic, float64) on a sub-batch of elements;
- whole time steps (sem.Simulation: Newmark, forces, memory variables, a source and receivers) on
  one thread for the isotropic, TI and 21-Cij laws, elastic and with 3 standard linear solids
  (Q_mu 80, Q_kappa 400), float32 and float64, against SPECFEM3D_GLOBE's whole step on one core
  (isotropic 4.34, TI 6.00, TI + 3 SLS 7.19 us per element; --step-steps 0 skips this table).

It prints, per case: ns per element per step, GLL-point updates per second (global points per
second), the bytes one step must move per element and in all (see NumbaOperator.bytes_per_element),
the bandwidth that implies, and its fraction of this machine's memory bandwidth, measured here with
a large copy (bytes read + bytes written). A figure, never an assertion.

    PYTHONPATH=. python benchmarks/throughput.py [--elements 32,32,30] [--order 4] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

import sem
from sem.physics.acoustic import Acoustic
from sem.physics.anisotropic import CIJ_NAMES, Anisotropic21, upper_triangle
from sem.physics.isotropic import IsotropicElastic
from sem.operators.numba_operator import NumbaOperator
from sem.operators.reference import OperatorArrays, internal_forces
from sem.physics.transverse import TransverselyIsotropic, local_voigt, love_parameters

# SPECFEM3D_GLOBE 7.0, single precision, one core of the development machine, us/element/step
SPECFEM_US = {"isotropic": 4.3, "transverse": 6.0}
# the same, whole time step (forces, Newmark, attenuation), for the whole-step table
SPECFEM_STEP_US = {("isotropic", False): 4.34, ("transverse", False): 6.00, ("transverse", True): 7.19}
NEWMARK_VALUES_PER_POINT = 34          # predict 9 read + 9 written; correct 10 read + 6 written


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def memory_bandwidth(nbytes: int, repeat: int, threads: int):
    """Best (bytes read + bytes written) / s of a large numpy copy, on one thread and split over
    `threads` Python threads (numpy releases the GIL while copying)."""
    src = np.ones(nbytes // 8)
    dst = np.empty_like(src)
    bounds = np.linspace(0, src.size, threads + 1).astype(int)
    parts = [(dst[a:b], src[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]

    def timed(fn):
        fn()
        best = np.inf
        for _ in range(repeat):
            t = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t)
        return 2.0 * src.nbytes / best

    one = timed(lambda: np.copyto(dst, src))
    with ThreadPoolExecutor(threads) as pool:
        many = timed(lambda: list(pool.map(lambda p: np.copyto(*p), parts)))
    return one, many


def make_laws(shape, rng):
    def field(mean, rel=0.05):
        return mean * (1.0 + rel * (rng.random(shape) - 0.5))
    iso = IsotropicElastic(vp=field(6000.0), vs=field(3400.0), rho=field(3000.0))
    axis = np.stack([0.1 * (rng.random(shape) - 0.5), 0.1 * (rng.random(shape) - 0.5), np.ones(shape)], -1)
    ti = TransverselyIsotropic(vpv=field(6000.0), vph=field(6200.0), vsv=field(3400.0), vsh=field(3550.0),
                               eta=field(0.92, 0.02), rho=field(3000.0), axis=axis)
    # 21-Cij: a TI tensor with a small general perturbation, per element (broadcast to its points)
    ne = shape[0]
    pts = (ne,) + (1,) * (len(shape) - 1)
    c66 = local_voigt(*love_parameters(6000.0, 6200.0, 3400.0, 3550.0, 0.92, 3000.0))
    pert = rng.standard_normal((ne, 6, 6)) * 0.02 * c66[0, 0]
    c66 = c66 + 0.5 * (pert + pert.swapaxes(-1, -2))
    c21 = np.broadcast_to(upper_triangle(c66).reshape((21,) + pts), (21,) + shape)
    aniso = Anisotropic21(rho=field(3000.0), **dict(zip(CIJ_NAMES, c21)))
    fluid = Acoustic(vp=field(9000.0), rho=field(11000.0))        # outer-core-like
    return {"isotropic": iso, "transverse": ti, "anisotropic21": aniso, "acoustic": fluid}


def best_time(fn, repeat):
    fn()                                                    # warm-up (and JIT compile)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--elements", default="32,32,30", help="nx,ny,nz elements of the box (default 32,32,30)")
    ap.add_argument("--order", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=5, help="timed applications per case (best is kept)")
    ap.add_argument("--reference-elements", type=int, default=1024,
                    help="elements in the NumPy reference sub-batch (0 to skip)")
    ap.add_argument("--bandwidth-mb", type=int, default=1024, help="size of the copy that measures bandwidth")
    ap.add_argument("--block-size", type=int, default=None, help="elements per parallel block (default: auto)")
    ap.add_argument("--step-steps", type=int, default=10, help="steps per timed run of the whole-step table "
                    "(0: skip it)")
    args = ap.parse_args()

    ne = tuple(int(x) for x in args.elements.split(","))
    nmax = numba.config.NUMBA_NUM_THREADS
    print(f"# sem operator throughput: {cpu_name()}, {os.cpu_count()} CPUs, numba {numba.__version__} "
          f"({nmax} threads max), numpy {np.__version__}")

    bw1, bwn = memory_bandwidth(args.bandwidth_mb * 2**20, max(3, args.repeat), nmax)
    print("# load average before: %.2f %.2f %.2f (other processes share these cores)" % os.getloadavg())
    print(f"# memory bandwidth (copy of {args.bandwidth_mb} MiB, read + write counted, best of "
          f"{max(3, args.repeat)}): {bw1 / 1e9:.1f} GB/s one thread (numpy), {bwn / 1e9:.1f} GB/s "
          f"{nmax} threads")

    t0 = time.perf_counter()
    mesh = sem.mesh.box(size=(1.0, 1.0, 1.0), elements=ne, order=args.order)
    rng = np.random.default_rng(0)
    laws = make_laws(mesh.ibool.shape, rng)
    n = args.order + 1
    print(f"# mesh: box {ne[0]}x{ne[1]}x{ne[2]} = {mesh.nspec} elements, order {args.order} "
          f"({n ** 3} GLL points per element), nglob {mesh.nglob}; set up in {time.perf_counter() - t0:.1f} s")
    print("# ns/el: nanoseconds per element per step; Mpt/s: global GLL points updated per second;")
    print("# B/el: bytes a step must move per element (geometry, coefficients, int32 ibool per element point;")
    print("#       u read, f read + written per global point); %bw: implied / measured bandwidth (one-thread")
    print("#       copy for thr=1, the best copy otherwise); xSPECFEM: SPECFEM3D_GLOBE 7.0 time / ours, for")
    print("#       float32 on one thread (its single precision, measured on one core of these machines:")
    print("#       isotropic 4300 ns/el, TI 6000 ns/el)")
    header = (f"{'law':<14}{'path':<7}{'dtype':<8}{'thr':>4}{'ns/el':>9}{'Mpt/s':>9}{'B/el':>8}"
              f"{'MB/step':>9}{'GB/s':>7}{'%bw':>6}{'xSPECFEM':>9}{'compile s':>10}")
    print(header)
    print("-" * len(header))

    def row(law, path, dtype, threads, t_el, nbytes_el, compile_s=None):
        t_step = t_el * mesh.nspec
        pts = mesh.nglob / t_step
        gbs = nbytes_el / t_el / 1e9
        bw = bw1 if threads == 1 else max(bw1, bwn)
        comp = f"{compile_s:10.1f}" if compile_s is not None else f"{'':>10}"
        ref = SPECFEM_US.get(law) if (dtype == "float32" and threads == 1) else None
        spec = f"{ref * 1e-6 / t_el:9.2f}" if ref else f"{'':>9}"
        print(f"{law:<14}{path:<7}{dtype:<8}{threads:>4}{t_el * 1e9:9.0f}{pts / 1e6:9.1f}{nbytes_el:8.0f}"
              f"{nbytes_el * mesh.nspec / 1e6:9.1f}{gbs:7.2f}{100 * gbs * 1e9 / bw:6.1f}{spec}{comp}", flush=True)

    bytes_el = {}
    for name, law in laws.items():
        for dtype in (np.float32, np.float64):
            op = NumbaOperator.build(mesh, law, dtype=dtype, block_size=args.block_size)
            bytes_el[name, np.dtype(dtype).name] = op.bytes_per_element()
            u = (1e-3 * rng.standard_normal((law.ncomp, mesh.nglob))).astype(dtype)
            out = np.zeros_like(u)
            t = time.perf_counter()
            op.internal_forces(u, out)                      # compile
            compile_s = time.perf_counter() - t
            for threads in sorted({1, nmax}):
                numba.set_num_threads(threads)
                t_el = best_time(lambda: op.internal_forces(u, out), args.repeat) / mesh.nspec
                row(name, "numba", np.dtype(dtype).name, threads, t_el, op.bytes_per_element(),
                    compile_s if threads == 1 else None)
                compile_s = None
            numba.set_num_threads(nmax)
            del op, u, out

    if args.reference_elements > 0:
        law = laws["isotropic"]
        m = min(args.reference_elements, mesh.nspec)
        full = OperatorArrays.build(mesh, law)
        sub = OperatorArrays(ibool=full.ibool[:m], inv_jacobian=full.inv_jacobian[:m], jw=full.jw[:m],
                             coef=full.coef[:, :m], d=full.d, stress=full.stress, nglob=full.nglob)
        u = 1e-3 * rng.standard_normal((3, mesh.nglob))
        out = np.zeros_like(u)
        t_el = best_time(lambda: internal_forces(u, sub, out=out), max(1, args.repeat // 2)) / m
        row("isotropic", "numpy", "float64", 1, t_el, bytes_el["isotropic", "float64"])
        print(f"# numpy reference timed on the first {m} elements")
    if args.step_steps > 0:
        whole_steps(mesh, laws, args.step_steps, bw1)
    print("# load average after: %.2f %.2f %.2f" % os.getloadavg())


def step_models(mesh, laws, attenuation):
    """sem.Models of the benchmark's isotropic, TI and 21-Cij materials (Q_mu 80, Q_kappa 400 if
    attenuating)."""
    q = dict(qmu=80.0, qkappa=400.0) if attenuation else {}
    iso, ti, an = laws["isotropic"], laws["transverse"], laws["anisotropic21"]
    return {"isotropic": sem.Model.isotropic(mesh, **{k: iso.values[k] for k in ("vp", "vs", "rho")}, **q),
            "transverse": sem.Model.transversely_isotropic(
                mesh, **{k: ti.values[k] for k in ("vpv", "vph", "vsv", "vsh", "eta", "rho", "axis")}, **q),
            "anisotropic21": sem.Model.anisotropic(mesh, an.voigt_matrix(), an.rho, **q)}


def whole_steps(mesh, laws, steps, bandwidth):
    """The whole-step table: one thread, each law elastic and with 3 SLS, float32 and float64."""
    from steptime import seconds_per_step

    numba.set_num_threads(1)
    n3 = (mesh.order + 1) ** 3
    print("# whole time steps, one thread (sem.Simulation from rest: Newmark, forces and memory variables, "
          "one source, three receivers)")
    print("# B/el: the operator's bytes + memory variables read and written + the Newmark passes' "
          f"{NEWMARK_VALUES_PER_POINT} values per global point; %bw of the one-thread copy; MB state: memory "
          "variables per element")
    header = (f"{'law':<14}{'physics':<9}{'dtype':<8}{'ns/el':>9}{'B/el':>8}{'GB/s':>7}{'%bw':>6}"
              f"{'mem B/el':>9}{'xSPECFEM':>9}")
    print(header)
    print("-" * len(header))
    size = mesh.coords.max(axis=(0, 1, 2, 3))
    for attenuation in (False, True):
        for name, model in step_models(mesh, laws, attenuation).items():
            for dtype in ("float32", "float64"):
                src = sem.ForceSource(size * 0.51, (0.0, 0.0, 1e10), sem.stf.Ricker(1.0 / (200 * 1e-6)))
                recs = [sem.Receiver(size * f, f"R{i}") for i, f in enumerate((0.3, 0.5, 0.7))]
                kw = dict(backend="numba", dtype=dtype, progress=False, attenuation=attenuation or None)
                dt = sem.Simulation(mesh, model, [src], recs, duration=1.0, **kw).dt
                sim = sem.Simulation(mesh, model, [src], recs, duration=(2 * steps + 3) * dt, dt=dt, **kw)
                per_step, _ = seconds_per_step(sim, steps)
                op = sim.solid.operator(sim.backend)
                item = sim.dtype.itemsize
                memory = 2 * sim.solid.memory_size * n3 * item
                nbytes = (op.bytes_per_element() + memory
                          + NEWMARK_VALUES_PER_POINT * item * mesh.nglob / mesh.nspec)
                t_el = per_step / mesh.nspec
                ref = SPECFEM_STEP_US.get((name, attenuation)) if dtype == "float32" else None
                spec = f"{ref * 1e-6 / t_el:9.2f}" if ref else f"{'':>9}"
                print(f"{name:<14}{'3 SLS' if attenuation else 'elastic':<9}{dtype:<8}{t_el * 1e9:9.0f}"
                      f"{nbytes:8.0f}{nbytes / t_el / 1e9:7.2f}{100 * nbytes / t_el / bandwidth:6.1f}"
                      f"{memory / 2:9.0f}{spec}", flush=True)


if __name__ == "__main__":
    main()
