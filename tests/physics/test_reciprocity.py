"""Reciprocity in a heterogeneous, fully anisotropic (21-Cij) solid: G_ij(x; y) = G_ji(y; x).

Force sources and receivers use the same Lagrange weights and K is symmetric with a diagonal M,
so the discrete scheme is exactly reciprocal; float64 rounding leaves ~1e-12 relative. The
tolerance 1e-6 (issue requirement) fails for a non-symmetric stiffness (e.g. a wrong Voigt
index) or mismatched source/receiver interpolation.
"""

import numpy as np

import sem
from helpers import wavy


def random_cij(mesh, rng):
    """Random smooth, positive-definite Voigt matrices at the GLL points, (nspec, n, n, n, 6, 6), Pa."""
    x = mesh.coords
    base = rng.standard_normal((6, 6))
    pert = rng.standard_normal((6, 6))
    smooth = np.sin(3 * x[..., 0] + 2 * x[..., 1]) * np.cos(2 * x[..., 2])
    b = base[None, None, None, None] + 0.3 * smooth[..., None, None] * pert
    return 1e10 * (np.einsum("...ij,...kj->...ik", b, b) + 4.0 * np.eye(6))


def test_reciprocity_anisotropic_heterogeneous():
    rng = np.random.default_rng(7)
    mesh = sem.mesh.box((1.0, 1.0, 1.0), (4, 4, 4), order=4, deform=wavy)
    rho = 3000.0 * (1 + 0.2 * np.sin(4 * mesh.coords[..., 1]))
    model = sem.Model.anisotropic(mesh, random_cij(mesh, rng), rho)
    x, y = np.array([0.31, 0.42, 0.55]), np.array([0.71, 0.63, 0.38])
    p, q = rng.standard_normal(3), rng.standard_normal(3)
    stf = sem.stf.Ricker(f0=2e4)

    def green(src, direction, rec):
        sim = sem.Simulation(mesh, model, [sem.ForceSource(src, direction, stf)], [sem.Receiver(rec)],
                             duration=3e-4, progress=False)
        return sim.run().data[0]                                  # (3, nt)

    a = q @ green(x, p, y)                                       # q . G(y; x) p
    b = p @ green(y, q, x)                                       # p . G(x; y) q
    err = np.abs(a - b).max() / np.abs(a).max()
    print(f"reciprocity: max |a - b| / max |a| = {err:.2e}, peak {np.abs(a).max():.3e} m")
    assert np.abs(a).max() > 0
    assert err < 1e-6
