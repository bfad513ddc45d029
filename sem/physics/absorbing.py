"""Clayton-Engquist / Stacey first-order absorbing boundaries.

On an absorbing face the traction is t = -Z v, with the impedance Z = rho sqrt(Gamma(n)) (the
symmetric square root; = sqrt(rho^2 Gamma)), where Gamma_ik = c_ijkl n_j n_l / rho is the Christoffel
matrix for the outward normal n. For an
isotropic medium Z = rho (vp n n^T + vs (I - n n^T)), the classical Stacey (1988) condition; the
same formula gives the exact normal-incidence impedance of any anisotropic law.
Assembled with the face quadrature, every boundary node gets a symmetric 3x3 damping matrix C,
and the force is -C v.

Time stepping: an explicit damping term is only stable for dt C / M < 2, which the corner and
edge nodes of order >= 4 elements exceed at ordinary Courant numbers. The damping is therefore
made implicit (trapezoidal) as in SPECFEM's modified mass matrix, but with the full 3x3 block:
(M + dt/2 C) a_{n+1} = f - K u - C v*, with v* the predicted velocity: the time step applies
B = (I + dt/2 M^-1 C)^-1 at the boundary nodes to the force residual before it is divided by M
(sem.solver.terms.AbsorbingSolve).
"""

from __future__ import annotations

import numpy as np


def impedance(law_stress, coef, rho, normal):
    """Z (..., 3, 3) for coefficients coef (ncoef, ...), rho (...) and unit normals (..., 3)."""
    # rho Gamma_ik = sigma_ij(grad = e_k (x) n) n_j
    cols = []
    for k in range(3):
        grad = np.zeros(normal.shape[:-1] + (3, 3))
        grad[..., k, :] = normal
        cols.append(np.einsum("...ij,...j->...i", law_stress(coef, grad), normal))
    rg = np.stack(cols, axis=-1)                                     # rho * Gamma
    val, vec = np.linalg.eigh(0.5 * (rg + np.swapaxes(rg, -1, -2)))
    return np.einsum("...ik,...k,...jk->...ij", vec, np.sqrt(np.maximum(val, 0.0) * rho[..., None]), vec)


class AbsorbingBoundary:
    """Per-node damping matrices on the absorbing faces: idx (nb,) global points of `mesh`,
    c (nb, 3, 3) in kg/s (symmetric), assembled from the face quadrature."""

    def __init__(self, mesh, law, side_names):
        faces = [mesh.side_set(name) for name in side_names]
        if not faces:
            self.idx = np.zeros(0, dtype=np.int64)
            self.c = np.zeros((0, 3, 3))
            return
        faces = np.concatenate(faces)
        ib, nrm, wt = mesh.face_geometry(faces)
        coef = np.moveaxis(mesh.face_values(faces, np.moveaxis(law.coefficients(), 0, -1)), -1, 0)
        rho = mesh.face_values(faces, law.rho)
        z = impedance(law.stress, coef, rho, nrm) * wt[..., None, None]
        self.idx, inverse = np.unique(ib.ravel(), return_inverse=True)
        self.c = np.zeros((len(self.idx), 3, 3))
        np.add.at(self.c, inverse, z.reshape(-1, 3, 3))

    def __len__(self):
        return len(self.idx)

    def implicit_blocks(self, mass, dt):
        """B = (I + dt/2 M^-1 C)^-1 at the boundary nodes, (nb, 3, 3), for the diagonal mass
        `mass` (nglob,) kg and the time step dt (s): then M^-1 B applied to a residual is
        (M + dt/2 C)^-1 of it at those nodes (M is a scalar per node)."""
        blocks = np.eye(3) + 0.5 * dt * self.c / mass[self.idx][:, None, None]
        return np.linalg.inv(blocks)
