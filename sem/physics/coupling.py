"""Solid-fluid coupling on the faces shared by solid and fluid elements.

With the fluid potential chi (u_fluid = grad(chi)/rho, p = -d2chi/dt2) and n the unit normal
pointing OUT of the fluid, continuity of normal displacement and of traction give
(Chaljub & Valette 2004; Komatitsch & Tromp 2002a):

    solid:  M_s a_s = -K_s u_s - C d2chi/dt2 + f      (the fluid pressure pushes on the solid)
    fluid:  M_f d2chi/dt2 = -K_f chi + C^T u_s        (the solid's normal displacement drives chi)

with C[(a, i), j] = int_Sigma phi_i n_a phi_j dSigma, assembled from the fluid side of the
interface with GLL quadrature (the same points on both sides of a conforming interface).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.spatial import cKDTree



def _face_centres(mesh):
    """Centre of every element face, (nspec * 6, 3), face f of element e at row 6 e + f."""
    faces = np.stack(np.meshgrid(np.arange(mesh.nspec), np.arange(6), indexing="ij"), axis=-1).reshape(-1, 2)
    return mesh.face_values(faces, mesh.coords).mean(axis=(1, 2))


def coupling_faces(solid, fluid):
    """Faces (nf, 2) (element, face) of the FLUID mesh that touch a solid element."""
    h = min(solid.min_gll_spacing().min(), fluid.min_gll_spacing().min())
    tree = cKDTree(_face_centres(solid))
    dist, _ = tree.query(_face_centres(fluid), distance_upper_bound=1e-6 * h)
    hit = np.flatnonzero(np.isfinite(dist))
    return np.stack([hit // 6, hit % 6], axis=1)


class Coupling:
    """The coupling matrix C as a sparse (3 * nglob_solid, nglob_fluid) matrix, rows a * nglob_s + i,
    and the same matrix as interface points (solid_idx, fluid_idx (npts,), nw (3, npts): C is the sum
    over points q of nw[:, q] at row (a, solid_idx[q]), column fluid_idx[q]), for the GPU kernels.
    The time step applies it through sem.solver.terms.SolidFluidCoupling."""

    def __init__(self, solid, fluid):
        faces = coupling_faces(solid, fluid)
        self.nfaces = len(faces)
        ib_f, normal, weight = fluid.face_geometry(faces)               # normals out of the fluid
        pts = fluid.global_coords[ib_f.ravel()]
        h = min(solid.min_gll_spacing().min(), fluid.min_gll_spacing().min())
        dist, ib_s = cKDTree(solid.global_coords).query(pts)
        if len(pts) and dist.max() > 1e-6 * h:
            raise ValueError("solid and fluid meshes are not conforming on their interface "
                             f"(a fluid face point is {dist.max():.3g} m from the nearest solid point)")
        nw = (normal * weight[..., None]).reshape(-1, 3)
        ns, nf = solid.nglob, fluid.nglob
        # the same matrix as interface points (repeated where faces share a point), for the GPU kernels
        self.solid_idx, self.fluid_idx, self.nw = ib_s.astype(np.int64), ib_f.ravel().astype(np.int64), nw.T.copy()
        rows = np.concatenate([a * ns + ib_s for a in range(3)])
        cols = np.tile(ib_f.ravel(), 3)
        self.matrix = sparse.csr_matrix((nw.T.ravel(), (rows, cols)), shape=(3 * ns, nf))
        self.area = float(weight.sum())
