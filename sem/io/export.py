"""Export of meshes, models and GLL-point fields to ParaView through meshio (VTU or XDMF).

Each spectral element is written either as (n-1)^3 linear hexahedra between its GLL points
(``subdivide=True``, the usual way to show high-order fields) or as one linear hexahedron of its
eight corner points (``subdivide=False``). Cells are VTK_HEXAHEDRON (meshio "hexahedron"), node
order: bottom face (zeta = -1) counter-clockwise seen from the top, then the top face (zeta = +1)
in the same order, i.e. in reference indices (i, j, k) = (xi, eta, zeta):

    0 (0,0,0)  1 (1,0,0)  2 (1,1,0)  3 (0,1,0)  4 (0,0,1)  5 (1,0,1)  6 (1,1,1)  7 (0,1,1)

Since the mesh has a positive Jacobian everywhere, every written cell has a positive volume.

Points
------
* Continuous mode (default): the points are the mesh's global points. With ``subdivide=True``
  they are all ``nglob`` of them, in global numbering (point g is ``mesh.global_coords[g]``); with
  ``subdivide=False`` only the global points that are element corners, in increasing global number.
  An element-local array (the model's parameters, or a user field of shape (nspec, n, n, n[, ncomp]))
  is written on a global point by taking its value from ONE of the elements sharing that point:
  the lowest-numbered one. Parameters jumping across an element boundary are therefore shown
  smeared over the neighbouring sub-cells of the other elements.
* ``discontinuous=True``: every element has its own copy of its points (``nspec * n**3`` points with
  ``subdivide=True``, ``nspec * 8`` otherwise, element-major, then i, j, k with k fastest), so
  element-local values, and discontinuities between elements, are shown exactly. Global fields are
  copied to each copy of their point.

Point data: every model parameter (``model.law.values``; vector parameters such as the TI 'axis'
as 3-component arrays; with fluid elements the solid and fluid laws' parameters merged, see
`model_values`) and the user fields. Cell data: "element" (the spectral element each cell
belongs to) and, with ``jacobian=True``, "min_det_jacobian" (the minimum Jacobian determinant
over the element's GLL points, repeated on its sub-cells).

Files are written atomically (see ``sem.io.atomic``):

* ``.vtu``: one self-contained file, written to a temporary name and renamed.
* ``.xdmf``: an XML file plus a companion HDF5 file holding the arrays, named ``<name>.xdmf.h5``
  (e.g. ``model.xdmf`` -> ``model.xdmf.h5``; not meshio's default ``model.h5``, so an export never
  overwrites a model or checkpoint HDF5 file of the same stem). Both are written completely in a
  hidden staging folder next to the target, then renamed into place: the ``.h5`` first, then the
  ``.xdmf``. The ``.xdmf`` appearing is the commit: a new ``.xdmf`` never exists before its
  complete ``.h5``. Two renames cannot be one atomic step, so an interruption exactly between them
  leaves the new, complete ``.h5`` next to no ``.xdmf`` (or next to the previous export's
  ``.xdmf``, which then reads the new arrays if the shapes agree). On any error the staging folder
  is removed and nothing under the target names is touched.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

import meshio
import numpy as np
from meshio.xdmf.main import XdmfWriter as MeshioXdmfWriter

from .atomic import atomic_path

SUPPORTED_SUFFIXES = (".vtu", ".xdmf")

# VTK_HEXAHEDRON corner order as (di, dj, dk) offsets along (xi, eta, zeta).
VTK_HEX_CORNERS = np.array([(0, 0, 0), (1, 0, 0), (1, 1, 0), (0, 1, 0),
                            (0, 0, 1), (1, 0, 1), (1, 1, 1), (0, 1, 1)], dtype=np.int64)

# numbers of components XDMF attributes can carry (Scalar, Vector, Tensor6, Tensor)
_XDMF_NCOMP = (1, 2, 3, 6, 9)
_CELL_DATA_NAMES = ("element", "min_det_jacobian")


def hex_cells(order: int, subdivide: bool = True) -> np.ndarray:
    """Local (i, j, k) indices of the hexahedra of one element, shape (ncell, 8, 3), VTK order."""
    m, step = (order, 1) if subdivide else (1, order)
    a, b, c = np.meshgrid(np.arange(m), np.arange(m), np.arange(m), indexing="ij")
    base = np.stack([a.ravel(), b.ravel(), c.ravel()], axis=-1) * step      # (ncell, 3)
    return base[:, None, :] + VTK_HEX_CORNERS[None, :, :] * step


def _as_point_array(name, value, mesh, kind):
    """A field as (values, where): where is 'global' -> (nglob[, ncomp]) or 'local' ->
    (nspec, n, n, n[, ncomp]), with components last."""
    n, nspec, nglob = mesh.ngll, mesh.nspec, mesh.nglob
    arr = np.asarray(value)
    if arr.dtype == bool:
        arr = arr.astype(np.uint8)
    if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise ValueError(f"{kind} {name!r} must hold real numbers, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.floating) and arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    elif np.issubdtype(arr.dtype, np.integer) and arr.dtype.itemsize > 8:
        raise ValueError(f"{kind} {name!r} has unsupported dtype {arr.dtype}")
    local = (nspec, n, n, n)
    if arr.shape == (nglob,):
        return arr, "global"
    if arr.ndim == 2 and arr.shape[1] == nglob and arr.shape[0] >= 1:
        return np.ascontiguousarray(arr.T), "global"                     # (ncomp, nglob) -> (nglob, ncomp)
    if arr.shape == local:
        return arr, "local"
    if arr.ndim == 5 and arr.shape[:4] == local and arr.shape[4] >= 1:
        return arr, "local"
    raise ValueError(
        f"{kind} {name!r} has shape {arr.shape}; expected a global array (nglob,) = ({nglob},) or "
        f"(ncomp, nglob) = (ncomp, {nglob}), or an element-local array (nspec, n, n, n) = {local} "
        f"or (nspec, n, n, n, ncomp) = {local + ('ncomp',)}")


#: parameters that are zero in a fluid (shown as 0 there, not as missing)
_ZERO_IN_FLUID = ("vs", "vsv", "vsh")


def model_values(model, mesh) -> dict:
    """The parameters of a sem.Model on every element of `mesh`: name -> (nspec, n, n, n[, ncomp]).

    A model with fluid elements has a solid law on `model.solid_elements` and an acoustic law on
    `model.fluid_elements`; their parameters are merged into arrays over the whole mesh. A
    parameter that one of the two laws lacks is NaN on its elements, except the shear velocities
    (vs, vsv, vsh), which are 0 in the fluid. The arrays have the model's own values, unchanged.
    """
    law = getattr(model, "law", None)
    values = getattr(law, "values", None)
    if values is None:
        raise TypeError("model must be a sem.Model (with model.law.values)")
    local = mesh.coords.shape[:4]
    fluid_law = getattr(model, "fluid_law", None)
    fluid = np.asarray(getattr(model, "fluid_elements", ()), dtype=np.int64)
    if fluid_law is None or fluid.size == 0:
        shape = getattr(law, "shape", None)
        if shape is not None and tuple(shape) != local:
            raise ValueError(f"the model's parameters have shape {tuple(shape)}, the mesh needs "
                             f"{local}: the model belongs to another mesh")
        return dict(values)
    solid = np.asarray(model.solid_elements, dtype=np.int64)
    parts = [(solid, values, "solid"), (fluid, fluid_law.values, "fluid")]
    for elems, vals, what in parts:
        for k, v in vals.items():
            if np.shape(v)[:4] != (len(elems),) + local[1:]:
                raise ValueError(f"the model's {what} parameter {k!r} has shape {np.shape(v)}, expected "
                                 f"{(len(elems),) + local[1:]} for its {len(elems)} elements")
    if len(solid) + len(fluid) != local[0] or (len(solid) and solid.max() >= local[0]) or fluid.max() >= local[0]:
        raise ValueError(f"the model has {len(solid)} solid and {len(fluid)} fluid elements, the mesh "
                         f"{local[0]}: the model belongs to another mesh")
    out = {}
    for k in list(values) + [k for k in fluid_law.values if k not in values]:
        trailing = next(np.shape(vals[k])[4:] for _, vals, _ in parts if k in vals)
        arr = np.full(local + trailing, np.nan)
        for elems, vals, what in parts:
            if k in vals:
                arr[elems] = vals[k]
            elif what == "fluid" and k in _ZERO_IN_FLUID:
                arr[elems] = 0.0
        out[k] = arr
    return out


def _squeeze_comp(a):
    return a[:, 0] if a.ndim == 2 and a.shape[1] == 1 else a


def _build(mesh, fields, model, subdivide, discontinuous, jacobian):
    """(points, cells (ncell, 8), point_data, cell_data) for a meshio.Mesh."""
    n, nspec = mesh.ngll, mesh.nspec
    npe = n ** 3
    # --- gather and check all point fields before doing any work ---------------------------
    named = []
    if model is not None:
        for k, v in model_values(model, mesh).items():
            arr, where = _as_point_array(k, v, mesh, "model parameter")
            if where != "local":
                raise ValueError(f"model parameter {k!r} has shape {np.shape(v)}, expected "
                                 f"(nspec, n, n, n[, ncomp]) = {mesh.coords.shape[:4]}")
            named.append((k, arr, where))
    if fields is not None:
        if not hasattr(fields, "items"):
            raise TypeError("fields must be a dict name -> array")
        taken = {k for k, _, _ in named}
        for k, v in fields.items():
            if not isinstance(k, str) or not k:
                raise ValueError(f"field names must be non-empty strings, got {k!r}")
            if k in taken:
                raise ValueError(f"field name {k!r} is also a model parameter; rename it")
            if k in _CELL_DATA_NAMES:
                raise ValueError(f"field name {k!r} is reserved for cell data; rename it")
            arr, where = _as_point_array(k, v, mesh, "field")
            named.append((k, arr, where))
            taken.add(k)

    # --- points and connectivity ----------------------------------------------------------
    cl = hex_cells(mesh.order, subdivide)                         # (ncl, 8, 3)
    ncl = cl.shape[0]
    # flat local index (i*n + j)*n + k of each cell corner within its element
    flat_corner = (cl[..., 0] * n + cl[..., 1]) * n + cl[..., 2]   # (ncl, 8)
    ib = mesh.ibool.reshape(nspec, npe)
    if discontinuous:
        if subdivide:
            keep = np.arange(npe)                                 # local points written per element
        else:
            keep = np.unique(flat_corner)                         # the 8 corners, sorted
        nkeep = keep.size
        pos = np.full(npe, -1, dtype=np.int64)
        pos[keep] = np.arange(nkeep)
        cells = (np.arange(nspec, dtype=np.int64)[:, None, None] * nkeep
                 + pos[flat_corner][None, :, :]).reshape(-1, 8)
        points = mesh.coords.reshape(nspec, npe, 3)[:, keep].reshape(-1, 3)
        src_local = (np.arange(nspec)[:, None] * npe + keep[None, :]).ravel()   # into local flat
        src_global = ib[:, keep].ravel()                                        # into global
    else:
        gcells = ib[:, flat_corner].reshape(-1, 8)                # global numbers
        # for each global point, the flat local index of its first occurrence (lowest element)
        uniq, first = np.unique(mesh.ibool.ravel(), return_index=True)
        if subdivide:
            sel = np.arange(mesh.nglob)
            cells = gcells
        else:
            sel = np.unique(gcells)
            cells = np.searchsorted(sel, gcells)
        lookup = np.full(mesh.nglob, -1, dtype=np.int64)
        lookup[uniq] = first
        src_local = lookup[sel]                                   # -1: point in no element
        src_global = sel
        points = mesh.global_coords[sel]
        if (src_local < 0).any():                                 # unreferenced global numbers
            points = points.copy()
            points[src_local < 0] = np.nan

    missing = src_local < 0
    point_data = {}
    for k, arr, where in named:
        if where == "global":
            out = arr[src_global]
        else:
            flat = arr.reshape((nspec * npe,) + arr.shape[4:])
            out = flat[np.where(missing, 0, src_local)]
            if missing.any():
                out = out.astype(np.float64)
                out[missing] = np.nan
        point_data[k] = _squeeze_comp(np.ascontiguousarray(out))

    elem = np.repeat(np.arange(nspec, dtype=np.int64), ncl)
    cell_data = {"element": elem}
    if jacobian:
        cell_data["min_det_jacobian"] = np.repeat(mesh.det_jacobian.min(axis=(1, 2, 3)), ncl)
    return points, np.ascontiguousarray(cells, dtype=np.int64), point_data, cell_data


def export_mesh(path, mesh, fields=None, model=None, subdivide=True, discontinuous=False,
                jacobian=False):
    """Write a mesh, its model and GLL-point fields for ParaView; return the path written.

    path : '.vtu' or '.xdmf' (chosen by suffix; XDMF also writes '<name>.xdmf.h5').
    mesh : sem.mesh.Mesh.
    fields : optional dict name -> array: global (nglob,) or (ncomp, nglob), or element-local
             (nspec, n, n, n) or (nspec, n, n, n, ncomp). Real numbers (bools are written as uint8).
    model : optional sem.Model; each of ``model.law.values`` becomes point data.
    subdivide : True: (n-1)^3 linear hexahedra per element between its GLL points;
                False: one hexahedron of the element's 8 corners.
    discontinuous : write duplicated points per element so element-local values are shown exactly
                    (otherwise a shared point takes the value from the lowest-numbered element).
    jacobian : also write the cell data "min_det_jacobian" (minimum over the element).
    See the module docstring for point numbering, cell order and the atomic-write guarantees.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ValueError(f"unsupported export format {path.suffix!r} for {str(path)!r}; "
                         f"supported suffixes: {', '.join(SUPPORTED_SUFFIXES)}")
    points, cells, point_data, cell_data = _build(mesh, fields, model, bool(subdivide),
                                                  bool(discontinuous), bool(jacobian))
    if suffix == ".xdmf":
        for k, v in point_data.items():
            nc = 1 if v.ndim == 1 else v.shape[1]
            if nc not in _XDMF_NCOMP:
                raise ValueError(f"XDMF cannot store {k!r} with {nc} components (allowed: "
                                 f"{', '.join(map(str, _XDMF_NCOMP))}); export to .vtu instead")
    out = meshio.Mesh(points, [("hexahedron", cells)], point_data=point_data,
                      cell_data={k: [v] for k, v in cell_data.items()})
    if suffix == ".vtu":
        with atomic_path(path) as tmp:
            meshio.write(tmp, out, file_format="vtu")
    else:
        _write_xdmf(path, out)
    return path


def xdmf_companion(path) -> Path:
    """The HDF5 file that holds the arrays of the XDMF file `path`: '<name>.xdmf.h5'."""
    path = Path(path)
    return path.with_name(path.name + ".h5")


class _XdmfWriter(MeshioXdmfWriter):
    """meshio's XDMF writer, closing its HDF5 file whether or not writing succeeded."""

    def __init__(self, filename, mesh):
        try:
            super().__init__(filename, mesh)
        finally:
            h5 = getattr(self, "h5_file", None)
            if h5 is not None:
                h5.close()


def _write_xdmf(path: Path, out: meshio.Mesh):
    h5 = xdmf_companion(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent))
    try:
        # Staged as '<name>.xdmf' + '.xdmf': meshio names the HDF5 file with_suffix('.h5'), i.e.
        # '<name>.xdmf.h5', and refers to it by base name, so the reference stays valid after
        # both files move next to each other under their real names.
        staged_xml = stage / (path.name + ".xdmf")
        staged_h5 = stage / h5.name
        _XdmfWriter(staged_xml, out)
        if not staged_h5.is_file():
            raise RuntimeError(f"meshio did not write the expected HDF5 file {staged_h5.name}")
        # Each rename is atomic (same folder, same file system). The .h5 goes first, the .xdmf
        # last: the .xdmf appearing commits the export.
        os.replace(staged_h5, h5)
        os.replace(staged_xml, path)
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(stage)
