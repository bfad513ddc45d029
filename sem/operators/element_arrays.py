"""The per-element arrays the compiled operators read (Numba and CUDA share one layout).

For every element, in a given processing order:
  ibool (nspec, n**3) int32            global point of each element point
  geom  (nspec, 10, n**3)              rows b*3+a = dxi_b/dx_a, row 9 = jw = |J| w_i w_j w_k
  coef  (ncoef, nspec, n**3)           the law's coefficients
Each row is contiguous over the element's points (structure of arrays per element), so a CPU
kernel streams through them and a GPU thread block reads them with coalesced loads.

Affine elements (parallelepipeds: every element of an undeformed box) have one constant Jacobian,
so their geometry is 10 numbers per element instead of 10 per point (`affine_geometry`): the GPU
kernel then recomputes jw = |J| w_i w_j w_k from the GLL weights, and the geometry, the largest
share of the bytes a step moves, nearly vanishes.
"""

from __future__ import annotations

import numpy as np

#: number of geometry rows per GLL point: the nine dxi_b/dx_a (row b*3+a) and jw
GEOMETRY_ROWS = 10


def element_arrays(mesh, law, dtype, perm=None):
    """(ibool, geom, coef) for `mesh` and `law` in `dtype`, elements in the order `perm` (default: mesh order)."""
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    if mesh.nglob >= 2**31:
        raise ValueError("more than 2**31 global points: the int32 numbering would overflow")
    nspec, n3 = mesh.nspec, mesh.ngll ** mesh.ndim
    if perm is None:
        perm = np.arange(nspec)
    ibool = np.ascontiguousarray(mesh.ibool.reshape(nspec, n3)[perm], dtype=np.int32)
    geom = np.empty((nspec, GEOMETRY_ROWS, n3), dtype=dtype)
    geom[:, :9, :] = mesh.inv_jacobian.reshape(nspec, n3, 9)[perm].transpose(0, 2, 1)
    geom[:, 9, :] = mesh.quadrature_weights.reshape(nspec, n3)[perm]
    c = np.asarray(law.coefficients(), dtype=np.float64)
    ncoef = c.shape[0]
    c = c.reshape((ncoef,) + (1,) * (4 - (c.ndim - 1)) + c.shape[1:])
    try:
        c = np.broadcast_to(c, (ncoef,) + mesh.ibool.shape)
    except ValueError:
        raise ValueError(f"law coefficients of shape {c.shape[1:]} do not fit the mesh "
                         f"{mesh.ibool.shape}") from None
    coef = np.ascontiguousarray(c.reshape(ncoef, nspec, n3)[:, perm], dtype=dtype)
    return ibool, geom, coef


def affine_geometry(mesh, dtype, perm=None, rtol: float = 1e-10):
    """(nspec, 10) per-element geometry [dxi_b/dx_a at b*3+a, |J|] if every element of `mesh` is
    affine (its inverse Jacobian constant to `rtol` of its largest term), else None."""
    inv = mesh.inv_jacobian.reshape(mesh.nspec, -1, 9)
    if perm is not None:
        inv = inv[perm]
    scale = np.abs(inv).max(axis=(1, 2), keepdims=True)
    if np.any(np.abs(inv - inv[:, :1]) > rtol * scale):
        return None
    det = mesh.det_jacobian.reshape(mesh.nspec, -1)
    det = det if perm is None else det[perm]
    out = np.empty((mesh.nspec, GEOMETRY_ROWS), dtype=dtype)
    out[:, :9] = inv[:, 0]
    out[:, 9] = det[:, 0]
    return out


def bytes_per_element(order: int, ncoef: int, ncomp: int, nglob_per_element: float, itemsize: int,
                      affine: bool = False) -> float:
    """Bytes one application of K must move per element, at the memory minimum: geometry (9 inverse
    Jacobian terms and jw per element point, or 10 numbers per element if affine), coefficients and
    ibool read once per element point; the field read once and the forces read and written once per
    global point (nglob / nspec points per element)."""
    n3 = (order + 1) ** 3
    geometry = GEOMETRY_ROWS * itemsize * (1 if affine else n3)
    return geometry + n3 * (ncoef * itemsize + 4) + nglob_per_element * ncomp * itemsize * 3
