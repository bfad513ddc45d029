// Isotropic elasticity: sigma = lambda tr(eps) I + 2 mu eps.
// Coefficients (IsotropicElastic.coefficients in sem/physics/isotropic.py): lambda, mu (Pa).
#pragma once

template <typename T>
struct Isotropic {
    static constexpr int NCOMP = 3;
    static constexpr int NSTATE = 0;
    static constexpr int NCOEF = 2;
    // c: coefficient m of this point at c[m * stride]; g[a][b] = du_a/dx_b;
    // s: the symmetric stress (s00, s11, s22, s12, s02, s01), Pa.
    __device__ static void stress(const T* __restrict__ c, T* __restrict__ st, long long stride, const T g[3][3], T s[6]) {
        const T lam = c[0], mu = c[stride];
        const T lt = lam * (g[0][0] + g[1][1] + g[2][2]);
        const T mu2 = mu + mu;
        s[0] = lt + mu2 * g[0][0];
        s[1] = lt + mu2 * g[1][1];
        s[2] = lt + mu2 * g[2][2];
        s[3] = mu * (g[1][2] + g[2][1]);
        s[4] = mu * (g[0][2] + g[2][0]);
        s[5] = mu * (g[0][1] + g[1][0]);
    }
};
