"""Point location in a mesh and Lagrange interpolation at arbitrary points.

A point is located by Newton iteration on the element mapping x(xi) = sum l_i l_j l_k X_ijk in
reference coordinates, over a few candidate elements (those whose centres are nearest), and
kept in the element where it lies inside [-1, 1]^3 (to a small tolerance). Points are never
snapped to a GLL point. A point on a face, edge or corner shared by several elements lies in each
of them (`containing_elements`); the Lagrange basis is continuous there, its gradient is not.
"""

from __future__ import annotations

import numpy as np

from . import basis

INSIDE_TOL = 1e-6        # in reference coordinates
NEWTON_ITERS = 12


def _shape_functions(order, xi):
    """Lagrange values and derivatives at reference points xi (m, 3).

    Returns h (m, n, n, n) and dh (m, n, n, n, 3) with dh[..., r] = dh/dxi_r.
    """
    x = basis.gll_points(order)
    l = [basis.lagrange(x, xi[:, r]) for r in range(3)]                 # (m, n) each
    dl = [basis.lagrange_derivative(x, xi[:, r]) for r in range(3)]
    h = np.einsum("mi,mj,mk->mijk", *l)
    dh = np.stack([np.einsum("mi,mj,mk->mijk", dl[0], l[1], l[2]),
                   np.einsum("mi,mj,mk->mijk", l[0], dl[1], l[2]),
                   np.einsum("mi,mj,mk->mijk", l[0], l[1], dl[2])], axis=-1)
    return h, dh


def _newton(mesh, elems, targets):
    """Reference coordinates (m, 3) of targets (m, 3) in elements elems (m,), and the residual (m,)."""
    xe = mesh.coords[elems]                                              # (m, n, n, n, 3)
    xi = np.zeros((len(elems), 3))
    for _ in range(NEWTON_ITERS):
        h, dh = _shape_functions(mesh.order, xi)
        x = np.einsum("mijk,mijkc->mc", h, xe)
        jac = np.einsum("mijkr,mijkc->mcr", dh, xe)
        step = np.linalg.solve(jac, (targets - x)[..., None])[..., 0]
        xi = np.clip(xi + step, -1.5, 1.5)                               # keep iterates near the element
    h, _ = _shape_functions(mesh.order, xi)
    resid = np.linalg.norm(np.einsum("mijk,mijkc->mc", h, xe) - targets, axis=1)
    return xi, resid


def locate(mesh, points, ncandidates: int = 8, what: str = "point"):
    """Element and reference coordinates of each point.

    points : (m, 3) metres. Returns elements (m,) int64 and xi (m, 3) in [-1, 1]^3.
    Raises ValueError naming the first point that lies outside the mesh.
    """
    points = np.atleast_2d(np.asarray(points, dtype=float))
    if points.shape[-1] != 3 or not np.all(np.isfinite(points)):
        raise ValueError(f"{what} positions must be finite (m, 3) arrays, got shape {points.shape}")
    tree, _ = mesh._element_tree
    k = min(ncandidates, mesh.nspec)
    _, cand = tree.query(points, k=k)
    cand = np.asarray(cand).reshape(len(points), k)
    m = len(points)
    xi, resid = _newton(mesh, cand.ravel(), np.repeat(points, k, axis=0))
    outside = np.abs(xi).max(axis=1) - 1.0                               # <= 0 inside
    size = np.cbrt(mesh.quadrature_weights[cand.ravel()].sum(axis=(1, 2, 3)))
    good = (outside <= INSIDE_TOL) & (resid <= 1e-8 * size)
    score = np.where(good, outside, np.inf).reshape(m, k)
    best = np.argmin(score, axis=1)
    found = np.isfinite(score[np.arange(m), best])
    if not np.all(found):
        p = int(np.argmin(found))
        raise ValueError(f"{what} {p} at {points[p].tolist()} m lies outside the mesh")
    pick = np.arange(m) * k + best
    return cand.ravel()[pick].astype(np.int64), np.clip(xi[pick], -1.0, 1.0)


def containing_elements(mesh, point, ncandidates: int = 27):
    """Every element that contains `point` (3,) m, within INSIDE_TOL in reference coordinates:
    one inside an element; two on a shared face, four or more on an edge or a corner. Returns
    (elements (k,) int64, xi (k, 3) clipped to [-1, 1]), in order of increasing element number."""
    tree, _ = mesh._element_tree
    k = min(ncandidates, mesh.nspec)
    _, cand = tree.query(np.asarray(point, dtype=float)[None], k=k)
    cand = np.asarray(cand).ravel()
    xi, resid = _newton(mesh, cand, np.repeat(np.asarray(point, dtype=float)[None], len(cand), axis=0))
    size = np.cbrt(mesh.quadrature_weights[cand].sum(axis=(1, 2, 3)))
    good = (np.abs(xi).max(axis=1) - 1.0 <= INSIDE_TOL) & (resid <= 1e-8 * size)
    if not good.any():
        raise ValueError(f"point {np.asarray(point).tolist()} m lies outside the mesh")
    order = np.argsort(cand[good])
    return cand[good][order].astype(np.int64), np.clip(xi[good][order], -1.0, 1.0)


def interpolation_weights(mesh, elements, xi):
    """Global indices (m, n^3) and Lagrange weights (m, n^3) to interpolate a field at located points."""
    h, _ = _shape_functions(mesh.order, xi)
    m = len(elements)
    return mesh.ibool[elements].reshape(m, -1), h.reshape(m, -1)


def gradient_weights(mesh, elements, xi):
    """Global indices (m, n^3) and weights (m, n^3, 3): d(phi)/dx_a at the located points."""
    h, dh = _shape_functions(mesh.order, xi)
    xe = mesh.coords[elements]
    jac = np.einsum("mijkr,mijkc->mcr", dh, xe)                          # dx_c/dxi_r
    inv = np.linalg.inv(jac)                                              # [m, r, c] = dxi_r/dx_c
    dphi = np.einsum("mijkr,mrc->mijkc", dh, inv)
    m = len(elements)
    return mesh.ibool[elements].reshape(m, -1), dphi.reshape(m, -1, 3)
