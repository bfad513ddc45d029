"""Transverse isotropy (radial anisotropy) about a symmetry axis s given at every point.

Love parameters: A = rho vph^2, C = rho vpv^2, L = rho vsv^2, N = rho vsh^2, F = eta (A - 2L).
The elastic tensor for a unit axis s (e.g. Dahlen & Tromp 1998, eq. 16.xx; Anderson 1961) is
  c_ijkl = (A-2N) d_ij d_kl + N (d_ik d_jl + d_il d_jk) + (F-A+2N)(d_ij s_k s_l + s_i s_j d_kl)
         + (L-N)(d_ik s_j s_l + d_il s_j s_k + d_jk s_i s_l + d_jl s_i s_k) + (A-2F+C-4L) s_i s_j s_k s_l,
so that, with eps the strain and e = eps s, q = s.eps.s,
  sigma = (A-2N) tr(eps) I + 2N eps + (F-A+2N)(q I + tr(eps) s s^T) + 2(L-N)(e s^T + s e^T)
          + (A-2F+C-4L) q s s^T.
"""

from __future__ import annotations

import numba
import numpy as np

from .anisotropic import check_positive_definite, christoffel_max_velocity
from .law import SolidLaw, strain


def love_parameters(vpv, vph, vsv, vsh, eta, rho):
    a, c, l, n = rho * vph**2, rho * vpv**2, rho * vsv**2, rho * vsh**2
    return a, c, l, n, eta * (a - 2.0 * l)


def local_voigt(a, c, l, n, f):
    """Voigt matrices (..., 6, 6) in the frame whose z axis is the symmetry axis."""
    out = np.zeros(np.shape(a) + (6, 6))
    out[..., 0, 0] = out[..., 1, 1] = a
    out[..., 2, 2] = c
    out[..., 0, 1] = out[..., 1, 0] = a - 2.0 * n
    out[..., 0, 2] = out[..., 2, 0] = out[..., 1, 2] = out[..., 2, 1] = f
    out[..., 3, 3] = out[..., 4, 4] = l
    out[..., 5, 5] = n
    return out


@numba.njit(inline="always")
def transverse_stress_point(coef, state, e, p, g00, g01, g02, g10, g11, g12, g20, g21, g22):
    """Transversely isotropic stress at point p of element e; coef = (A, C, L, N, F, s1, s2, s3).

    With E = g + g^T (twice the strain), tr = tr(g), q = s.g.s and Es = E s, the module formula reads
    sigma = (A-2N) tr I + N E + (F-A+2N)(q I + tr s s^T) + (L-N)(Es s^T + s Es^T) + (A-2F+C-4L) q s s^T.
    Returns (s00, s11, s22, s12, s02, s01); no float literals (computes in the inputs' dtype)."""
    a = coef[0, e, p]
    c = coef[1, e, p]
    ll = coef[2, e, p]
    nn = coef[3, e, p]
    f = coef[4, e, p]
    x = coef[5, e, p]
    y = coef[6, e, p]
    z = coef[7, e, p]
    e00 = g00 + g00
    e11 = g11 + g11
    e22 = g22 + g22
    e12 = g12 + g21
    e02 = g02 + g20
    e01 = g01 + g10
    tr = g00 + g11 + g22
    q = (x * (g00 * x + g01 * y + g02 * z) + y * (g10 * x + g11 * y + g12 * z)
         + z * (g20 * x + g21 * y + g22 * z))
    ex = e00 * x + e01 * y + e02 * z
    ey = e01 * x + e11 * y + e12 * z
    ez = e02 * x + e12 * y + e22 * z
    n2 = nn + nn
    l2 = ll + ll
    k1 = a - n2                    # A - 2N
    k2 = f - k1                    # F - A + 2N
    k3 = ll - nn                   # L - N
    k4 = a + c - (f + f) - (l2 + l2)   # A - 2F + C - 4L
    diag = k1 * tr + k2 * q
    tq = k2 * tr + k4 * q          # coefficient of s s^T
    return (diag + nn * e00 + tq * x * x + k3 * (ex * x + ex * x),
            diag + nn * e11 + tq * y * y + k3 * (ey * y + ey * y),
            diag + nn * e22 + tq * z * z + k3 * (ez * z + ez * z),
            nn * e12 + tq * y * z + k3 * (ey * z + y * ez),
            nn * e02 + tq * x * z + k3 * (ex * z + x * ez),
            nn * e01 + tq * x * y + k3 * (ex * y + x * ey))


class TransverselyIsotropic(SolidLaw):
    """Parameters vpv, vph, vsv, vsh (m/s), eta (1), rho (kg/m^3), axis (..., 3) unit vectors."""

    name = "transversely_isotropic"
    numba_point = staticmethod(transverse_stress_point)
    cuda_law = "TransverselyIsotropic"          # kernels/transverse.cuh
    parameters = {"vpv": "m/s", "vph": "m/s", "vsv": "m/s", "vsh": "m/s", "eta": "1",
                  "rho": "kg/m^3", "axis": "unit vector"}
    coefficient_names = ("A", "C", "L", "N", "F", "s1", "s2", "s3")

    def __init__(self, **values):
        axis = np.asarray(values.pop("axis"), dtype=np.float64)
        shape = np.shape(values["rho"])
        axis = np.broadcast_to(axis, shape + (3,))
        norm = np.linalg.norm(axis, axis=-1, keepdims=True)
        if np.any(~np.isfinite(norm)) or np.any(norm == 0):
            raise ValueError("transversely_isotropic: the symmetry axis must be a finite non-zero vector")
        super().__init__(axis=axis / norm, **values)

    def _love(self):
        return love_parameters(*(self.values[k] for k in ("vpv", "vph", "vsv", "vsh", "eta", "rho")))

    def validate(self):
        super().validate()
        check_positive_definite(local_voigt(*self._love()), self.name)

    def coefficients(self):
        s = self.values["axis"]
        return np.stack([*self._love(), s[..., 0], s[..., 1], s[..., 2]])

    @staticmethod
    def stress(coef, grad, state=None):
        a, c, l, n, f = (coef[m][..., None, None] for m in range(5))
        s = coef[5:8]
        s = s.transpose(tuple(range(1, s.ndim)) + (0,))            # (..., 3)
        eps = strain(grad)
        tr = (eps[..., 0, 0] + eps[..., 1, 1] + eps[..., 2, 2])[..., None, None]
        e = (eps * s[..., None, :]).sum(-1)                         # eps s, (..., 3)
        q = (e * s).sum(-1)[..., None, None]
        ss = s[..., :, None] * s[..., None, :]
        es = e[..., :, None] * s[..., None, :]
        eye = ss * 0.0
        for d in range(3):
            eye[..., d, d] = 1.0
        return ((a - 2 * n) * tr * eye + 2 * n * eps + (f - a + 2 * n) * (q * eye + tr * ss)
                + 2 * (l - n) * (es + es.swapaxes(-1, -2)) + (a - 2 * f + c - 4 * l) * q * ss)

    def max_velocity(self):
        return christoffel_max_velocity(local_voigt(*self._love()), self.rho)

    def voigt_matrix(self):
        return local_voigt(*self._love())                # in the frame of the axis

    def with_isotropic_increment(self, d_mu, d_kappa):
        a, c, l, n, f = self._love()
        p_inc, l_inc = d_kappa + 4.0 / 3.0 * d_mu, d_kappa - 2.0 / 3.0 * d_mu
        a, c, f, l, n = a + p_inc, c + p_inc, f + l_inc, l + d_mu, n + d_mu
        rho = self.rho
        return TransverselyIsotropic(vpv=np.sqrt(c / rho), vph=np.sqrt(a / rho), vsv=np.sqrt(l / rho),
                                     vsh=np.sqrt(n / rho), eta=f / (a - 2.0 * l), rho=rho, axis=self.values["axis"])
