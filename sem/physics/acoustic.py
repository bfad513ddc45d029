"""The acoustic (fluid) law in the displacement potential chi (Chaljub & Valette 2004; Komatitsch &
Tromp 2002): displacement u = grad(chi) / rho, pressure p = -d2chi/dt2, and

    (1 / kappa) d2chi/dt2 = div(grad(chi) / rho),      kappa = rho vp^2.

In the operator's terms the field has one component, the "stress" is the flux grad(chi) / rho and
the mass-matrix coefficient is 1 / kappa. On a fluid face that is not coupled to a solid the
natural condition is u . n = 0 (a rigid wall).
"""

from __future__ import annotations

import numba

from .law import FluidLaw


@numba.njit(inline="always")
def acoustic_flux_point(coef, state, e, p, g0, g1, g2):
    """The fluid's flux grad(chi) / rho at point p of element e, with coef[0] = 1/rho and
    g_c = dchi/dx_c. Returns (f0, f1, f2). No float literals, so it computes in the inputs' dtype."""
    inv_rho = coef[0, e, p]
    return inv_rho * g0, inv_rho * g1, inv_rho * g2


class Acoustic(FluidLaw):
    """Parameters vp (m/s) and rho (kg/m^3); coefficient 1/rho (m^3/kg)."""

    name = "acoustic"
    numba_point = staticmethod(acoustic_flux_point)
    cuda_law = "Acoustic"          # kernels/acoustic.cuh
    parameters = {"vp": "m/s", "rho": "kg/m^3"}
    coefficient_names = ("inv_rho",)

    def coefficients(self):
        return (1.0 / self.values["rho"])[None]

    def mass_density(self):
        return 1.0 / (self.values["rho"] * self.values["vp"] ** 2)

    @staticmethod
    def stress(coef, grad, state=None):
        """Flux grad(chi) / rho for grad (..., 1, 3)."""
        return coef[0][..., None, None] * grad

    def max_velocity(self):
        return self.values["vp"]
