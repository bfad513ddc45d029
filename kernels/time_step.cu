// The per-point passes of one time step on the GPU (see sem/simulation.py for the scheme):
//   newmark_predict   u += dt v + dt^2/2 a;  v += dt/2 a;  a = 0                  (every point)
//   newmark_correct   a = -minv a;  v += dt/2 a; first step with a non-finite a    (every point)
//   absorbing_apply   r = B (r + C v) at absorbing-boundary points (3x3 blocks)
//   inject_sources    r[c, idx] -= w[c] * stf[owner, step]
//   record_receivers  seis[step, c, rec] = sum_p w[rec, p] field[c, idx[rec, p]]
//   coupling_pressure / coupling_displacement   the solid-fluid terms C chi_dd and -C^T u
//   advance_step      step += 1
// Fields are (ncomp, nglob), component-major; each pass reads and writes every value once.
// The step number lives in device memory (`step`, one int), so that one step's launches can be
// captured once in a CUDA graph and replayed for every step.

template <typename T>
__global__ void newmark_predict(T* __restrict__ u, T* __restrict__ v, T* __restrict__ a, long long n, T dt)
{
    const T half = T(0.5) * dt;
    for (long long q = blockIdx.x * (long long)blockDim.x + threadIdx.x; q < n; q += (long long)gridDim.x * blockDim.x) {
        const T aq = a[q], vq = v[q];
        u[q] += dt * (vq + half * aq);
        v[q] = vq + half * aq;
        a[q] = T(0);
    }
}

// a (NC, nglob) holds the assembled residual r on entry. bad_step: atomicMin'ed with `step` where
// a is not finite, so the host can stop the run with the step number without a per-step sync.
// One thread per point and its NC components (a compile-time constant: all loads in flight at once).
// `nglob` is the row stride of the fields: keep it a multiple of 32 (sem.cuda_passes.padded), else
// rows c >= 1 start misaligned, stores cover partial sectors and the pass fell from 85% to 60% of
// bandwidth (benchmarks/gpu_newmark_variants.py, 2026-11-23).
template <typename T, int NC>
__global__ void newmark_correct(T* __restrict__ v, T* __restrict__ a, const T* __restrict__ minv,
                                long long nglob, T dt, const int* __restrict__ step, int* __restrict__ bad_step)
{
    const T half = T(0.5) * dt;
    bool finite = true;
    for (long long q = blockIdx.x * (long long)blockDim.x + threadIdx.x; q < nglob; q += (long long)gridDim.x * blockDim.x) {
        const T m = minv[q];
        T ac[NC], vc[NC];
#pragma unroll
        for (int c = 0; c < NC; ++c) {
            ac[c] = a[c * nglob + q];
            vc[c] = v[c * nglob + q];
        }
#pragma unroll
        for (int c = 0; c < NC; ++c) {
            ac[c] = -m * ac[c];
            a[c * nglob + q] = ac[c];
            v[c * nglob + q] = vc[c] + half * ac[c];
            finite = finite && isfinite(ac[c]);       // K u carries any NaN of u into a
        }
    }
    if (!finite) atomicMin(bad_step, *step);
}

// b (nb, 3, 3) = (I + dt/2 M^-1 C)^-1 and c (nb, 3, 3) the damping blocks of the nb boundary points idx.
template <typename T>
__global__ void absorbing_apply(T* __restrict__ r, const T* __restrict__ v, const long long* __restrict__ idx,
                                const T* __restrict__ c, const T* __restrict__ b, long long nb, long long nglob)
{
    const long long q = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (q >= nb) return;
    const long long g = idx[q];
    const T* cq = c + 9 * q;
    const T* bq = b + 9 * q;
    T x[3];
#pragma unroll
    for (int i = 0; i < 3; ++i)
        x[i] = r[i * nglob + g] + cq[3 * i] * v[g] + cq[3 * i + 1] * v[nglob + g] + cq[3 * i + 2] * v[2 * nglob + g];
#pragma unroll
    for (int i = 0; i < 3; ++i)
        r[i * nglob + g] = bq[3 * i] * x[0] + bq[3 * i + 1] * x[1] + bq[3 * i + 2] * x[2];
}

// w (3, nnz), idx and owner (nnz,), stf (nsrc, nt): the force of every source at its points.
template <typename T>
__global__ void inject_sources(T* __restrict__ r, const long long* __restrict__ idx, const T* __restrict__ w,
                               const long long* __restrict__ owner, const T* __restrict__ stf,
                               long long nnz, long long nglob, int nt, const int* __restrict__ step)
{
    const long long q = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (q >= nnz) return;
    const T s = stf[owner[q] * nt + *step];
    const long long g = idx[q];
#pragma unroll
    for (int c = 0; c < 3; ++c) atomicAdd(r + c * nglob + g, -w[c * nnz + q] * s);
}

// One thread per (receiver, component); idx and w (nrec, npts); seis (nt, 3, nrec).
template <typename T>
__global__ void record_receivers(T* __restrict__ seis, const T* __restrict__ field, const long long* __restrict__ idx,
                                 const T* __restrict__ w, int nrec, int npts, long long nglob,
                                 const int* __restrict__ step)
{
    const int q = blockIdx.x * blockDim.x + threadIdx.x;
    if (q >= 3 * nrec) return;
    const int c = q / nrec, rec = q % nrec;
    T s = T(0);
    for (int p = 0; p < npts; ++p) s += w[(long long)rec * npts + p] * field[c * nglob + idx[(long long)rec * npts + p]];
    seis[((long long)*step * 3 + c) * nrec + rec] = s;
}

// The coupling matrix C as its interface points q: solid point is[q], fluid point if_[q] and the
// weighted normal nw (3, npts) (out of the fluid). Points shared by faces repeat: atomics.
template <typename T>
__global__ void coupling_pressure(T* __restrict__ r_solid, const T* __restrict__ chi_dd, const long long* __restrict__ is,
                                  const long long* __restrict__ if_, const T* __restrict__ nw, long long npts,
                                  long long nglob_solid)
{
    const long long q = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (q >= npts) return;
    const T p = chi_dd[if_[q]];
#pragma unroll
    for (int a = 0; a < 3; ++a) atomicAdd(r_solid + a * nglob_solid + is[q], nw[a * npts + q] * p);
}

template <typename T>
__global__ void coupling_displacement(T* __restrict__ r_fluid, const T* __restrict__ u_solid, const long long* __restrict__ is,
                                      const long long* __restrict__ if_, const T* __restrict__ nw, long long npts,
                                      long long nglob_solid)
{
    const long long q = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (q >= npts) return;
    const long long s = is[q];
    const T un = nw[q] * u_solid[s] + nw[npts + q] * u_solid[nglob_solid + s] + nw[2 * npts + q] * u_solid[2 * nglob_solid + s];
    atomicAdd(r_fluid + if_[q], -un);
}

__global__ void advance_step(int* step) { *step += 1; }
