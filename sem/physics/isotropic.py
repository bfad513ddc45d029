"""Isotropic elasticity: sigma = lambda tr(eps) I + 2 mu eps."""

from __future__ import annotations

import numpy as np

from .law import ElasticLaw, strain


class IsotropicElastic(ElasticLaw):
    """Parameters vp, vs (m/s) and rho (kg/m^3); coefficients (lambda, mu) in Pa."""

    name = "isotropic"
    cuda_law = "Isotropic"          # its point law in kernels/isotropic.cuh
    parameters = {"vp": "m/s", "vs": "m/s", "rho": "kg/m^3"}
    coefficient_names = ("lambda", "mu")

    def validate(self):
        super().validate()
        vp, vs = self.values["vp"], self.values["vs"]
        bad = vp**2 <= (4.0 / 3.0) * vs**2
        if np.any(bad):
            raise ValueError("isotropic: vp must exceed sqrt(4/3) vs (positive bulk modulus); violated at "
                             f"index {np.argwhere(bad)[0].tolist()}")

    def coefficients(self):
        vp, vs, rho = (self.values[k] for k in ("vp", "vs", "rho"))
        mu = rho * vs**2
        return np.stack([rho * vp**2 - 2.0 * mu, mu])

    @staticmethod
    def stress(coef, grad):
        lam, mu = coef[0][..., None, None], coef[1][..., None, None]
        eps = strain(grad)
        tr = eps[..., 0, 0] + eps[..., 1, 1] + eps[..., 2, 2]
        sigma = 2.0 * mu * eps
        for a in range(3):
            sigma[..., a, a] += lam[..., 0, 0] * tr
        return sigma

    def max_velocity(self):
        return self.values["vp"]


# ---- Numba point function (the compiled operator inlines it; see sem.physics.numba_operator) ----
import numba  # noqa: E402


@numba.njit(inline="always")
def stress_point(coef, e, i, j, k, g00, g01, g02, g10, g11, g12, g20, g21, g22):
    """Isotropic stress at one point; coef[0] = lambda, coef[1] = mu; g_ac = du_a/dx_c.
    Returns (s00, s11, s22, s12, s02, s01). No float literals, so it computes in the inputs' dtype."""
    lam = coef[0, e, i, j, k]
    mu = coef[1, e, i, j, k]
    lt = lam * (g00 + g11 + g22)
    mu2 = mu + mu
    return (lt + mu2 * g00, lt + mu2 * g11, lt + mu2 * g22,
            mu * (g12 + g21), mu * (g02 + g20), mu * (g01 + g10))
