// The fluid (sem/physics/acoustic.py): the field is the potential chi, the "stress" the flux
// grad(chi) / rho. Coefficient: 1/rho (m^3/kg).
#pragma once

template <typename T>
struct Acoustic {
    static constexpr int NCOMP = 1;
    static constexpr int NSTATE = 0;
    static constexpr int NCOEF = 1;
    // g[b] = dchi/dx_b; f = g / rho.
    __device__ static void flux(const T* __restrict__ c, T* __restrict__ st, long long stride, const T g[3], T f[3]) {
        const T inv_rho = c[0];
        f[0] = inv_rho * g[0];
        f[1] = inv_rho * g[1];
        f[2] = inv_rho * g[2];
    }
};
