// The spectral-element stiffness operator on the GPU: out += K u, fused in one kernel
//   gather -> reference gradient -> physical gradient -> law -> weighted flux -> divergence -> scatter
// Same semantics as the reference path sem/operators/reference.py (the oracle) and the Numba skeleton.
//
// Written once; specialised at compile time for
//   T     float or double (all arithmetic in T),
//   NGLL  points per direction (order + 1),
//   AFFINE  geometry per element (true: geom (nspec, 10) = the constant dxi_b/dx_a and |J| of an
//           affine element, jw = |J| w3[p]) or per point (false: geom (nspec, 10, NGLL^3)),
//   Law   a point law from a per-law header (isotropic.cuh, transverse.cuh, anisotropic.cuh,
//         acoustic.cuh): Law::NCOMP field components (3: displacement; 1: the fluid potential) and
//         Law::NCOEF coefficients, Law::NSTATE per-point state values (0: none); `stress`
//         (NCOMP = 3) or `flux` (NCOMP = 1) at one point, given the point's coefficients and state.
//
// One thread block per element, one thread per GLL point p = (i * NGLL + j) * NGLL + k (i the xi
// index, slowest). Arrays (built by sem/operators/element_arrays.py):
//   u, out  (NCOMP, nglob)            field and accumulated forces; nglob is the row stride (>= points)
//   ibool   (nspec, NGLL^3) int32     global point of each element point
//   geom    (nspec, 10, NGLL^3)       rows b*3+a = dxi_b/dx_a, row 9 = |J| w_i w_j w_k
//   coef    (NCOEF, nspec, NGLL^3)    the law's coefficients
//   state   (NSTATE, nspec, NGLL^3)   the law's per-point state (not read when NSTATE = 0)
//   d       (NGLL, NGLL)              GLL derivative matrix d[i][l] = l_l'(x_i)
//   w3      (NGLL^3)                  w_i w_j w_k (read only when AFFINE)
// Each array is read once per element point with coalesced loads (rows contiguous over p); the
// scatter into out uses atomicAdd (shared global points).
#include "isotropic.cuh"
#include "transverse.cuh"
#include "anisotropic.cuh"
#include "acoustic.cuh"

// Blocks per multiprocessor the compiler must allow for (registers): 0 leaves it free.
#ifndef SEM_FORCES_MIN_BLOCKS
#define SEM_FORCES_MIN_BLOCKS 0
#endif

template <typename T, int NGLL, class Law, bool AFFINE>
__global__ void __launch_bounds__(NGLL * NGLL * NGLL, SEM_FORCES_MIN_BLOCKS)
internal_forces(const T* __restrict__ u, T* __restrict__ out, const int* __restrict__ ibool,
                const T* __restrict__ geom, const T* __restrict__ coef, T* __restrict__ state,
                const T* __restrict__ d,
                const T* __restrict__ w3, int nspec, long long nglob)
{
    constexpr int N2 = NGLL * NGLL, N3 = N2 * NGLL, NC = Law::NCOMP;
    __shared__ T s_d[NGLL][NGLL];
    __shared__ T s_u[NC][N3];
    __shared__ T s_f[3][N3];

    const int e = blockIdx.x;
    const int p = threadIdx.x;
    if (p < N2) s_d[p / NGLL][p % NGLL] = d[p];
    const int i = p / N2, j = (p / NGLL) % NGLL, k = p % NGLL;

    // gather, and issue the point's geometry and coefficient loads early (they do not depend on u)
    const int g = ibool[(long long)e * N3 + p];
#pragma unroll
    for (int c = 0; c < NC; ++c) s_u[c][p] = u[c * nglob + g];
    T inv[9];
    T jw;
    if constexpr (AFFINE) {                           // one value per element, broadcast to the block
        const T* ge = geom + (long long)e * 10;
#pragma unroll
        for (int r = 0; r < 9; ++r) inv[r] = ge[r];
        jw = ge[9] * w3[p];
    } else {
        const T* ge = geom + (long long)e * 10 * N3 + p;
#pragma unroll
        for (int r = 0; r < 9; ++r) inv[r] = ge[r * N3];
        jw = ge[9 * N3];
    }
    __syncthreads();

    // reference gradient dref[c][r] = du_c/dxi_r, then the physical gradient grad[c][a]
    T grad[NC][3];
#pragma unroll
    for (int c = 0; c < NC; ++c) {
        T t0 = T(0), t1 = T(0), t2 = T(0);
#pragma unroll
        for (int l = 0; l < NGLL; ++l) {
            t0 += s_d[i][l] * s_u[c][(l * NGLL + j) * NGLL + k];
            t1 += s_d[j][l] * s_u[c][(i * NGLL + l) * NGLL + k];
            t2 += s_d[k][l] * s_u[c][(i * NGLL + j) * NGLL + l];
        }
#pragma unroll
        for (int a = 0; a < 3; ++a) grad[c][a] = t0 * inv[a] + t1 * inv[3 + a] + t2 * inv[6 + a];
    }

    // the law, then the weighted reference flux F[c][r] = jw sum_a sigma[c][a] dxi_r/dx_a
    const long long stride = (long long)nspec * N3;
    const T* ce = coef + (long long)e * N3 + p;
    T* st = state + (Law::NSTATE ? (long long)e * N3 + p : 0);    // this point's state, same stride
    T sig[NC][3];
    if constexpr (NC == 3) {
        T s[6];
        Law::stress(ce, st, stride, grad, s);
        sig[0][0] = s[0]; sig[0][1] = s[5]; sig[0][2] = s[4];
        sig[1][0] = s[5]; sig[1][1] = s[1]; sig[1][2] = s[3];
        sig[2][0] = s[4]; sig[2][1] = s[3]; sig[2][2] = s[2];
    } else {
        Law::flux(ce, st, stride, grad[0], sig[0]);
    }
    T flux[NC][3];
#pragma unroll
    for (int c = 0; c < NC; ++c) {
#pragma unroll
        for (int r = 0; r < 3; ++r)
            flux[c][r] = jw * (sig[c][0] * inv[3 * r] + sig[c][1] * inv[3 * r + 1] + sig[c][2] * inv[3 * r + 2]);
    }

    // divergence (the transpose of the reference gradient), one component at a time through shared
    // memory (3 rows, so that order 8 fits in float64), and scatter-add
#pragma unroll
    for (int c = 0; c < NC; ++c) {
        if (c) __syncthreads();                        // the previous component's reads are done
#pragma unroll
        for (int r = 0; r < 3; ++r) s_f[r][p] = flux[c][r];
        __syncthreads();
        T f = T(0);
#pragma unroll
        for (int l = 0; l < NGLL; ++l) {
            f += s_d[l][i] * s_f[0][(l * NGLL + j) * NGLL + k];
            f += s_d[l][j] * s_f[1][(i * NGLL + l) * NGLL + k];
            f += s_d[l][k] * s_f[2][(i * NGLL + j) * NGLL + l];
        }
        atomicAdd(out + c * nglob + g, f);
    }
}
