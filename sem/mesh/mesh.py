"""The hexahedral spectral-element mesh container.

A mesh is defined by the coordinates of every element's GLL points, shape (nspec, n, n, n, 3)
with n = order + 1, indexed [e, i, j, k, xyz] where i, j, k run along the reference coordinates
xi, eta, zeta. Everything else (global numbering, Jacobians, face geometry, colouring) is derived
from them, in float64.

Face numbering of an element: 0: xi = -1, 1: xi = +1, 2: eta = -1, 3: eta = +1, 4: zeta = -1,
5: zeta = +1. Side sets map a name (e.g. "zmax") to an int array (nfaces, 2) of (element, face).
A mesh made for a 1-D Earth model carries its metadata in ``mesh.earth_info`` (an EarthMeshInfo).
(The compiled operators colour blocks of elements for parallel scatter; see operators/numba_operator.py.)
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from .. import basis
from .earth_mesh import EarthMeshInfo
from .quality import mesh_report
from .timestep import COURANT


class MeshError(ValueError):
    """A mesh is malformed (inverted element, bad shapes, unknown side set)."""


def face_point_indices(order: int, face: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, k) index arrays, each (n, n), of the GLL points on `face` of an element.

    The two free indices are the remaining reference directions in increasing order.
    """
    n = order + 1
    a, b = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    fixed = np.full((n, n), 0 if face % 2 == 0 else order)
    axis = face // 2
    free = [a, b]
    idx = []
    for d in range(3):
        idx.append(fixed if d == axis else free.pop(0))
    return tuple(idx)


class Mesh:
    """Hexahedral mesh of GLL-point coordinates with derived numbering and geometry.

    Parameters
    ----------
    coords : (nspec, n, n, n, 3) float array, metres.
    order : polynomial order N (n = N + 1).
    side_sets : dict name -> (nfaces, 2) int array of (element, face).
    ibool : optional (nspec, n, n, n) global numbering; computed by merging coincident points if None.
    outer_sides : the side-set names that together cover the outer boundary once (no aliases);
                  default all side sets.
    free_surface : the side set that is the free surface (kept free by boundaries="absorbing").
    earth_info : optional EarthMeshInfo of a mesh made for an Earth model (per-element layers and
                 regions, nex, ...); None for other meshes.
    """

    def __init__(self, coords, order: int, side_sets=None, ibool=None, outer_sides=None, free_surface=None,
                 earth_info: EarthMeshInfo | None = None):
        coords = np.ascontiguousarray(coords, dtype=np.float64)
        n = order + 1
        if coords.ndim != 5 or coords.shape[1:] != (n, n, n, 3):
            raise MeshError(f"coords must have shape (nspec, {n}, {n}, {n}, 3) for order {order}, "
                            f"got {coords.shape}")
        if not np.all(np.isfinite(coords)):
            raise MeshError("mesh coordinates contain NaN or Inf")
        self.coords = coords
        self.order = int(order)
        self.side_sets = {k: np.asarray(v, dtype=np.int64).reshape(-1, 2)
                          for k, v in (side_sets or {}).items()}
        if ibool is None:
            ibool = _merge_coincident_points(coords)
        ibool = np.ascontiguousarray(ibool, dtype=np.int64)
        if ibool.shape != coords.shape[:4]:
            raise MeshError(f"ibool shape {ibool.shape} does not match coords {coords.shape[:4]}")
        self.ibool = ibool
        self.nglob = int(ibool.max()) + 1
        self.outer_sides = list(outer_sides) if outer_sides is not None else sorted(self.side_sets)
        unknown = [n for n in self.outer_sides + ([free_surface] if free_surface else []) if n not in self.side_sets]
        if unknown:
            raise MeshError(f"outer_sides / free_surface name unknown side sets {unknown}")
        self.free_surface = free_surface
        if earth_info is not None and earth_info.nspec != coords.shape[0]:
            raise MeshError(f"earth_info describes {earth_info.nspec} elements, the mesh has {coords.shape[0]}")
        self.earth_info = earth_info
        self._check_jacobian()

    # ---- sizes ---------------------------------------------------------------------------
    @property
    def nspec(self) -> int:
        return self.coords.shape[0]

    @property
    def ngll(self) -> int:
        return self.order + 1

    @property
    def ndim(self) -> int:
        """Spatial dimension of the mesh (hexahedra: 3); an element has ngll ** ndim GLL points."""
        return 3

    @cached_property
    def global_coords(self) -> np.ndarray:
        """Coordinates of the global points, shape (nglob, 3)."""
        out = np.empty((self.nglob, 3))
        out[self.ibool.ravel()] = self.coords.reshape(-1, 3)
        return out

    # ---- geometry --------------------------------------------------------------------------
    @cached_property
    def jacobian(self) -> np.ndarray:
        """dx_a / dxi_b at every GLL point, shape (nspec, n, n, n, 3, 3), [..., a, b]."""
        return basis.reference_gradient(self.coords, basis.derivative_matrix(self.order))

    @cached_property
    def det_jacobian(self) -> np.ndarray:
        """Jacobian determinant, shape (nspec, n, n, n)."""
        return np.linalg.det(self.jacobian)

    @cached_property
    def inv_jacobian(self) -> np.ndarray:
        """dxi_b / dx_a, shape (nspec, n, n, n, 3, 3), indexed [..., b, a]."""
        return np.linalg.inv(self.jacobian)

    @cached_property
    def quadrature_weights(self) -> np.ndarray:
        """w_i w_j w_k |J| at every GLL point, shape (nspec, n, n, n): the volume element."""
        w = basis.gll_weights(self.order)
        return self.det_jacobian * np.einsum("i,j,k->ijk", w, w, w)

    def _check_jacobian(self):
        det = self.det_jacobian
        bad = np.where(~(det > 0).all(axis=(1, 2, 3)))[0]
        if bad.size:
            e = int(bad[0])
            raise MeshError(f"element {e} is inverted or degenerate (min Jacobian determinant "
                            f"{det[e].min():.3e}); {bad.size} bad element(s) in all")

    def volume(self) -> float:
        return float(self.quadrature_weights.sum())

    def assemble(self, local: np.ndarray) -> np.ndarray:
        """Sum an element-local array (nspec, n, n, n) onto the global points, shape (nglob,)."""
        return np.bincount(self.ibool.ravel(), weights=np.asarray(local).ravel(), minlength=self.nglob)

    # ---- faces ------------------------------------------------------------------------------
    def side_set(self, name: str) -> np.ndarray:
        if name not in self.side_sets:
            raise MeshError(f"unknown side set {name!r}; this mesh has {sorted(self.side_sets)}")
        return self.side_sets[name]

    def face_values(self, faces: np.ndarray, local: np.ndarray) -> np.ndarray:
        """Values of an element-local array at the GLL points of some faces.

        faces : (nf, 2) (element, face); local : (nspec, n, n, n, ...).
        Returns (nf, n, n, ...): out[f, p, q] = local[e, i, j, k] at the point (p, q) of face f, with
        (i, j, k) from `face_point_indices`.
        """
        faces = np.asarray(faces, dtype=np.int64).reshape(-1, 2)
        local = np.asarray(local)
        n = self.ngll
        if local.shape[:4] != (self.nspec, n, n, n):
            raise MeshError(f"face_values needs an element-local array (nspec, n, n, n, ...) = "
                            f"{(self.nspec, n, n, n)} + ..., got {local.shape}")
        if faces.size and ((faces[:, 1] < 0) | (faces[:, 1] > 5)).any():
            raise MeshError("face numbers must be in 0..5")
        out = np.empty((len(faces), n, n) + local.shape[4:], dtype=local.dtype)
        for f in range(6):                                    # six face types, vectorised over faces
            sel = np.flatnonzero(faces[:, 1] == f)
            if sel.size == 0:
                continue
            e = faces[sel, 0][:, None, None]
            i, j, k = face_point_indices(self.order, f)
            out[sel] = local[e, i, j, k]
        return out

    def face_geometry(self, faces: np.ndarray):
        """Area-weighted outward normals on a list of faces.

        faces : (nf, 2) (element, face).
        Returns (ibool_f, normal, weight): global indices (nf, n, n), unit outward normals
        (nf, n, n, 3) and the surface quadrature weights w_p w_q dS/dxi_p dxi_q (nf, n, n), m^2.
        Uses n dS = sign * |J| grad(xi_f) dxi_p dxi_q on the face xi_f = +-1.
        """
        faces = np.asarray(faces, dtype=np.int64).reshape(-1, 2)
        w = basis.gll_weights(self.order)
        ww = np.outer(w, w)
        axis = faces[:, 1] // 2
        sign = np.where(faces[:, 1] % 2 == 0, -1.0, 1.0)[:, None, None, None]
        inv = self.face_values(faces, self.inv_jacobian)                     # (nf, n, n, 3, 3)
        grad = np.take_along_axis(inv, axis[:, None, None, None, None], axis=3)[:, :, :, 0, :]   # grad xi_f
        vec = sign * self.face_values(faces, self.det_jacobian)[..., None] * grad
        area = np.linalg.norm(vec, axis=-1)
        return self.face_values(faces, self.ibool), vec / area[..., None], area * ww

    def subset(self, elements) -> "Mesh":
        """The mesh of some elements (index array, in that order), with its own compact global
        numbering; side sets keep the faces of those elements, and `earth_info` (if any) their
        per-element arrays. `parent_elements` maps back."""
        elements = np.asarray(elements, dtype=np.int64)
        used, ibool = np.unique(self.ibool[elements], return_inverse=True)
        where = np.full(self.nspec, -1, dtype=np.int64)
        where[elements] = np.arange(len(elements))
        sides = {}
        for name, faces in self.side_sets.items():
            keep = where[faces[:, 0]] >= 0
            sides[name] = np.stack([where[faces[keep, 0]], faces[keep, 1]], axis=1)
        sub = Mesh(self.coords[elements], self.order, side_sets=sides,
                   ibool=ibool.reshape(self.ibool[elements].shape), outer_sides=self.outer_sides,
                   free_surface=self.free_surface,
                   earth_info=self.earth_info.subset(elements) if self.earth_info is not None else None)
        sub.parent_elements = elements
        sub.parent_points = used
        return sub

    # ---- point location --------------------------------------------------------------------
    @cached_property
    def _element_tree(self):
        centres = self.coords.mean(axis=(1, 2, 3))
        radius = np.linalg.norm(self.coords - centres[:, None, None, None, :], axis=-1).max(axis=(1, 2, 3))
        return cKDTree(centres), radius

    def min_gll_spacing(self) -> np.ndarray:
        """Smallest distance between neighbouring GLL points of each element, shape (nspec,)."""
        x = self.coords
        d = [np.linalg.norm(np.diff(x, axis=ax), axis=-1).min(axis=(1, 2, 3)) for ax in (1, 2, 3)]
        return np.minimum.reduce(d)

    # ---- quality ---------------------------------------------------------------------------
    def report(self, earth=None, courant: float = COURANT):
        """`sem.mesh.mesh_report` of this mesh: quality, and with `earth` the Courant dt and cost."""
        return mesh_report(self, earth, courant)

    def __repr__(self):
        return (f"Mesh(nspec={self.nspec}, order={self.order}, nglob={self.nglob}, "
                f"side_sets={sorted(self.side_sets)})")


def _merge_coincident_points(coords: np.ndarray) -> np.ndarray:
    """Global numbering by merging GLL points closer than 1e-6 of the smallest GLL spacing."""
    pts = coords.reshape(-1, 3)
    h = np.linalg.norm(np.diff(coords, axis=1), axis=-1).min()
    tol = 1e-6 * h
    pairs = cKDTree(pts).query_pairs(tol, output_type="ndarray")
    npts = len(pts)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(npts, npts))
    _, labels = connected_components(graph, directed=False)
    # number global points in order of first appearance, for locality
    _, first = np.unique(labels, return_index=True)
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[labels].reshape(coords.shape[:4])
