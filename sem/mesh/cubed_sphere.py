"""Cubed-sphere meshes of a 1-D Earth: the whole globe (six chunks and a central cube) or one chunk.

    mesh = sem.mesh.cubed_sphere(sem.earth.PREM(), min_period=100.0)                  # global
    mesh = sem.mesh.cubed_sphere(earth, 50.0, chunk=dict(center=(40, 10), width=(20, 30),
                                                         azimuth=0.0, depth_km=1000))  # regional
    sem.mesh.cubed_sphere_estimate(earth, 20.0)     # sizes, dt and memory without building anything
    print(mesh.report(earth))                       # elements, Jacobians, aspect ratios, dt, cost

Method
------
*Chunks.* The sphere is covered by six gnomonic chunks in the equiangular parametrisation of Ronchi,
Iacono & Paolucci (1996, J. Comput. Phys. 124, 93-114): chunk "+z" holds the directions
``(tan xi, tan eta, 1) / norm`` with ``xi, eta`` in ``[-pi/4, pi/4]``; the other five are signed axis
permutations of it (all right-handed and outward), so that neighbouring chunks share their edges
exactly. Every GLL point is placed by interpolating the element's reference coordinates
``(xi, eta, radial fraction)`` and mapping ``x = r * direction(xi, eta)`` at that point, so the
geometry is exact at the GLL points: spheres ``r = const`` (the surface, every honoured
discontinuity) hold their GLL points at exactly their radius.

*Central cube* (Komatitsch & Tromp 2002a, GJI 149, 390-412; 2002b, GJI 150, 303-318). The centre is
a cube of ``nexc**3`` elements with points ``c * (tan a, tan b, tan g)``, ``a, b, g`` equiangular in
``[-pi/4, pi/4]``: each cube face is then exactly the gnomonic grid of its chunk projected onto the
flat face. The chunks' steps in the innermost mesh layer (the inner core) blend linearly in radius
from the flat cube face (``r = c sqrt(1 + tan^2 xi + tan^2 eta)``) to the sphere on top of that layer.
``c = CUBE_FRACTION * r1`` with ``r1`` the top of that layer: that balances the smallest cube
elements against the flattest blend elements at the cube's corners.

*Radial steps* honour the first-order discontinuities of the model (see ``honour``) and are sized to
the local wavelength; the fluid-solid boundaries are always honoured, so that no element is partly
fluid. Each element lies in one layer of the model and records it (``mesh.earth_info.element_layer``).

*Doubling.* The lateral element count halves with depth where the wavelength allows
(Komatitsch & Tromp 2002a): each doubling zone is three radial sub-steps (two in a regional chunk);
in sub-step j the chunks double their lateral direction that runs along the global axis j with the
2-D template of `sem.mesh.doubling`, extruded along the other direction, and a chunk whose two lateral
directions are the other two axes makes a plain step there. A chunk edge runs along one global axis,
so both chunks that share it double along it in the same sub-step and show the same pattern on it:
the mesh is conforming (no hanging nodes) with hexahedra only. (Two sub-steps cannot do this for six
chunks: at a cube corner the three chunks would need an odd cycle of orders.)

Element size rule
-----------------
At radius r the shortest wavelength is ``lambda(r) = v_min(r) * min_period`` with ``v_min`` the shear
velocity (the smaller of vsv and vsh in a transversely isotropic layer), or the P velocity in a fluid;
at an unhonoured discontinuity the smaller of the two sides. An element of polynomial order N must
satisfy ``h <= N * lambda / points_per_wavelength``: the mean GLL spacing ``h / N`` is at most
``lambda / points_per_wavelength``. ``h`` is the largest lateral edge (the equiangular grid's cells
are largest on the chunk's central lines, ``r * dxi``; at the cube faces' edges the central cube's cells
are twice ``c * dxi``) and the radial thickness of the step. The defaults (order 4, 5 points per
wavelength) give ``h <= 0.8 lambda``; SPECFEM3D_GLOBE's rule of thumb "an order-4 element per shortest
wavelength" (its 5 GLL points per wavelength) is ``points_per_wavelength=4``. The count at the surface,
``nex``, is the smallest allowed one for the number of doublings that gives the fewest element-steps
per simulated second; radial steps are about as thick as the elements are wide (``RADIAL_RATIO``) and
never thicker than the rule allows (to the ~2 km sampling of the model). A fluid's P velocity counts:
PREM's 3-km ocean (1.45 km/s) sets ``nex`` at the surface. SPECFEM3D_GLOBE leaves the ocean out of its
mesh (an ocean load); ``sem.earth.PREM(ocean=False)`` does the same here.

*Doubling zones* go where the coarser count meets the rule everywhere below (``need(r)``, the lateral
requirement made non-decreasing upward, since the mesh never refines with depth), as high as a model
layer has room for them: sub-steps ``ZONE_STEP`` (2) times the fine lateral size thick, squeezed down
to ``ZONE_STEP_MIN`` (1) to fit a layer, never across a discontinuity of the model (honoured or not)
nor in the central cube's blend. A doubling needs the fine count to be a multiple of 4.

*Memory.* ``cubed_sphere_estimate`` sizes the mesh from the plan alone (exact element count, points
to ~1 %, build memory ``BYTES_PER_POINT`` per GLL point of the elements, Courant dt from the planned
sizes); `cubed_sphere` raises MemoryError before allocating anything if that exceeds ``max_memory``.

Besides the usual `Mesh` contents, the mesh carries its Earth metadata in ``mesh.earth_info`` (an
`EarthMeshInfo`, see `sem.mesh.earth_mesh`): ``element_layer``, ``element_region`` with
``region_names``, ``element_crosses_discontinuity`` (set only where ``honour`` leaves a discontinuity
out), ``earth_radius``, ``honoured_discontinuities`` (name -> radius, m), ``nex``, ``nex_central_cube``,
``doubling_radii``, ``radial_levels``, ``min_period``, ``points_per_wavelength``, ``chunk`` and
``estimated_bytes``; ``mesh.report(earth)`` gives its quality and cost.
Side sets: global: 'surface'; chunk: 'surface', 'bottom', 'xi_min', 'xi_max', 'eta_min', 'eta_max'.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import numpy as np

from .. import basis
from ..geography import geographic_to_cartesian, local_basis
from . import doubling as dbl
from .earth_mesh import EarthMeshInfo
from .mesh import Mesh, MeshError, face_point_indices
from .timestep import COURANT, courant_dt

__all__ = ["cubed_sphere", "cubed_sphere_estimate", "REGION_NAMES"]

#: Region codes of ``mesh.earth_info.element_region`` index this tuple (``mesh.earth_info.region_names``).
REGION_NAMES = ("crust_mantle", "outer_core", "inner_core", "central_cube", "ocean")
#: Half side of the central cube as a fraction of the radius of the innermost honoured sphere.
CUBE_FRACTION = 0.37
#: Radial thickness of a step / its largest lateral element size (regular steps).
RADIAL_RATIO = 1.0
#: Thickness of a doubling sub-step / the fine lateral element size above it (at most 2, the size rule).
ZONE_STEP = 2.0
#: ... squeezed down to this where a model layer is too thin for the full zone.
ZONE_STEP_MIN = 1.0
#: Height of the doubling template's interior nodes inside its sub-step.
TEMPLATE_H = 0.5
#: A regular radial segment next to a doubling zone is at least this fraction of the lateral size.
SLIVER = 0.5
#: honour='auto' drops a solid-solid discontinuity whose layer is thinner than this many shortest
#: wavelengths (the layer cannot be resolved anyway; its thin elements would only cost time step).
AUTO_THIN = 0.25
#: Memory (bytes) that building a mesh needs per GLL point of its elements (coordinates, numbering,
#: Jacobians and temporaries; measured with tracemalloc on order-4 builds) and per element.
BYTES_PER_POINT = 250
BYTES_PER_ELEMENT = 2500

_AXES = np.eye(3, dtype=np.int64)
#: The six chunks of the global mesh: columns are the global directions of (xi, eta, outward).
_GLOBAL_FRAMES = (("+x", np.stack([_AXES[1], _AXES[2], _AXES[0]], axis=1)),
                  ("+y", np.stack([_AXES[2], _AXES[0], _AXES[1]], axis=1)),
                  ("+z", np.stack([_AXES[0], _AXES[1], _AXES[2]], axis=1)),
                  ("-x", np.stack([_AXES[2], _AXES[1], -_AXES[0]], axis=1)),
                  ("-y", np.stack([_AXES[0], _AXES[2], -_AXES[1]], axis=1)),
                  ("-z", np.stack([_AXES[1], _AXES[0], -_AXES[2]], axis=1)))


# --------------------------------------------------------------------------------------------------
# sizing: the allowed element size and the largest velocity as functions of radius
# --------------------------------------------------------------------------------------------------
class _Sizing:
    """Allowed element size m(r) = N v_min(r) T / ppw and vp_max(r), sampled every ~2 km per layer.

    ``r, m`` (merged over the layers, the smaller size on a discontinuity) serve the lateral
    requirement; the span queries look only at the layers inside an open radius interval, so that
    an element layer is judged by its own side of each discontinuity."""

    def __init__(self, earth, period, order, ppw, r_lo):
        self.layers = []
        for k in range(earth.n_layers):
            lo, hi = earth.layer_bounds(k)
            lo = max(lo, r_lo)
            if hi <= lo:
                continue
            r = np.linspace(lo, hi, int(max(65, math.ceil((hi - lo) / 2e3))) + 1)
            v = earth.evaluate(r, layer=k)
            vs = np.minimum(v["vsv"], v["vsh"]) if "vsv" in v else v["vs"]
            vmin = np.where(vs > 0, vs, v["vp"])
            vpmax = np.maximum(v["vpv"], v["vph"]) if "vpv" in v else v["vp"]
            self.layers.append((lo, hi, r, order * vmin * period / ppw, vpmax, vmin))
        r = np.concatenate([lay[2] for lay in self.layers])
        self.r, inv = np.unique(r, return_inverse=True)          # duplicates: the discontinuities
        self.m = np.full(self.r.size, np.inf)
        np.minimum.at(self.m, inv, np.concatenate([lay[3] for lay in self.layers]))
        self.order, self.period, self.ppw = order, period, ppw

    def size(self, r):
        return np.interp(r, self.r, self.m)

    def _span(self, col, lo, hi, fn):
        lo = min(max(lo, self.r[0]), self.r[-1])
        hi = min(max(hi, lo), self.r[-1])
        vals = []
        for lay in self.layers:
            a, b = max(lo, lay[0]), min(hi, lay[1])
            if a < b or (lo == hi and lay[0] <= lo <= lay[1]):
                r, v = lay[2], lay[col]
                sel = (r > a) & (r < b)
                vals.append(v[sel]), vals.append(np.interp([a, b], r, v))
        return fn(np.concatenate(vals))

    def min_size(self, lo, hi):
        return self._span(3, lo, hi, np.min)

    def max_vp(self, lo, hi):
        return self._span(4, lo, hi, np.max)

    def min_wavelength(self, lo, hi):
        return self._span(5, lo, hi, np.min) * self.period


# --------------------------------------------------------------------------------------------------
# which discontinuities become element faces
# --------------------------------------------------------------------------------------------------
def _fluid_layers(earth):
    return np.array([earth.is_fluid_layer(k) for k in range(earth.n_layers)])


def _select_honoured(earth, honour, r_bottom, sizing):
    """Indices (into earth.discontinuities, ascending) of the discontinuities the mesh honours."""
    radii = np.asarray(earth.discontinuities)
    names = list(earth.discontinuity_names)
    tol = 1e-9 * earth.radius
    inside = [k for k in range(len(radii)) if radii[k] > r_bottom + tol]
    fluid = _fluid_layers(earth)
    forced = {len(radii) - 1} | {k for k in inside[:-1] if fluid[k] != fluid[k + 1]}
    if honour is None or (isinstance(honour, str) and honour == "all"):
        return inside
    if isinstance(honour, str) and honour == "auto":
        keep = list(inside)
        while True:
            bounds = [r_bottom] + [radii[k] for k in keep]
            best = None
            for i in range(len(keep)):                       # layer i: [bounds[i], bounds[i + 1]]
                lo, hi = bounds[i], bounds[i + 1]
                lam = sizing.min_wavelength(lo, hi)
                if hi - lo >= AUTO_THIN * lam:
                    continue
                cand = [k for k in ([keep[i - 1]] if i > 0 else []) + [keep[i]] if k not in forced]
                if not cand:
                    continue
                if len(cand) == 2:                           # drop the side with the thinner neighbour
                    below = bounds[i] - bounds[i - 1]
                    above = bounds[i + 2] - bounds[i + 1] if i + 2 < len(bounds) else np.inf
                    cand = [cand[0]] if below <= above else [cand[1]]
                ratio = (hi - lo) / lam
                if best is None or ratio < best[0]:
                    best = (ratio, cand[0])
            if best is None:
                return keep
            keep.remove(best[1])
    if isinstance(honour, str):
        raise ValueError(f"honour must be None, 'all', 'auto' or a list of discontinuity names, not {honour!r}")
    wanted = set()
    for nm in honour:
        if nm not in names:
            raise KeyError(f"{earth.name} has no discontinuity {nm!r}; it has {names}")
        wanted.add(names.index(nm))
    missing = [names[k] for k in sorted(forced) if k not in wanted]
    if missing:
        raise ValueError(f"the mesh must honour {missing}: the surface and every solid-fluid boundary "
                         "are element faces (no element may be partly fluid)")
    return [k for k in inside if k in wanted]


# --------------------------------------------------------------------------------------------------
# the plan: radial levels, steps, doubling zones, lateral counts (no geometry)
# --------------------------------------------------------------------------------------------------
@dataclass
class _Plan:
    kind: str                       # 'global' | 'chunk'
    order: int
    frames: list                    # [(name, 3x3 matrix)]: columns xi, eta, outward directions
    widths: tuple                   # angular widths (rad) along xi, eta
    nex: tuple                      # surface cells along xi, eta
    lev_r: np.ndarray               # radius of each level (bottom to top)
    lev_alpha: np.ndarray           # 1: sphere; < 1: blended with the cube surface
    steps: list                     # per step (bottom to top): dict(op='regular'|'zone', sub, mlayer)
    nsub: int                       # sub-steps per doubling zone
    zones: list                     # sub-step level radii (top first) of each doubling zone, top down
    cube: dict | None               # dict(c=half side, n=elements along an edge)
    honoured: list                  # indices of the honoured discontinuities
    mesh_layers: list               # (lo, hi) radii, ascending
    r_bottom: float
    radius: float
    sizing: _Sizing = field(repr=False, default=None)

    def chunk_ops(self, ichunk):
        """Per step (bottom to top): (op, nu, nv, su, sv): op in 'regular', 'double_u', 'double_v';
        counts and cell widths (lattice units) at the top of the step."""
        _, mat = self.frames[ichunk]
        axis_u = int(np.flatnonzero(mat[:, 0])[0]) if self.kind == "global" else 0
        axis_v = int(np.flatnonzero(mat[:, 1])[0]) if self.kind == "global" else 1
        nu, nv, su, sv = self.nex[0], self.nex[1], 1, 1
        out = []
        for st in reversed(self.steps):
            op = "regular"
            if st["op"] == "zone":
                if st["sub"] == axis_u:
                    op = "double_u"
                elif st["sub"] == axis_v:
                    op = "double_v"
            out.append((op, nu, nv, su, sv))
            if op == "double_u":
                nu, su = nu // 2, su * 2
            elif op == "double_v":
                nv, sv = nv // 2, sv * 2
        return out[::-1]

    def element_counts(self):
        """Elements per step, summed over the chunks, (nsteps,), and of the cube."""
        counts = np.zeros(len(self.steps), dtype=np.int64)
        for ic in range(len(self.frames)):
            for s, (op, nu, nv, _, _) in enumerate(self.chunk_ops(ic)):
                counts[s] += (nu * nv if op == "regular" else
                              dbl.doubling_block_size(nu, nv) if op == "double_u" else
                              dbl.doubling_block_size(nv, nu))
        return counts, (self.cube["n"] ** 3 if self.cube else 0)

    def nspec(self):
        c, cube = self.element_counts()
        return int(c.sum() + cube)

    def estimate_dt(self, courant=COURANT):
        """Courant time step (`courant_dt`) from the planned element sizes: the shortest edge of each
        step's elements (radially the step or, in a doubling, its thinner template row; laterally the
        finest cells, whose shortest edges, at the chunk corners, are 1/sqrt(2) of the central ones)
        times the smallest GLL interval, over the largest P velocity of the step's layers."""
        x = basis.gll_points(self.order)
        frac = (x[1] - x[0]) / 2.0
        per_cell = min(self.widths[0] / self.nex[0], self.widths[1] / self.nex[1])    # rad per lattice unit
        ops = [self.chunk_ops(ic) for ic in range(len(self.frames))]
        spacing, velocity = [], []                            # per step, and the cube
        for s, st in enumerate(self.steps):
            r0, r1 = self.lev_r[s], self.lev_r[s + 1]
            a0, a1 = self.lev_alpha[s], self.lev_alpha[s + 1]
            fine = min(min(o[s][3], o[s][4]) for o in ops) * per_cell                   # rad
            if a0 < 1 or a1 < 1:                              # blend: the flattest at the cube corners
                c = self.cube["c"]
                thick = (a1 - a0) * (r1 - c * math.sqrt(3.0))
                lateral = c * fine
                lo, hi = c, r1
            else:
                thick = (r1 - r0) * (min(TEMPLATE_H, 1 - TEMPLATE_H) if st["op"] == "zone" else 1.0)
                lateral = r0 * fine / math.sqrt(2.0)
                lo, hi = r0, r1
            spacing.append(frac * min(thick, lateral))
            velocity.append(self.sizing.max_vp(lo, hi))
        if self.cube:
            c, n = self.cube["c"], self.cube["n"]
            spacing.append(frac * c * (math.pi / 2) / n)
            velocity.append(self.sizing.max_vp(0.0, c * math.sqrt(3)))
        return courant_dt(spacing, velocity, courant)[0]


def _radial_nodes(lo, hi, sizing, lateral_per_radian):
    """Step boundaries in [lo, hi]: as many steps as the size rule needs (strictly: no step thicker
    than the allowed size over it) and about as thick as the elements are wide."""
    r = np.linspace(lo, hi, 257)
    g_rule = 1.0 / sizing.size(r)
    g_lat = 1.0 / (RADIAL_RATIO * np.maximum(r, 1e-3 * hi) * lateral_per_radian)
    dr = np.diff(r)
    cum_rule = np.concatenate([[0.0], np.cumsum(0.5 * (g_rule[1:] + g_rule[:-1]) * dr)])
    cum_lat = np.concatenate([[0.0], np.cumsum(0.5 * (g_lat[1:] + g_lat[:-1]) * dr)])
    g = np.maximum(g_rule, g_lat)
    cum = np.concatenate([[0.0], np.cumsum(0.5 * (g[1:] + g[:-1]) * dr)])
    n = max(1, math.ceil(cum_rule[-1] - 1e-9), int(round(cum_lat[-1])))
    while True:
        nodes = np.interp(np.linspace(0.0, cum[-1], n + 1), cum, r)
        if np.all(np.diff(np.interp(nodes, r, cum_rule)) <= 1.0 + 1e-9):
            break
        n += 1
    nodes[0], nodes[-1] = lo, hi
    return nodes


def _parse_chunk(chunk, radius):
    need = {"center", "width", "depth_km"}
    unknown = set(chunk) - need - {"azimuth"}
    if unknown or not need <= set(chunk):
        raise ValueError(f"chunk must be dict(center=(lat, lon), width=(dxi, deta), azimuth=0.0, depth_km=...); "
                         f"missing {sorted(need - set(chunk))}, unknown {sorted(unknown)}")
    lat, lon = (float(v) for v in chunk["center"])
    wu, wv = (float(v) for v in chunk["width"])
    az = float(chunk.get("azimuth", 0.0))
    depth = float(chunk["depth_km"])
    if not (0 < wu <= 90 and 0 < wv <= 90):
        raise ValueError(f"chunk widths must be in (0, 90] degrees, got {chunk['width']}")
    if not (0 < depth * 1e3 < 0.95 * radius):
        raise ValueError(f"chunk depth_km must be in (0, {0.95 * radius / 1e3:g}) km, got {depth}")
    up, north, east = local_basis(lat, lon)
    a = math.radians(az)
    xi_dir = math.cos(a) * north + math.sin(a) * east
    centre = geographic_to_cartesian(lat, lon, 0.0, radius=1.0)
    eta_dir = np.cross(centre, xi_dir)
    mat = np.stack([xi_dir, eta_dir, centre], axis=1)
    return dict(lat=lat, lon=lon, azimuth=az, width=(wu, wv), depth_km=depth), mat


def _plan(earth, min_period, order, chunk, ppw, nex, doubling, honour):
    if not (isinstance(order, (int, np.integer)) and 1 <= order <= 8):
        raise ValueError(f"order must be an integer in 1..8, got {order!r}")
    if not (np.isfinite(min_period) and min_period > 0):
        raise ValueError(f"min_period must be a positive number of seconds, got {min_period!r}")
    if not (np.isfinite(ppw) and ppw > 0):
        raise ValueError(f"points_per_wavelength must be positive, got {ppw!r}")
    radius = float(earth.radius)
    if getattr(earth, "r_min", 0.0) > 0 and chunk is None:
        raise ValueError(f"{earth.name} does not reach the centre (r_min > 0): a global mesh needs a whole Earth")
    if chunk is None:
        kind, frames, widths, r_bottom, info = "global", list(_GLOBAL_FRAMES), (math.pi / 2,) * 2, 0.0, None
    else:
        info, mat = _parse_chunk(chunk, radius)
        kind, frames = "chunk", [("chunk", mat)]
        widths = tuple(math.radians(w) for w in info["width"])
        r_bottom = radius - 1e3 * info["depth_km"]
        if r_bottom < getattr(earth, "r_min", 0.0):
            raise ValueError(f"chunk depth {info['depth_km']} km is below the model's lowest radius")
    sizing = _Sizing(earth, float(min_period), int(order), float(ppw), r_bottom)
    honoured = _select_honoured(earth, honour, r_bottom, sizing)
    tops = [float(earth.discontinuities[k]) for k in honoured]
    tops[-1] = radius
    bounds = [r_bottom] + tops
    if kind == "chunk" and abs(bounds[1] - r_bottom) < 1e-9 * radius:
        bounds.pop(1)                                             # depth_km on a discontinuity
    mesh_layers = list(zip(bounds[:-1], bounds[1:]))

    # lateral requirement per radian Q(r) = r / m(r), made non-decreasing upward (no refinement with depth)
    rs, ms = sizing.r, sizing.m
    q = rs / ms
    cube = None
    if kind == "global":
        r1 = mesh_layers[0][1]
        c = CUBE_FRACTION * r1
        q_cube = 2.0 * c / sizing.min_size(0.0, c * math.sqrt(3.0))    # cube cells reach 2 c dxi
        q = np.where(rs < c, 0.0, q)
        q = np.maximum(q, q_cube)
        cube = dict(c=c)
    qc = np.maximum.accumulate(q)
    nsub = 3 if kind == "global" else 2
    if doubling is None or isinstance(doubling, (bool, np.bool_)):
        max_doublings = 64 if doubling else 0
    else:
        max_doublings = int(doubling)
        if max_doublings < 0:
            raise ValueError(f"doubling must be True, False or a number of doublings >= 0, got {doubling!r}")

    def build(nex_uv):
        kappa = min(nex_uv[0] / widths[0], nex_uv[1] / widths[1])    # elements per radian, coarser direction
        # zone slots: model layers inside mesh layers (not the blend layer), top down
        slots = []
        first = 1 if kind == "global" else 0
        for lo, hi in mesh_layers[first:][::-1]:
            inner = sorted({float(d) for d in earth.discontinuities if lo + 1e-9 * radius < d < hi - 1e-9 * radius})
            edges = [lo] + inner + [hi]
            for eb, et in list(zip(edges[:-1], edges[1:]))[::-1]:
                slots.append((eb, et, lo, hi))
        zones, prev_bottom, slot_i = [], np.inf, 0

        def zone_levels(top, factor, per_radian):
            """Sub-step levels, top down: each sub-step `factor` x the fine lateral size at its top."""
            levels = [top]
            for _ in range(nsub):
                step = factor * levels[-1] * per_radian
                step = min(step, sizing.min_size(max(levels[-1] - step, 0.0), levels[-1]))
                levels.append(levels[-1] - step)
            return np.array(levels)

        for j in range(1, max_doublings + 1):
            f = 2 ** (j - 1)                                    # fine cells are f lattice units wide
            if nex_uv[0] % (4 * f) or nex_uv[1] % (4 * f):
                break
            ok = qc <= kappa / 2 ** j
            if not ok.any():
                break
            r_star = rs[np.flatnonzero(ok)[-1]]
            placed = False
            while slot_i < len(slots):
                eb, et, mlo, mhi = slots[slot_i]
                upper = min(mhi, prev_bottom)
                top = min(r_star, et, upper)
                if top <= eb:
                    slot_i += 1
                    continue
                a_f = top * f / kappa                           # fine lateral size at the top
                if 0 < upper - top < SLIVER * a_f:
                    top = upper - SLIVER * a_f
                levels = zone_levels(top, ZONE_STEP, f / kappa)
                if levels[-1] < eb - 1e-9 * radius:              # squeeze it into the slot if it can be
                    fit = (1.0 - (eb / top) ** (1.0 / nsub)) * kappa / f
                    if fit < ZONE_STEP_MIN:
                        slot_i += 1
                        continue
                    levels = zone_levels(top, fit, f / kappa)
                    levels[-1] = max(levels[-1], eb)
                bottom = levels[-1]
                if eb == mlo and 0 < bottom - mlo < SLIVER * 2 * bottom * f / kappa:
                    levels = levels - (bottom - mlo)             # no thin regular step below the zone
                    levels[-1] = mlo
                zones.append(levels)
                prev_bottom, placed = levels[-1], True
                break
            if not placed:
                break
        nd = len(zones)
        if kind == "global":
            if nex_uv[0] % 2 ** nd:
                raise AssertionError("internal: doublings do not divide nex")
            cube["n"] = nex_uv[0] // 2 ** nd
        # radial levels, bottom to top
        lev_r, lev_a, steps = [], [], []
        for ml, (lo, hi) in enumerate(mesh_layers):
            if kind == "global" and ml == 0:
                nexc = cube["n"]
                dth = (math.pi / 2) / nexc
                rr = np.linspace(c, hi, 129)                       # steps: the size rule, and about
                n_rule = math.ceil(np.trapezoid(1.0 / sizing.size(rr), rr) - 1e-9)   # as thick as wide
                n_b = max(1, n_rule, int(round(math.log(hi / c) / (RADIAL_RATIO * dth))))
                for L in range(n_b):
                    lev_r.append(hi), lev_a.append(L / n_b)
                    steps.append(dict(op="regular", sub=None, mlayer=ml))
                continue
            inside = sorted([z for z in zones if lo - 1 <= z[-1] and z[0] <= hi + 1], key=lambda z: z[-1])
            segs, cur = [], lo
            for z in inside:
                if z[-1] > cur:
                    segs.append(("regular", cur, z[-1], None))
                segs.append(("zone", z[-1], z[0], z))
                cur = z[0]
            if hi > cur:
                segs.append(("regular", cur, hi, None))
            for kind_s, a, b, z in segs:
                if kind_s == "zone":
                    for sub in range(nsub - 1, -1, -1):          # sub-step 0 at the top of the zone
                        lev_r.append(z[sub + 1]), lev_a.append(1.0)
                        steps.append(dict(op="zone", sub=sub, mlayer=ml))
                    continue
                d = sum(1 for zz in zones if zz[-1] >= b - 1)    # doublings above this segment
                lpr = 2 ** d / kappa
                nodes = _radial_nodes(a, b, sizing, lpr)
                for x0 in nodes[:-1]:
                    lev_r.append(x0), lev_a.append(1.0)
                    steps.append(dict(op="regular", sub=None, mlayer=ml))
        lev_r.append(radius), lev_a.append(1.0)
        return _Plan(kind=kind, order=int(order), frames=frames, widths=widths, nex=tuple(nex_uv),
                     lev_r=np.array(lev_r), lev_alpha=np.array(lev_a), steps=steps, nsub=nsub,
                     zones=zones, cube=dict(cube) if cube else None, honoured=honoured,
                     mesh_layers=mesh_layers, r_bottom=r_bottom, radius=radius, sizing=sizing)

    if nex is not None:
        nex_uv = (int(nex), int(nex)) if np.ndim(nex) == 0 else tuple(int(v) for v in nex)
        if kind == "global" and nex_uv[0] != nex_uv[1]:
            raise ValueError("a global mesh has one nex (square chunks)")
        if min(nex_uv) < 1:
            raise ValueError(f"nex must be >= 1, got {nex}")
        plan = build(nex_uv)
    else:
        need = [max(1, math.ceil(w * qc[-1] - 1e-9)) for w in widths]
        best = None
        for dmax in range(0, 12):
            if dmax > max_doublings:
                break
            mult = 2 ** (dmax + 1) if dmax else 1
            nex_uv = tuple(max(mult, math.ceil(n / mult) * mult) for n in need)
            if kind == "global":
                nex_uv = (max(nex_uv),) * 2
            plan = build(nex_uv)
            cost = plan.nspec() / plan.estimate_dt()
            if best is None or cost < best[0] * (1 - 1e-9):
                best = (cost, plan)
        plan = best[1]
    plan.info = info
    return plan


# --------------------------------------------------------------------------------------------------
# building: corners in the reference lattice, topology, GLL geometry
# --------------------------------------------------------------------------------------------------
def _elements(plan):
    """Integer corners (nspec, 2, 2, 2, 3) and per element: chunk (-1: cube) and step (-1: cube)."""
    corners, chunk_of, step_of = [], [], []
    for ic in range(len(plan.frames)):
        for s, (op, nu, nv, su, sv) in enumerate(plan.chunk_ops(ic)):
            if op == "regular":
                blk = dbl.regular_block(nu, nv, su, sv)
            elif op == "double_u":
                blk = dbl.doubling_block(0, nu, nv, su, sv)
            else:
                blk = dbl.doubling_block(1, nv, nu, sv, su)
            corners.append(blk)
            chunk_of.append(np.full(len(blk), ic)), step_of.append(np.full(len(blk), s))
    if plan.cube:
        n = plan.cube["n"]
        i, j, k = (a.ravel() for a in np.meshgrid(np.arange(n), np.arange(n), np.arange(n), indexing="ij"))
        e = np.arange(2)
        blk = np.empty((i.size, 2, 2, 2, 3), dtype=np.int64)
        blk[..., 0] = (i[:, None] + e)[:, :, None, None]
        blk[..., 1] = (j[:, None] + e)[:, None, :, None]
        blk[..., 2] = (k[:, None] + e)[:, None, None, :]
        corners.append(blk)
        chunk_of.append(np.full(len(blk), -1)), step_of.append(np.full(len(blk), -1))
    return np.concatenate(corners), np.concatenate(chunk_of), np.concatenate(step_of)


def _corner_ids(plan, corners, chunk_of, step_of):
    """Exact integer keys of the element corners, made into global corner ids (nspec, 2, 2, 2)."""
    nu, nv = plan.nex
    wk = np.where(step_of[:, None, None, None] >= 0, 2 * step_of[:, None, None, None] + corners[..., 2], 0)
    if plan.kind == "global":
        mats = np.stack([m for _, m in plan.frames])                     # (6, 3, 3) integer
        local = np.stack([2 * corners[..., 0] - nu, 2 * corners[..., 1] - nv,
                          np.full(corners.shape[:-1], nu)], axis=-1)
        pos = np.einsum("eij,eabgj->eabgi", mats[np.maximum(chunk_of, 0)], local)
        if plan.cube:
            cube = chunk_of == -1
            scale = nu // plan.cube["n"]
            pos[cube] = 2 * corners[cube] * scale - nu
        span = 2 * nu + 1
        key = ((pos[..., 0] + nu) * span + pos[..., 1] + nu) * span + pos[..., 2] + nu
        key = key * (2 * len(plan.steps) + 1) + wk
    else:
        key = (corners[..., 0] * (nv + 1) + corners[..., 1]) * (2 * len(plan.steps) + 1) + wk
    _, ids = np.unique(key.ravel(), return_inverse=True)
    return ids.reshape(corners.shape[:-1])


def _edges_and_faces():
    """Local edges (12 x (axis, start corner (a,b,g), end corner)) and faces (6 x 2x2 corners)."""
    edges = []
    for ax in range(3):
        for u in (0, 1):
            for v in (0, 1):
                start = [u, v]
                start.insert(ax, 0)
                end = list(start)
                end[ax] = 1
                edges.append((ax, tuple(start), tuple(end)))
    faces = []
    for f in range(6):
        ax, side = f // 2, f % 2
        quad = np.empty((2, 2, 3), dtype=np.int64)
        for p in (0, 1):
            for q in (0, 1):
                c = [p, q]
                c.insert(ax, side)
                quad[p, q] = c
        faces.append(quad)
    return edges, faces


def _topological_numbering(cid, order):
    """Global numbering of the GLL points from the corner ids of a conforming hexahedral mesh.

    Corners keep their ids; the N-1 interior points of an edge are numbered along the edge from its
    smaller corner id; the (N-1)^2 interior points of a face in the frame whose origin is its smallest
    corner id and whose first axis points to the smaller of that corner's two neighbours; element
    interiors follow. Every element sharing an edge or a face so numbers its points alike.
    Returns ibool (nspec, n, n, n), the face ids (nspec, 6) and how many elements hold each face.
    """
    nspec = len(cid)
    N, m = order, order - 1
    n = N + 1
    ibool = np.empty((nspec, n, n, n), dtype=np.int64)
    end = (0, N)
    for a in (0, 1):
        for b in (0, 1):
            for g in (0, 1):
                ibool[:, end[a], end[b], end[g]] = cid[:, a, b, g]
    nv_ = int(cid.max()) + 1
    base = nv_
    edges, faces = _edges_and_faces()
    if m > 0:
        c0 = np.stack([cid[:, s[0], s[1], s[2]] for _, s, _ in edges], axis=1)    # (nspec, 12)
        c1 = np.stack([cid[:, t[0], t[1], t[2]] for _, _, t in edges], axis=1)
        key = np.minimum(c0, c1) * nv_ + np.maximum(c0, c1)
        _, eid = np.unique(key.ravel(), return_inverse=True)
        eid = eid.reshape(key.shape)
        p = np.arange(1, N)
        gid = base + eid[..., None] * m + np.where((c0 < c1)[..., None], p - 1, N - 1 - p)
        for k, (ax, s, _) in enumerate(edges):
            idx = [end[s[0]], end[s[1]], end[s[2]]]
            idx[ax] = slice(1, N)
            ibool[(slice(None),) + tuple(idx)] = gid[:, k]
        base += (int(eid.max()) + 1) * m
    # faces: ids from the sorted corner ids
    fc = np.stack([np.stack([cid[:, q[0, 0, 0], q[0, 0, 1], q[0, 0, 2]], cid[:, q[0, 1, 0], q[0, 1, 1], q[0, 1, 2]],
                             cid[:, q[1, 0, 0], q[1, 0, 1], q[1, 0, 2]], cid[:, q[1, 1, 0], q[1, 1, 1], q[1, 1, 2]]],
                            axis=-1) for q in faces], axis=1)                   # (nspec, 6, 4): (00, 01, 10, 11)
    srt = np.sort(fc.reshape(-1, 4), axis=1)
    k1, k2 = srt[:, 0] * nv_ + srt[:, 1], srt[:, 2] * nv_ + srt[:, 3]
    order_ = np.lexsort((k2, k1))
    new = np.empty(len(order_), dtype=bool)
    new[0] = True
    new[1:] = (k1[order_][1:] != k1[order_][:-1]) | (k2[order_][1:] != k2[order_][:-1])
    fid = np.empty(len(order_), dtype=np.int64)
    fid[order_] = np.cumsum(new) - 1
    nf = int(fid.max()) + 1
    fid = fid.reshape(nspec, 6)
    fcount = np.bincount(fid.ravel(), minlength=nf)
    if m > 0:
        pp, qq = np.meshgrid(np.arange(1, N), np.arange(1, N), indexing="ij")
        first = np.argmin(fc, axis=-1)                                        # (nspec, 6) in 0..3
        p0, q0 = first // 2, first % 2
        nb_p = np.take_along_axis(fc, ((1 - p0) * 2 + q0)[..., None], axis=-1)[..., 0]
        nb_q = np.take_along_axis(fc, (p0 * 2 + (1 - q0))[..., None], axis=-1)[..., 0]
        swap = (nb_q < nb_p)[..., None, None]
        lp = np.where((p0 == 0)[..., None, None], pp, N - pp)
        lq = np.where((q0 == 0)[..., None, None], qq, N - qq)
        s, t = np.where(swap, lq, lp), np.where(swap, lp, lq)
        gid = base + fid[..., None, None] * m * m + (s - 1) * m + (t - 1)       # (nspec, 6, m, m)
        for f in range(6):
            i, j, k = face_point_indices(order, f)
            ibool[:, i[1:N, 1:N], j[1:N, 1:N], k[1:N, 1:N]] = gid[:, f]
        base += nf * m * m
        ibool[:, 1:N, 1:N, 1:N] = base + np.arange(nspec * m ** 3).reshape(nspec, m, m, m)
    return ibool, fid, fcount


def _geometry(plan, corners, chunk_of, step_of, order, batch=20000):
    """GLL coordinates (nspec, n, n, n, 3) and each element's min/max GLL radius."""
    x = basis.gll_points(order)
    lin = np.stack([(1 - x) / 2, (1 + x) / 2], axis=1)                   # (n, 2)
    n = order + 1
    shape = np.einsum("ia,jb,kg->ijkabg", lin, lin, lin).reshape(n ** 3, 8)   # trilinear shape functions

    def interp(c):                                                        # (ne, 2,2,2, 3) -> (ne, n,n,n, 3)
        return (shape @ c.reshape(len(c), 8, 3)).reshape(len(c), n, n, n, 3)
    nspec = len(corners)
    coords = np.empty((nspec, n, n, n, 3))
    rmin, rmax = np.empty(nspec), np.empty(nspec)
    nu, nv = plan.nex
    wu, wv = plan.widths
    hfrac = np.array([0.0, TEMPLATE_H, 1.0])
    mats = np.stack([np.asarray(m, dtype=float) for _, m in plan.frames])
    c = plan.cube["c"] if plan.cube else 0.0
    for s0 in range(0, nspec, batch):
        sl = slice(s0, min(nspec, s0 + batch))
        cor = corners[sl].astype(float)
        ch, st = chunk_of[sl], step_of[sl]
        cube = ch < 0
        out = np.empty((len(cor), n, n, n, 3))
        if (~cube).any():
            cc = cor[~cube]
            ang = np.empty(cc.shape)
            ang[..., 0] = (cc[..., 0] / nu - 0.5) * wu
            ang[..., 1] = (cc[..., 1] / nv - 0.5) * wv
            ang[..., 2] = hfrac[corners[sl][~cube][..., 2]]
            p = interp(ang)
            tx, ty = np.tan(p[..., 0]), np.tan(p[..., 1])
            norm = np.sqrt(tx * tx + ty * ty + 1.0)
            s = st[~cube][:, None, None, None]
            a0, a1 = plan.lev_alpha[s], plan.lev_alpha[s + 1]
            r0, r1 = plan.lev_r[s], plan.lev_r[s + 1]
            rc = c * norm
            rb = np.where(a0 < 1, a0 * r0 + (1 - a0) * rc, r0)
            rt = np.where(a1 < 1, a1 * r1 + (1 - a1) * rc, r1)
            t = p[..., 2]
            r = rb + t * (rt - rb)
            d = np.stack([tx, ty, np.ones_like(tx)], axis=-1) / norm[..., None]
            rot = np.swapaxes(mats[ch[~cube]], 1, 2)
            out[~cube] = r[..., None] * (d.reshape(len(d), -1, 3) @ rot).reshape(d.shape)
        if cube.any():
            ncube = plan.cube["n"]
            ang = (cor[cube] / ncube - 0.5) * (math.pi / 2)
            out[cube] = c * np.tan(interp(ang))
        coords[sl] = out
        rr = np.linalg.norm(out, axis=-1).reshape(len(out), -1)
        rmin[sl], rmax[sl] = rr.min(axis=1), rr.max(axis=1)
    return coords, rmin, rmax


def _regions(earth):
    """Region code of each earth layer (the central cube is set separately)."""
    fluid = _fluid_layers(earth)
    nl = earth.n_layers
    ocean = np.zeros(nl, dtype=bool)
    k = nl - 1
    while k >= 0 and fluid[k]:
        ocean[k] = True
        k -= 1
    core_fluid = [k for k in range(nl) if fluid[k] and not ocean[k]]
    codes = np.zeros(nl, dtype=np.int8)                                # crust_mantle
    if core_fluid:
        codes[core_fluid] = REGION_NAMES.index("outer_core")
        codes[: min(core_fluid)] = REGION_NAMES.index("inner_core")
    codes[ocean] = REGION_NAMES.index("ocean")
    return codes


# --------------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------------
def _estimate_from_plan(plan):
    counts, ncube = plan.element_counts()
    nspec = int(counts.sum() + ncube)
    N = plan.order
    # A conforming hexahedral mesh has about N^3 points per element plus N^2 / 2 per boundary face
    # (a structured box: (nx N + 1)(ny N + 1)(nz N + 1)), and N / 4 per boundary edge.
    ops = plan.chunk_ops(0)
    top, bottom = ops[-1][1] * ops[-1][2], 0
    faces, edges = top, 4 * sum(ops[-1][1:3])
    if plan.kind == "chunk":
        op, nu, nv = ops[0][:3]
        bottom = (nu // 2 if op == "double_u" else nu) * (nv // 2 if op == "double_v" else nv)
        for op, nu, nv, _, _ in ops:                   # the four sides: 6 faces per template strip of 4
            faces += 2 * (1.5 * nu if op == "double_u" else nu) + 2 * (1.5 * nv if op == "double_v" else nv)
        faces += bottom
        edges += 4 * len(ops)
    else:
        faces *= 6
        edges = 0
    nglob = int(nspec * N**3 + faces * N**2 / 2 + edges * N / 4)
    nbytes = nspec * ((N + 1) ** 3 * BYTES_PER_POINT + BYTES_PER_ELEMENT)
    return nspec, nglob, nbytes, plan.estimate_dt()


def _nex_out(plan):
    return plan.nex[0] if plan.kind == "global" else plan.nex


def _honoured_dict(plan, earth):
    names = earth.discontinuity_names
    return {names[k]: float(earth.discontinuities[k]) for k in reversed(plan.honoured)}


def cubed_sphere_estimate(earth, min_period, order=4, chunk=None, points_per_wavelength=5.0, nex=None,
                          doubling=True, honour=None) -> dict:
    """Size of `cubed_sphere(...)` with the same arguments, without building anything.

    Returns dict(nspec (exact), nglob (estimate, within about 1 %), bytes (memory to build it),
    nex, dt (Courant estimate, s; the built mesh's report gives the measured one),
    element_steps_per_second (nspec / dt), doublings (number), doubling_radii, honoured, nsteps).
    """
    plan = _plan(earth, min_period, order, chunk, points_per_wavelength, nex, doubling, honour)
    nspec, nglob, nbytes, dt = _estimate_from_plan(plan)
    return dict(nspec=nspec, nglob=int(nglob), bytes=int(nbytes),
                nex=_nex_out(plan),
                dt=dt, element_steps_per_second=nspec / dt, doublings=len(plan.zones),
                doubling_radii=[float(z[0]) for z in plan.zones], honoured=_honoured_dict(plan, earth),
                nsteps=len(plan.steps), nex_central_cube=plan.cube["n"] if plan.cube else None)


def cubed_sphere(earth, min_period, order=4, chunk=None, points_per_wavelength=5.0, nex=None,
                 doubling=True, max_memory=None, honour=None) -> Mesh:
    """A cubed-sphere mesh of `earth` (a sem.earth model) for periods down to `min_period` seconds.

    Parameters
    ----------
    earth : a 1-D model (sem.earth.EarthModel1D): radius, discontinuities, velocities.
    min_period : shortest period (s) the mesh must resolve (see the module doc for the size rule).
    order : polynomial order N (1..8).
    chunk : None for the whole globe, or dict(center=(lat, lon), width=(dxi, deta), azimuth=0.0,
        depth_km=...) for one regional chunk: centred on (lat, lon) (degrees), ``width`` the angular
        widths (great-circle degrees, each at most 90) along xi and eta, xi pointing along `azimuth`
        (degrees clockwise from north) at the centre and eta 90 degrees anticlockwise from it (west for
        azimuth 0; (xi, eta, up) is right-handed), from the surface down to ``depth_km`` (a mesh
        layer boundary is put there). No central cube.
    points_per_wavelength : the size rule's ppw.
    nex : elements along a chunk edge at the surface (int, or (nxi, neta) for a chunk); None chooses
        the smallest that meets the size rule with the cheapest doublings.
    doubling : True (as many 2:1 doublings as the wavelength allows), False, or the largest number.
    max_memory : bytes; default the available RAM. A larger estimate raises MemoryError before
        anything is allocated (see `cubed_sphere_estimate`).
    honour : which discontinuities of `earth` become element faces: None / 'all' (every one), 'auto'
        (every one except solid-solid discontinuities bounding a layer thinner than a quarter of its
        shortest wavelength, as PREM's crust at long periods), or a list of names. The surface and
        solid-fluid boundaries are always needed. An element across a discontinuity left out is marked
        in ``mesh.earth_info.element_crosses_discontinuity``; evaluate the model there point by point
        (`sem.mesh.gll_layers`).
    """
    plan = _plan(earth, min_period, order, chunk, points_per_wavelength, nex, doubling, honour)
    nspec, nglob, nbytes, dt = _estimate_from_plan(plan)
    if max_memory is None:
        max_memory = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    if nbytes > max_memory:
        raise MemoryError(f"this cubed-sphere mesh (nex {_nex_out(plan)}, {nspec:,} elements of order {order}, "
                          f"about {nglob:,} points) needs about {nbytes / 2**30:.2f} GiB to build, more than "
                          f"the {max_memory / 2**30:.2f} GiB allowed (max_memory); raise min_period or lower "
                          "points_per_wavelength or order")
    corners, chunk_of, step_of = _elements(plan)
    cid = _corner_ids(plan, corners, chunk_of, step_of)
    ibool, fid, fcount = _topological_numbering(cid, order)
    if fcount.max() > 2:
        raise MeshError("internal: a face is shared by more than two elements")
    coords, rmin, rmax = _geometry(plan, corners, chunk_of, step_of, order)
    # numbering in order of first appearance (locality), then a check that it matches the geometry
    flat = ibool.ravel()
    _, first = np.unique(flat, return_index=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first)] = np.arange(len(first))
    ibool = rank[ibool]
    gc = np.empty((len(first), 3))
    gc[ibool.ravel()] = coords.reshape(-1, 3)
    tol = 1e-8 * plan.radius
    for s0 in range(0, nspec, 20000):
        dev = np.abs(coords[s0:s0 + 20000] - gc[ibool[s0:s0 + 20000]]).max()
        if dev > tol:
            raise MeshError(f"internal: the numbering merges points {dev:.3g} m apart (non-conforming mesh)")
    # side sets from the boundary faces
    e_idx, f_idx = np.nonzero(fcount[fid] == 1)
    _, faces = _edges_and_faces()
    top_w = 2 * len(plan.steps)
    sides = {}
    cor_face = np.empty((len(e_idx), 4, 3), dtype=np.int64)                # the 4 corners of each face
    step_face = step_of[e_idx]
    for f in range(6):
        sel = f_idx == f
        q = faces[f].reshape(4, 3)
        cor_face[sel] = corners[e_idx[sel]][:, q[:, 0], q[:, 1], q[:, 2]]
    wk = np.where(step_face[:, None] >= 0, 2 * step_face[:, None] + cor_face[..., 2], 0)
    at_top = (wk == top_w).all(axis=1)
    labels = {"surface": at_top}
    if plan.kind == "chunk":
        u, v = cor_face[..., 0], cor_face[..., 1]
        labels.update(bottom=(wk == 0).all(axis=1),
                      xi_min=(u == 0).all(axis=1), xi_max=(u == plan.nex[0]).all(axis=1),
                      eta_min=(v == 0).all(axis=1), eta_max=(v == plan.nex[1]).all(axis=1))
    covered = np.zeros(len(e_idx), dtype=int)
    for name, sel in labels.items():
        sides[name] = np.stack([e_idx[sel], f_idx[sel]], axis=1)
        covered += sel
    if np.any(covered != 1):
        raise MeshError(f"internal: {np.sum(covered != 1)} boundary face(s) lie on no outer surface "
                        "(hanging nodes)")
    # layers and regions
    lay_lo = earth.layer_index(np.clip(rmin, earth.r_min, earth.radius), side="above")
    lay_hi = earth.layer_index(np.clip(rmax, earth.r_min, earth.radius), side="below")
    cross = lay_lo != lay_hi
    layer = lay_lo.copy()
    if cross.any():
        layer[cross] = earth.layer_index(0.5 * (rmin[cross] + rmax[cross]), side="below")
    region = _regions(earth)[layer]
    region[chunk_of < 0] = REGION_NAMES.index("central_cube")
    info = EarthMeshInfo(
        element_layer=layer.astype(np.int64), element_crosses_discontinuity=cross, element_region=region,
        region_names=REGION_NAMES, earth_radius=plan.radius, honoured_discontinuities=_honoured_dict(plan, earth),
        nex=_nex_out(plan), nex_central_cube=plan.cube["n"] if plan.cube else None,
        doubling_radii=[float(z[0]) for z in plan.zones], radial_levels=plan.lev_r.copy(),
        min_period=float(min_period), points_per_wavelength=float(points_per_wavelength), chunk=plan.info,
        estimated_bytes=int(nbytes))
    return Mesh(coords, order, side_sets=sides, ibool=ibool, outer_sides=list(labels), free_surface="surface",
                earth_info=info)
