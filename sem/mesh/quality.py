"""Mesh quality and cost: Jacobians, aspect ratios, resolution, the Courant time step.

    rep = sem.mesh.mesh_report(mesh, earth)     # also mesh.report(earth)
    print(rep)                                  # a table; rep is a dict of the numbers

The time step follows the solver's Courant rule (`sem.mesh.timestep`):
``dt = courant * min over elements of (smallest GLL spacing / largest P velocity)``, with the velocity
of the earth model at the element's GLL points (on its side of every discontinuity), the larger of vpv
and vph in a transversely isotropic layer. A simulated second then costs ``nspec / dt`` element-steps.
Regions, discontinuities, nex and the period come from ``mesh.earth_info`` where the mesh has one.
"""

from __future__ import annotations

import numpy as np

from .earth_mesh import gll_layers
from .timestep import COURANT, courant_dt

__all__ = ["mesh_report", "element_aspect_ratio", "element_edge_lengths", "MeshReport"]


def element_edge_lengths(mesh) -> np.ndarray:
    """Lengths of the 12 edges of every element, measured along its GLL points, shape (nspec, 12)."""
    x = mesh.coords
    N = mesh.order
    out = []
    for ax in range(3):
        seg = np.linalg.norm(np.diff(x, axis=1 + ax), axis=-1)              # segments along axis ax
        for u in (0, N):
            for v in (0, N):
                idx = [slice(None), u, v]
                idx.insert(1 + ax, slice(None))
                out.append(seg[tuple(idx)].sum(axis=1))
    return np.stack(out, axis=1)


def element_aspect_ratio(mesh) -> np.ndarray:
    """Longest over shortest edge of every element, (nspec,)."""
    e = element_edge_lengths(mesh)
    return e.max(axis=1) / e.min(axis=1)


def _point_values(mesh, earth):
    r = np.linalg.norm(mesh.coords, axis=-1)
    r = np.clip(r, getattr(earth, "r_min", 0.0), earth.radius)
    return earth.evaluate(r, layer=gll_layers(mesh, earth))


def resolved_period(mesh, min_velocity, points_per_wavelength: float = 5.0) -> float:
    """The shortest period (s) that every element resolves with `points_per_wavelength` GLL points
    per wavelength, the size rule of sem's meshers (h <= N lambda / ppw): the largest over the
    elements of ppw h / (N v_min), h the element's longest edge, v_min (nspec,) its slowest wave
    speed (m/s)."""
    h = element_edge_lengths(mesh).max(axis=1)
    return float(np.max(points_per_wavelength * h / (mesh.order * np.asarray(min_velocity, dtype=np.float64))))


class MeshReport(dict):
    """The numbers of `mesh_report`; ``str()`` formats them as a table."""

    def __str__(self):
        lines = [f"mesh: {self['nspec']:,} elements of order {self['order']}, {self['nglob']:,} points"]
        if self.get("nex") is not None:
            lines.append(f"  nex {self['nex']} at the surface; doublings at r = "
                         + (", ".join(f"{r / 1e3:.0f}" for r in self.get("doubling_radii", [])) or "none") + " km")
        if self.get("honoured"):
            lines.append("  honoured discontinuities: " + ", ".join(
                f"{k} ({v / 1e3:g} km)" for k, v in self["honoured"].items()))
        for name, n in self["elements_per_region"].items():
            lines.append(f"  {name:<14s} {n:>10,} elements")
        lines.append(f"  Jacobian determinant: min {self['jacobian_min']:.4g}, max {self['jacobian_max']:.4g} m^3; "
                     f"worst element max/min ratio {self['jacobian_ratio_max']:.3g}")
        lines.append(f"  aspect ratio (longest/shortest edge): worst {self['aspect_ratio_max']:.3g}, "
                     f"median {self['aspect_ratio_median']:.3g}")
        if "points_per_wavelength_min" in self:
            lines.append(f"  resolution: at least {self['points_per_wavelength_min']:.3g} GLL points per shortest "
                         f"wavelength at {self['min_period']:g} s (largest edge x N / lambda_min per element)")
        if "dt" in self:
            lines.append(f"  dt = {self['dt']:.4g} s (Courant {self['courant']}), set by an element of "
                         f"{self['dt_region']} at r = {self['dt_radius'] / 1e3:.1f} km; "
                         f"{self['element_steps_per_second']:,.0f} element-steps per simulated second")
        mem = f"  memory: {self['mesh_bytes'] / 2**20:,.1f} MiB of mesh arrays"
        if self.get("estimated_build_bytes"):
            mem += f" (building it: about {self['estimated_build_bytes'] / 2**20:,.0f} MiB)"
        lines.append(mem)
        return "\n".join(lines)


def mesh_report(mesh, earth=None, courant: float = COURANT) -> MeshReport:
    """Quality and cost of a mesh: elements per region, Jacobian determinants, aspect ratios,
    resolution (if the mesh knows its min_period), the Courant dt from `earth`'s velocities and the
    element-steps per simulated second, and the bytes of its arrays. `earth` is needed for dt and
    resolution (a sem.earth model the mesh was made for); without it those entries are left out.
    """
    det = mesh.det_jacobian
    dmin, dmax = det.min(axis=(1, 2, 3)), det.max(axis=(1, 2, 3))
    aspect = element_aspect_ratio(mesh)
    info = mesh.earth_info
    names = info.region_names if info is not None else None
    if names is not None:
        counts = np.bincount(info.element_region, minlength=len(names))
        regions = {nm: int(c) for nm, c in zip(names, counts) if c}
    else:
        regions = {"all": mesh.nspec}
    nbytes = sum(a.nbytes for a in (mesh.coords, mesh.ibool))
    nbytes += sum(v.nbytes for k, v in vars(mesh).items()
                  if k in ("jacobian", "det_jacobian", "inv_jacobian", "quadrature_weights"))
    rep = MeshReport(nspec=mesh.nspec, nglob=mesh.nglob, order=mesh.order,
                     nex=info.nex if info is not None else None,
                     doubling_radii=info.doubling_radii if info is not None else [],
                     honoured=info.honoured_discontinuities if info is not None else {},
                     elements_per_region=regions,
                     jacobian_min=float(dmin.min()), jacobian_max=float(dmax.max()),
                     jacobian_ratio_max=float((dmax / dmin).max()),
                     aspect_ratio_max=float(aspect.max()), aspect_ratio_median=float(np.median(aspect)),
                     mesh_bytes=int(nbytes),
                     estimated_build_bytes=info.estimated_bytes if info is not None else None,
                     courant=courant)
    if earth is not None:
        vals = _point_values(mesh, earth)
        vp = np.maximum(vals["vpv"], vals["vph"]) if "vpv" in vals else vals["vp"]
        dt, e = courant_dt(mesh.min_gll_spacing(), vp.max(axis=(1, 2, 3)), courant)
        rep["dt"] = dt
        rep["dt_element"] = e
        rep["dt_radius"] = float(np.linalg.norm(mesh.coords[e].mean(axis=(0, 1, 2))))
        rep["dt_region"] = (names[info.element_region[e]] if names is not None else "the mesh")
        rep["element_steps_per_second"] = mesh.nspec / rep["dt"]
        T = info.min_period if info is not None else None
        if T is not None:
            vs = np.minimum(vals["vsv"], vals["vsh"]) if "vsv" in vals else vals["vs"]
            vmin = np.where(vs > 0, vs, vals["vp"]).min(axis=(1, 2, 3))
            hmax = element_edge_lengths(mesh).max(axis=1)
            ppw = mesh.order * vmin * T / hmax
            rep["min_period"] = T
            rep["points_per_wavelength_min"] = float(ppw.min())
    return rep
