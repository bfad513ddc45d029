"""Isotropic elasticity: sigma = lambda tr(eps) I + 2 mu eps."""

from __future__ import annotations

import numba
import numpy as np

from .law import SolidLaw, double_contraction, strain


@numba.njit(inline="always")
def isotropic_stress_point(coef, state, e, p, g00, g01, g02, g10, g11, g12, g20, g21, g22):
    """Isotropic stress at point p of element e; coef[0] = lambda, coef[1] = mu; g_ac = du_a/dx_c.
    Returns (s00, s11, s22, s12, s02, s01). No float literals, so it computes in the inputs' dtype."""
    lam = coef[0, e, p]
    mu = coef[1, e, p]
    lt = lam * (g00 + g11 + g22)
    mu2 = mu + mu
    return (lt + mu2 * g00, lt + mu2 * g11, lt + mu2 * g22,
            mu * (g12 + g21), mu * (g02 + g20), mu * (g01 + g10))


class IsotropicElastic(SolidLaw):
    """Parameters vp, vs (m/s) and rho (kg/m^3); coefficients (lambda, mu) in Pa."""

    name = "isotropic"
    numba_point = staticmethod(isotropic_stress_point)
    cuda_law = "Isotropic"          # kernels/isotropic.cuh
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
    def stress(coef, grad, state=None):
        lam, mu = coef[0][..., None, None], coef[1][..., None, None]
        eps = strain(grad)
        tr = eps[..., 0, 0] + eps[..., 1, 1] + eps[..., 2, 2]
        sigma = 2.0 * mu * eps
        for a in range(3):
            sigma[..., a, a] += lam[..., 0, 0] * tr
        return sigma

    def gradient_terms(self, grad_u, grad_adj):
        """d/d(vp, vs, rho) of grad_adj : sigma(grad_u), with lambda = rho (vp^2 - 2 vs^2) and
        mu = rho vs^2: with T = tr(eps_u) tr(eps_adj) and E = eps_u : eps_adj,
        d/dvp = 2 rho vp T, d/dvs = 4 rho vs (E - T), d/drho = (vp^2 - 2 vs^2) T + 2 vs^2 E
        (the stiffness part only: the adjoint adds the mass term of rho). Units: Pa per (m/s), and
        Pa per (kg/m^3), times the strains."""
        vp, vs, rho = (self.values[k] for k in ("vp", "vs", "rho"))
        eu, ea = strain(grad_u), strain(grad_adj)
        t = np.trace(eu, axis1=-2, axis2=-1) * np.trace(ea, axis1=-2, axis2=-1)
        e = double_contraction(eu, ea)
        return {"vp": 2.0 * rho * vp * t, "vs": 4.0 * rho * vs * (e - t),
                "rho": (vp**2 - 2.0 * vs**2) * t + 2.0 * vs**2 * e}

    def max_velocity(self):
        return self.values["vp"]

    def voigt_matrix(self):
        lam, mu = self.coefficients()
        out = np.zeros(lam.shape + (6, 6))
        out[..., :3, :3] = lam[..., None, None]
        for d in range(3):
            out[..., d, d] += 2.0 * mu
            out[..., d + 3, d + 3] = mu
        return out

    def with_isotropic_increment(self, d_mu, d_kappa):
        rho = self.rho
        mu = rho * self.values["vs"] ** 2 + d_mu
        p_modulus = rho * self.values["vp"] ** 2 + d_kappa + 4.0 / 3.0 * d_mu
        return IsotropicElastic(vp=np.sqrt(p_modulus / rho), vs=np.sqrt(mu / rho), rho=rho)
