"""Clayton-Engquist / Stacey first-order absorbing boundaries.

On an absorbing face the traction is t = -Z v, with the impedance Z = sqrt(rho Gamma(n)), where
Gamma_ik = c_ijkl n_j n_l / rho is the Christoffel matrix for the outward normal n. For an
isotropic medium Z = rho (vp n n^T + vs (I - n n^T)), the classical Stacey (1988) condition; the
same formula gives the exact normal-incidence impedance of any anisotropic law.
Assembled with the face quadrature, every boundary node gets a symmetric 3x3 damping matrix C,
and the force is -C v.

Time stepping: an explicit damping term is only stable for dt C / M < 2, which the corner and
edge nodes of order >= 4 elements exceed at ordinary Courant numbers. The damping is therefore
made implicit (trapezoidal) as in SPECFEM's modified mass matrix, but with the full 3x3 block:
(M + dt/2 C) a_{n+1} = f - K u - C v*, with v* the predicted velocity. `solve` applies
(I + dt/2 M^-1 C)^-1 at the boundary nodes to the force residual before it is divided by M.
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
    """Per-node damping matrices on the absorbing faces: idx (nb,), c (nb, 3, 3) in kg/s."""

    def __init__(self, mesh, law, side_names):
        from .. import mesh as meshmod
        faces = [mesh.side_set(name) for name in side_names]
        if not faces:
            self.idx = np.zeros(0, dtype=np.int64)
            self.c = np.zeros((0, 3, 3))
            return
        faces = np.concatenate(faces)
        ib, nrm, wt = mesh.face_geometry(faces)
        coef_all = law.coefficients()
        # material at the face points
        coef = np.empty((coef_all.shape[0],) + ib.shape)
        rho = np.empty(ib.shape)
        for f in range(6):
            sel = np.where(faces[:, 1] == f)[0]
            if sel.size == 0:
                continue
            e = faces[sel, 0][:, None, None]
            i, j, k = meshmod.face_point_indices(mesh.order, f)
            coef[:, sel] = coef_all[:, e, i, j, k]
            rho[sel] = law.rho[e, i, j, k]
        z = impedance(law.stress, coef, rho, nrm) * wt[..., None, None]
        self.idx, inverse = np.unique(ib.ravel(), return_inverse=True)
        self.c = np.zeros((len(self.idx), 3, 3))
        np.add.at(self.c, inverse, z.reshape(-1, 3, 3))

    def add_damping(self, v, r):
        """r[:, idx] += C v[:, idx] for the velocity v (3, nglob) (r is a force residual K u - f)."""
        if len(self.idx) == 0:
            return r
        r[:, self.idx_dev] += np.einsum("bij,jb->ib", self.c_dev, v[:, self.idx_dev])
        return r

    def solve(self, r):
        """r[:, idx] <- (I + dt/2 M^-1 C)^-1 r[:, idx] (needs `prepare` first), so that M^-1 r is
        (M + dt/2 C)^-1 r at the boundary nodes (M is a scalar per node)."""
        if len(self.idx) == 0:
            return r
        r[:, self.idx_dev] = np.einsum("bij,jb->ib", self.b_dev, r[:, self.idx_dev])
        return r

    def apply(self, v, r):
        """The absorbing terms of one step (needs `prepare`): r[:, idx] <- B (r[:, idx] + C v[:, idx]),
        B = (I + dt/2 M^-1 C)^-1; `add_damping` then `solve` on the CPU, one kernel on the GPU."""
        if len(self.idx) == 0:
            return r
        if self.gpu:                                                     # pragma: no cover - GPU only
            from ..cuda_passes import absorbing
            absorbing(r, v, self.idx_dev, self.c_dev, self.b_dev)
            return r
        return self.solve(self.add_damping(v, r))

    def prepare(self, mass, dt, xp=np, dtype=np.float64):
        """Move to the device and precompute the implicit-damping blocks for time step dt (s)."""
        self.gpu = xp is not np
        self.c_dev = xp.asarray(self.c, dtype=dtype)
        self.idx_dev = xp.asarray(self.idx)
        blocks = np.eye(3) + 0.5 * dt * self.c / mass[self.idx][:, None, None]
        self.b_dev = xp.asarray(np.linalg.inv(blocks), dtype=dtype)
        return self
