// General anisotropy, 21 independent Cij (sem/physics/anisotropic.py): Voigt s = C e with engineering
// strains e (xx yy zz yz xz xy); coefficients the upper triangle c11 c12 ... c16 c22 ... c66 (Pa).
#pragma once

template <typename T>
struct Anisotropic {
    static constexpr int NCOMP = 3;
    static constexpr int NSTATE = 0;
    static constexpr int NCOEF = 21;
    __device__ static void stress(const T* __restrict__ c, T* __restrict__ st, long long stride, const T g[3][3], T s[6]) {
        const T e[6] = {g[0][0], g[1][1], g[2][2], g[1][2] + g[2][1], g[0][2] + g[2][0], g[0][1] + g[1][0]};
#pragma unroll
        for (int p = 0; p < 6; ++p) s[p] = T(0);
        int m = 0;
#pragma unroll
        for (int p = 0; p < 6; ++p) {
#pragma unroll
            for (int q = p; q < 6; ++q, ++m) {
                const T cpq = c[m * stride];
                s[p] += cpq * e[q];
                if (q != p) s[q] += cpq * e[p];
            }
        }
    }
};
