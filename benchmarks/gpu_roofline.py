"""GPU roofline of the time step: measured bandwidth, bytes per kernel, ns per element per step.

    python benchmarks/gpu_roofline.py [--elements 1000000] [--order 4] [--reps 20] [--json out.json]

1. Device bandwidth: a large device-to-device copy (bytes read + bytes written over the median time).
2. For each law (isotropic, TI, 21-Cij) and dtype, on a structured box of at least --elements
   elements (synthetic geometry and coefficients of the right shapes, made on the device; the
   values do not change the work): the median time of each kernel of a step over --reps launches,
   timed with CUDA events after a warm-up:
     forces   kernels/internal_forces.cu (gather, gradient, law, divergence, atomic scatter)
     predict  / correct  the Newmark passes of kernels/time_step.cu
     step     predict + forces + correct + one source + 16 receivers, as Simulation.run does it
   and prints, per kernel, the bytes it must move at the minimum (each array read or written once;
   counted below), the achieved bandwidth and its fraction of the measured copy bandwidth; per
   step, ns per element and GLL-point updates per second (element points x elements / time).
No assertion on time: figures for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json

import numpy as np


def median_ms(fn, reps, warmup=3):
    import cupy
    for _ in range(warmup):
        fn()
    start, stop = cupy.cuda.Event(), cupy.cuda.Event()
    times = []
    for _ in range(reps):
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(cupy.cuda.get_elapsed_time(start, stop))
    return float(np.median(times)), float(np.min(times)), float(np.max(times))


def copy_bandwidth(nbytes=4 << 30, reps=20):
    """Bytes read + written per second by a device-to-device copy of `nbytes`."""
    import cupy
    src = cupy.random.random(nbytes // 4, dtype=np.float32)
    dst = cupy.empty_like(src)
    ms, _, _ = median_ms(lambda: cupy.copyto(dst, src), reps)
    del src, dst
    return 2 * nbytes / (ms * 1e-3)


def structured_ibool(shape, order):
    """Global numbering of a structured box of shape (nx, ny, nz) elements, elements in C order:
    (nspec, n**3) int32 on the device, and nglob."""
    import cupy
    n = order + 1
    nx, ny, nz = shape
    gy, gz = ny * order + 1, nz * order + 1
    ex, ey, ez = (a.ravel() for a in cupy.meshgrid(*(cupy.arange(s) for s in shape), indexing="ij"))
    i, j, k = (a.ravel() for a in cupy.meshgrid(*(cupy.arange(n),) * 3, indexing="ij"))
    gx_ = ex[:, None] * order + i[None]
    gy_ = ey[:, None] * order + j[None]
    gz_ = ez[:, None] * order + k[None]
    ibool = ((gx_ * gy + gy_) * gz + gz_).astype(np.int32)
    return ibool, (nx * order + 1) * gy * gz


def synthetic_operator(law_struct, ncoef, ncomp, ibool, nglob, order, dtype, seed=0, options=(), affine=False):
    """A CudaOperator on made-up, finite geometry and coefficients of the real shapes (geometry per
    point, or per element when `affine`)."""
    import cupy
    from sem import basis
    from sem.operators.cuda_operator import CudaOperator
    nspec, n3 = ibool.shape
    rs = cupy.random.RandomState(seed)
    geom = rs.uniform(-0.1, 0.1, (nspec, 10) if affine else (nspec, 10, n3), dtype=np.float32).astype(dtype)
    for r in (0, 4, 8):
        geom[:, r] += 2.0
    geom[:, 9] = 1.0
    coef = rs.uniform(1.0, 2.0, (ncoef, nspec, n3), dtype=np.float32).astype(dtype)
    d = cupy.asarray(basis.derivative_matrix(order), dtype=dtype)
    return CudaOperator(ibool=ibool, geom=geom, coef=coef, d=d, order=order, nglob=nglob,
                        law_struct=law_struct, ncomp=ncomp, options=options)


LAWS = {"isotropic": ("Isotropic", 2, 3), "transverse": ("TransverselyIsotropic", 8, 3),
        "anisotropic21": ("Anisotropic", 21, 3), "acoustic": ("Acoustic", 1, 1)}


def bench_law(name, dtype, shape, order, reps, bandwidth, options=(), affine=False):
    import cupy
    from sem.operators import cuda_passes
    law_struct, ncoef, ncomp = LAWS[name]
    ibool, nglob = structured_ibool(shape, order)
    op = synthetic_operator(law_struct, ncoef, ncomp, ibool, nglob, order, dtype, options=options, affine=affine)
    nspec, n3, s = op.nspec, (order + 1) ** 3, np.dtype(dtype).itemsize
    rs = cupy.random.RandomState(1)
    rows = cuda_passes.padded(nglob)                      # the fields' row stride, as Simulation uses
    u, v = (rs.standard_normal((ncomp, rows), dtype=np.float32).astype(dtype) * 1e-3 for _ in range(2))
    a = cupy.zeros_like(u)
    minv = rs.uniform(0.5, 1.5, rows, dtype=np.float32).astype(dtype)
    bad = cupy.full(1, np.iinfo(np.int32).max, dtype=np.int32)
    counter = cuda_passes.step_counter(7)
    src_idx = cupy.arange(n3, dtype=np.int64) + nglob // 2
    src_w = cupy.ones((3, n3), dtype=dtype)
    src_owner = cupy.zeros(n3, dtype=np.int64)
    stf = cupy.ones((1, 1000), dtype=dtype)
    rec_idx = cupy.asarray(np.random.default_rng(0).integers(0, nglob, (16, n3)), dtype=np.int64)
    rec_w = cupy.full((16, n3), 1.0 / n3, dtype=dtype)
    seis = cupy.zeros((1000, 3, 16), dtype=dtype)
    dt = 1e-3

    def step():
        cuda_passes.predict(u, v, a, dt)
        op.internal_forces(u, out=a)
        if ncomp == 3:
            cuda_passes.inject(a, src_idx, src_w, src_owner, stf, counter)
        cuda_passes.correct(u, v, a, minv, dt, counter, bad)
        if ncomp == 3:
            cuda_passes.record(seis, u, rec_idx, rec_w, counter)

    field = ncomp * nglob * s
    kernels = {
        "forces": (lambda: op.internal_forces(u, out=a), op.bytes_per_element() * nspec),
        "predict": (lambda: cuda_passes.predict(u, v, a, dt), 6 * field),            # u v a read, u v a written
        "correct": (lambda: cuda_passes.correct(u, v, a, minv, dt, counter, bad), 4 * field + nglob * s),  # a v r/w, minv once
    }
    rows = []
    for kname, (fn, nbytes) in kernels.items():
        ms, lo, hi = median_ms(fn, reps)
        rows.append(dict(law=name, dtype=np.dtype(dtype).name, kernel=kname, nspec=nspec, ms=ms, ms_min=lo, ms_max=hi,
                         bytes=nbytes, bytes_per_el=nbytes / nspec, ns_per_el=ms * 1e6 / nspec,
                         gbs=nbytes / (ms * 1e-3) / 1e9, frac_bw=nbytes / (ms * 1e-3) / bandwidth))
    ms, lo, hi = median_ms(step, reps)
    nbytes = sum(r["bytes"] for r in rows)
    rows.append(dict(law=name, dtype=np.dtype(dtype).name, kernel="step", nspec=nspec, ms=ms, ms_min=lo, ms_max=hi,
                     bytes=nbytes, bytes_per_el=nbytes / nspec, ns_per_el=ms * 1e6 / nspec,
                     gbs=nbytes / (ms * 1e-3) / 1e9, frac_bw=nbytes / (ms * 1e-3) / bandwidth,
                     gll_updates_per_s=nspec * n3 / (ms * 1e-3)))
    assert bool(cupy.isfinite(u).all()), "the benchmark field became non-finite"
    del op, u, v, a, ibool
    cupy.get_default_memory_pool().free_all_blocks()
    return rows


def main():
    import cupy
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--elements", type=int, default=1_000_000)
    p.add_argument("--order", type=int, default=4)
    p.add_argument("--reps", type=int, default=20)
    p.add_argument("--laws", default="isotropic,transverse,anisotropic21,acoustic")
    p.add_argument("--dtypes", default="float32,float64")
    p.add_argument("--min-blocks", type=int, default=0,
                   help="compile the forces kernel for at least this many blocks per SM (register cap)")
    p.add_argument("--geometry", choices=["stored", "affine"], default="stored",
                   help="geometry per GLL point (any mesh) or per element (affine elements: a box)")
    p.add_argument("--json")
    args = p.parse_args()
    props = cupy.cuda.runtime.getDeviceProperties(0)
    bw = copy_bandwidth()
    print(f"device {props['name'].decode()}: {props['multiProcessorCount']} SMs, L2 {props['l2CacheSize'] / 2**20:.0f} MiB; "
          f"measured copy bandwidth {bw / 1e9:.0f} GB/s (read + write)")
    side = int(np.ceil(args.elements ** (1 / 3)))
    shape = (side, side, side)
    rows = []
    for dtype in args.dtypes.split(","):
        for law in args.laws.split(","):
            opts = (f"-DSEM_FORCES_MIN_BLOCKS={args.min_blocks}",) if args.min_blocks else ()
            rows += bench_law(law, np.dtype(dtype), shape, args.order, args.reps, bw, opts,
                              affine=args.geometry == "affine")
            r = rows[-1]
            print(f"  {law:14s} {dtype}: step {r['ns_per_el']:.2f} ns/el, {r['frac_bw']:.0%} of bandwidth", flush=True)
    print(f"\norder {args.order}, {rows[0]['nspec']} elements, geometry {args.geometry}; ns/el = ns per element per step")
    print(f"{'law':14s} {'dtype':8s} {'kernel':8s} {'ms':>8s} {'ns/el':>7s} {'B/el':>7s} {'GB/s':>7s} {'of bw':>6s}")
    for r in rows:
        print(f"{r['law']:14s} {r['dtype']:8s} {r['kernel']:8s} {r['ms']:8.3f} {r['ns_per_el']:7.2f} "
              f"{r['bytes_per_el']:7.0f} {r['gbs']:7.0f} {r['frac_bw']:6.0%}"
              + (f"  {r['gll_updates_per_s'] / 1e9:.1f} G GLL-point updates/s" if r["kernel"] == "step" else ""))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(bandwidth=bw, device=props["name"].decode(), rows=rows), f, indent=1)


if __name__ == "__main__":
    main()
