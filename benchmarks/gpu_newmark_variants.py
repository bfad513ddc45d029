"""Experiment: variants of the Newmark passes on the GPU, float32, to find why `correct` moves
data at ~62% of bandwidth while `predict` reaches ~88% (benchmarks/RESULTS.md, 2026-11-23).

    python benchmarks/gpu_newmark_variants.py [--points 64500000]

Each variant computes the same thing (checked against the shipped kernel); printed: ms, bytes
counted (each value read or written once) and the fraction of the measured copy bandwidth.
  shipped       kernels/time_step.cu newmark_correct<float,3> (grid-stride, 3 components per thread)
  per_comp      one component per block row (blockIdx.y), minv re-read per component
  capped        shipped, compiled for 8 blocks of 256 per SM (register cap 32)
  fused         correct of step n and predict of step n+1 in one pass (u, v, r in; u, v, r=0 out)
  predict       the shipped predict, for reference
  shipped_r0    shipped on a zeroed residual (as after a predict), the fill included; fill_r0 the fill alone
"""

import argparse

import numpy as np

VARIANTS = r'''
extern "C" __global__ void per_comp(float* __restrict__ v, float* __restrict__ a, const float* __restrict__ minv,
                                    long long nglob, float dt)
{
    const long long q = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (q >= nglob) return;
    const long long o = blockIdx.y * nglob + q;
    const float ac = -minv[q] * a[o];
    a[o] = ac;
    v[o] += 0.5f * dt * ac;
}

extern "C" __global__ void __launch_bounds__(256, 8)
capped(float* __restrict__ v, float* __restrict__ a, const float* __restrict__ minv, long long nglob, float dt)
{
    for (long long q = blockIdx.x * (long long)blockDim.x + threadIdx.x; q < nglob; q += (long long)gridDim.x * blockDim.x) {
        const float m = minv[q];
        float ac[3], vc[3];
#pragma unroll
        for (int c = 0; c < 3; ++c) { ac[c] = a[c * nglob + q]; vc[c] = v[c * nglob + q]; }
#pragma unroll
        for (int c = 0; c < 3; ++c) { ac[c] = -m * ac[c]; a[c * nglob + q] = ac[c]; v[c * nglob + q] = vc[c] + 0.5f * dt * ac[c]; }
    }
}

extern "C" __global__ void fused(float* __restrict__ u, float* __restrict__ v, float* __restrict__ r,
                                 const float* __restrict__ minv, long long nglob, float dt)
{
    const float half = 0.5f * dt;
    for (long long q = blockIdx.x * (long long)blockDim.x + threadIdx.x; q < nglob; q += (long long)gridDim.x * blockDim.x) {
        const float m = minv[q];
        float uc[3], vc[3], ac[3];
#pragma unroll
        for (int c = 0; c < 3; ++c) { uc[c] = u[c * nglob + q]; vc[c] = v[c * nglob + q]; ac[c] = -m * r[c * nglob + q]; }
#pragma unroll
        for (int c = 0; c < 3; ++c) {
            const float vn = vc[c] + half * ac[c];                  // v_n (corrected)
            u[c * nglob + q] = uc[c] + dt * (vn + half * ac[c]);    // u_{n+1}
            v[c * nglob + q] = vn + half * ac[c];                   // v*_{n+1}
            r[c * nglob + q] = 0.0f;
        }
    }
}
'''


def main():
    import cupy
    from gpu_roofline import copy_bandwidth, median_ms
    from sem.operators import cuda_passes
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=64_500_000)
    ap.add_argument("--reps", type=int, default=20)
    a = ap.parse_args()
    bw = copy_bandwidth()
    n, dt, s = a.points, 1e-3, 4
    mod = cupy.RawModule(code=VARIANTS)
    rs = cupy.random.RandomState(0)
    u, v, r = (rs.standard_normal((3, n), dtype=np.float32) for _ in range(3))
    minv = rs.uniform(0.5, 1.5, n, dtype=np.float32)
    bad = cupy.full(1, np.iinfo(np.int32).max, dtype=np.int32)
    step = cuda_passes.step_counter(1)
    sms = cupy.cuda.Device().attributes["MultiProcessorCount"]
    grid = (min(-(-n // 256), 16 * sms),)
    field = 3 * n * s
    runs = {
        "shipped": (lambda: cuda_passes.correct(u, v, r, minv, dt, step, bad), 4 * field + n * s),
        "per_comp": (lambda: mod.get_function("per_comp")((-(-n // 256), 3), (256,), (v, r, minv, np.int64(n), np.float32(dt))),
                     4 * field + 3 * n * s),
        "capped": (lambda: mod.get_function("capped")((8 * sms,), (256,), (v, r, minv, np.int64(n), np.float32(dt))),
                   4 * field + n * s),
        "fused": (lambda: mod.get_function("fused")(grid, (256,), (u, v, r, minv, np.int64(n), np.float32(dt))),
                  6 * field + n * s),
        "predict": (lambda: cuda_passes.predict(u, v, r, dt), 6 * field),
        "shipped_r0": (lambda: (r.fill(0), cuda_passes.correct(u, v, r, minv, dt, step, bad)), 4 * field + n * s),
        "fill_r0": (lambda: r.fill(0), field),
    }
    print(f"{n:,} points x 3 components, float32; copy bandwidth {bw / 1e9:.0f} GB/s")
    for name, (fn, nbytes) in runs.items():
        ms, lo, hi = median_ms(fn, a.reps)
        print(f"{name:10s} {ms:7.3f} ms  {nbytes / 1e6:8.0f} MB  {nbytes / (ms * 1e-3) / 1e9:6.0f} GB/s  "
              f"{nbytes / (ms * 1e-3) / bw:5.0%}")


if __name__ == "__main__":
    main()
