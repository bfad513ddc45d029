"""Box meshes: a rectangular block of hexahedra, optionally graded and smoothly deformed."""

from __future__ import annotations

import numpy as np

from .. import basis
from .mesh import Mesh, MeshError


def _axis_nodes(size, count, nodes):
    if nodes is not None:
        nodes = np.asarray(nodes, dtype=float)
        if nodes.ndim != 1 or len(nodes) < 2 or np.any(np.diff(nodes) <= 0):
            raise MeshError("per-axis node coordinates must be a strictly increasing 1-D sequence")
        return nodes
    if int(count) < 1:
        raise MeshError(f"element counts must be >= 1, got {count}")
    return np.linspace(0.0, float(size), int(count) + 1)


def box(size=(1.0, 1.0, 1.0), elements=(4, 4, 4), order: int = 4, origin=(0.0, 0.0, 0.0),
        nodes=(None, None, None), deform=None) -> Mesh:
    """A box [origin, origin + size] of nx * ny * nz hexahedra, z up (top face z = origin_z + Lz).

    size : (Lx, Ly, Lz) metres; elements : (nx, ny, nz).
    nodes : optional per-axis element boundary coordinates (relative to origin), for graded meshes;
            an axis given this way ignores its size and element count.
    deform : optional callable (..., 3) -> (..., 3) applied to the GLL coordinates (a smooth map
             gives a curved mesh whose geometry is exact at the GLL points).
    Side sets: xmin, xmax, ymin, ymax, zmin, zmax (also "bottom" = zmin, "top" = zmax).
    """
    axes = [_axis_nodes(size[d], elements[d], nodes[d]) + origin[d] for d in range(3)]
    x = basis.gll_points(order)
    n = order + 1
    # GLL coordinates along each axis: (nelem_axis, n)
    gl = [0.5 * (a[:-1, None] * (1 - x) + a[1:, None] * (1 + x)) for a in axes]
    ne = [len(a) - 1 for a in axes]
    ex, ey, ez = np.meshgrid(*[np.arange(m) for m in ne], indexing="ij")
    ex, ey, ez = ex.ravel(), ey.ravel(), ez.ravel()
    coords = np.empty((len(ex), n, n, n, 3))
    coords[..., 0] = gl[0][ex][:, :, None, None]
    coords[..., 1] = gl[1][ey][:, None, :, None]
    coords[..., 2] = gl[2][ez][:, None, None, :]
    # structured global numbering on the (nx*N+1, ny*N+1, nz*N+1) point lattice
    g = [ne[d] * order + 1 for d in range(3)]
    li = np.arange(n)
    gi = (ex[:, None] * order + li)[:, :, None, None]
    gj = (ey[:, None] * order + li)[:, None, :, None]
    gk = (ez[:, None] * order + li)[:, None, None, :]
    ibool = (gi * g[1] + gj) * g[2] + gk
    if deform is not None:
        coords = np.asarray(deform(coords), dtype=float)
    elem = np.arange(len(ex))
    sides = {}
    for d, name in enumerate("xyz"):
        idx = (ex, ey, ez)[d]
        sides[f"{name}min"] = np.stack([elem[idx == 0], np.full((idx == 0).sum(), 2 * d)], axis=1)
        last = idx == ne[d] - 1
        sides[f"{name}max"] = np.stack([elem[last], np.full(last.sum(), 2 * d + 1)], axis=1)
    sides["bottom"], sides["top"] = sides["zmin"], sides["zmax"]
    return Mesh(coords, order, side_sets=sides, ibool=ibool,
                outer_sides=["xmin", "xmax", "ymin", "ymax", "zmin", "zmax"], free_surface="zmax")
