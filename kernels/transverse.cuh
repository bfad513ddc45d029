// Transverse isotropy about a unit axis s given at every point (sem/physics/transverse.py).
// Coefficients: A, C, L, N, F (Pa), s1, s2, s3. With E = g + g^T, tr = tr(g), q = s.g.s, Es = E s:
//   sigma = (A-2N) tr I + N E + (F-A+2N)(q I + tr s s^T) + (L-N)(Es s^T + s Es^T) + (A-2F+C-4L) q s s^T.
#pragma once

template <typename T>
struct TransverselyIsotropic {
    static constexpr int NCOMP = 3;
    static constexpr int NSTATE = 0;
    static constexpr int NCOEF = 8;
    __device__ static void stress(const T* __restrict__ c, T* __restrict__ st, long long stride, const T g[3][3], T s[6]) {
        const T a = c[0], cc = c[stride], l = c[2 * stride], n = c[3 * stride], f = c[4 * stride];
        const T x = c[5 * stride], y = c[6 * stride], z = c[7 * stride];
        const T e00 = g[0][0] + g[0][0], e11 = g[1][1] + g[1][1], e22 = g[2][2] + g[2][2];
        const T e12 = g[1][2] + g[2][1], e02 = g[0][2] + g[2][0], e01 = g[0][1] + g[1][0];
        const T tr = g[0][0] + g[1][1] + g[2][2];
        const T q = x * (g[0][0] * x + g[0][1] * y + g[0][2] * z) + y * (g[1][0] * x + g[1][1] * y + g[1][2] * z)
                  + z * (g[2][0] * x + g[2][1] * y + g[2][2] * z);
        const T ex = e00 * x + e01 * y + e02 * z;
        const T ey = e01 * x + e11 * y + e12 * z;
        const T ez = e02 * x + e12 * y + e22 * z;
        const T k1 = a - (n + n);                      // A - 2N
        const T k2 = f - k1;                           // F - A + 2N
        const T k3 = l - n;                            // L - N
        const T k4 = a + cc - (f + f) - (l + l + l + l);   // A - 2F + C - 4L
        const T diag = k1 * tr + k2 * q;
        const T tq = k2 * tr + k4 * q;                 // coefficient of s s^T
        s[0] = diag + n * e00 + tq * x * x + k3 * (ex * x + ex * x);
        s[1] = diag + n * e11 + tq * y * y + k3 * (ey * y + ey * y);
        s[2] = diag + n * e22 + tq * z * z + k3 * (ez * z + ez * z);
        s[3] = n * e12 + tq * y * z + k3 * (ey * z + y * ez);
        s[4] = n * e02 + tq * x * z + k3 * (ex * z + x * ez);
        s[5] = n * e01 + tq * x * y + k3 * (ex * y + x * ey);
    }
};
