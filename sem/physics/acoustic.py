"""The acoustic (fluid) law in the displacement potential chi (Chaljub & Valette 2004; Komatitsch &
Tromp 2002): displacement u = grad(chi) / rho, pressure p = -d2chi/dt2, and

    (1 / kappa) d2chi/dt2 = div(grad(chi) / rho),      kappa = rho vp^2.

In the operator's terms the field has one component, the "stress" is the flux grad(chi) / rho and
the mass-matrix coefficient is 1 / kappa. On a fluid face that is not coupled to a solid the
natural condition is u . n = 0 (a rigid wall).
"""

from __future__ import annotations

from .law import ElasticLaw


class Acoustic(ElasticLaw):
    """Parameters vp (m/s) and rho (kg/m^3); coefficient 1/rho (m^3/kg)."""

    name = "acoustic"
    cuda_law = "Acoustic"          # its point law in kernels/acoustic.cuh
    parameters = {"vp": "m/s", "rho": "kg/m^3"}
    coefficient_names = ("inv_rho",)
    ncomp = 1

    def coefficients(self):
        return (1.0 / self.values["rho"])[None]

    def mass_density(self):
        return 1.0 / (self.values["rho"] * self.values["vp"] ** 2)

    @staticmethod
    def stress(coef, grad):
        """Flux grad(chi) / rho for grad (..., 1, 3)."""
        return coef[0][..., None, None] * grad

    def max_velocity(self):
        return self.values["vp"]


# ---- Numba point function (the compiled operator inlines it; see sem.physics.numba_operator) ----
import numba  # noqa: E402


@numba.njit(inline="always")
def stress_point(coef, e, i, j, k, g0, g1, g2):
    """The fluid's "stress" at one point: the flux grad(chi) / rho, with coef[0] = 1/rho and
    g_c = dchi/dx_c. Returns (f0, f1, f2). No float literals, so it computes in the inputs' dtype."""
    inv_rho = coef[0, e, i, j, k]
    return inv_rho * g0, inv_rho * g1, inv_rho * g2


#: the same function under the name that says what it returns
flux_point = stress_point
