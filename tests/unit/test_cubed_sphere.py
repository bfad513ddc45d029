"""The cubed-sphere mesher: exact geometry, layers, conformity of the doublings, chunks, sizing, memory.

Meshes are tiny (long periods, a few thousand order-4 elements); the whole file runs in ~20 s.
"""

import math
import tracemalloc

import numpy as np
import pytest

import sem
from sem.geography import geographic_to_cartesian, local_basis
from sem.mesh import face_point_indices
from sem.mesh.cubed_sphere import REGION_NAMES
from sem.mesh.mesh import _merge_coincident_points
from sem.mesh.quality import element_aspect_ratio, element_edge_lengths

LIGHT = sem.earth.PREM(crust=False)
FULL = sem.earth.PREM()
R = LIGHT.radius
CHUNK = dict(center=(35.0, -120.0), width=(40.0, 30.0), azimuth=30.0, depth_km=2000.0)


@pytest.fixture(scope="module")
def light():
    # nex 16 at 600 s: two doublings (one squeezed into the lower mantle, one in the outer core), cube 4^3
    return sem.mesh.cubed_sphere(LIGHT, 600.0, nex=16)


@pytest.fixture(scope="module")
def full():
    return sem.mesh.cubed_sphere(FULL, 600.0)          # with PREM's ocean and two-layer crust


@pytest.fixture(scope="module")
def chunk():
    return sem.mesh.cubed_sphere(LIGHT, 150.0, chunk=CHUNK, nex=(16, 12))


def _faces_by_points(mesh):
    """Each (element, face) keyed by the sorted global indices of its GLL points: (keys, counts, inverse)."""
    keys = []
    for f in range(6):
        i, j, k = face_point_indices(mesh.order, f)
        keys.append(np.sort(mesh.ibool[:, i, j, k].reshape(mesh.nspec, -1), axis=1))
    keys = np.stack(keys, axis=1).reshape(mesh.nspec * 6, -1)
    _, inv, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
    return counts[inv.ravel()].reshape(mesh.nspec, 6)


def _shell(lo, hi):
    return 4.0 / 3.0 * np.pi * (hi**3 - lo**3)


# ------------------------------------------------------------------------------------------------
# geometry: exact spheres, volumes, areas
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["light", "full"])
def test_volume_area_and_radii_are_exact(which, request):
    mesh = request.getfixturevalue(which)
    earth = LIGHT if which == "light" else FULL
    # GLL quadrature of a geometry that is exact at the GLL points: spectrally accurate. Observed
    # <= 6e-10 relative at order 4 with these 1000-km elements; 1e-8 leaves room and still fails for
    # any misplaced element (an element is ~1e-4 of the volume).
    assert abs(mesh.volume() / _shell(0.0, R) - 1) < 1e-8
    w = mesh.quadrature_weights.sum(axis=(1, 2, 3))
    for k in range(earth.n_layers):                    # every layer is a spherical shell
        lo, hi = earth.layer_bounds(k)
        in_layer = mesh.earth_info.element_layer == k
        assert abs(w[in_layer].sum() / _shell(lo, hi) - 1) < 1e-8, earth.discontinuity_names[k]
    ib, nrm, wt = mesh.face_geometry(mesh.side_set("surface"))
    assert abs(wt.sum() / (4 * np.pi * R**2) - 1) < 1e-8
    x = mesh.global_coords[ib]
    r = np.linalg.norm(x, axis=-1)
    assert np.abs(r / R - 1).max() < 1e-12             # rounding only: the surface is exact at GLL points
    assert np.einsum("fpqc,fpqc->fpq", nrm, x / r[..., None]).min() > 0.999   # outward
    # every honoured discontinuity is a sphere of GLL points: 6 k^2 + 2 of them for k = nex_local * N
    gr = np.linalg.norm(mesh.global_coords, axis=1)
    assert set(mesh.earth_info.honoured_discontinuities) == set(earth.discontinuity_names)
    for name, rd in mesh.earth_info.honoured_discontinuities.items():
        npts = int(np.sum(np.abs(gr - rd) < 1e-9 * R))
        k = math.isqrt((npts - 2) // 6)
        assert 6 * k * k + 2 == npts and k % mesh.order == 0, (name, npts)


@pytest.mark.parametrize("which", ["light", "full"])
def test_every_element_lies_in_one_earth_layer(which, request):
    mesh = request.getfixturevalue(which)
    earth = LIGHT if which == "light" else FULL
    r = np.linalg.norm(mesh.coords, axis=-1).reshape(mesh.nspec, -1)
    lo = np.array([earth.layer_bounds(k)[0] for k in range(earth.n_layers)])[mesh.earth_info.element_layer]
    hi = np.array([earth.layer_bounds(k)[1] for k in range(earth.n_layers)])[mesh.earth_info.element_layer]
    tol = 1e-9 * R                                     # DISCONTINUITY_RTOL: rounding of the radii
    assert np.all(r.min(axis=1) >= lo - tol) and np.all(r.max(axis=1) <= hi + tol)
    centre = r.mean(axis=1)                            # mean GLL radius (inside the element's radii)
    np.testing.assert_array_equal(earth.layer_index(centre), mesh.earth_info.element_layer)
    assert not mesh.earth_info.element_crosses_discontinuity.any()
    # the earth model can be evaluated on each element's own layer at all its points
    earth.evaluate(r, layer=mesh.earth_info.element_layer[:, None])


def test_jacobians_positive_and_aspect_ratio_bounded(light):
    assert light.det_jacobian.min() > 0               # Mesh refuses inverted elements anyway
    rep = light.report(LIGHT)
    assert rep["jacobian_min"] > 0 and rep["jacobian_ratio_max"] < 6   # observed 4.98 (central cube)
    # Longest/shortest edge <= 4 wherever the honoured layer is as thick as the elements are wide
    # (doubling zones, blend, cube, lower mantle: observed 3.98); in thinner layers (80, 140, 180 km
    # under 1000-km elements at this period) the layer thickness sets it: at most 4 x width/thickness.
    edges = element_edge_lengths(light)
    bounds = np.array([LIGHT.layer_bounds(k) for k in range(LIGHT.n_layers)])[light.earth_info.element_layer]
    thickness = bounds[:, 1] - bounds[:, 0]
    allowed = 4.0 * np.maximum(1.0, edges.max(axis=1) / thickness)
    assert np.all(element_aspect_ratio(light) <= allowed)
    assert element_aspect_ratio(light)[light.earth_info.element_region != 0].max() <= 4.0


# ------------------------------------------------------------------------------------------------
# conformity
# ------------------------------------------------------------------------------------------------
def test_numbering_matches_geometric_merge_and_faces_pair_up(light):
    # The mesher numbers points from the topology (exact integer corner keys). Merging coincident GLL
    # points geometrically (KD-tree, 1e-6 of the smallest spacing) must give the same partition:
    # same count, and the pair (merged id, mesher id) one-to-one. Hanging nodes would add points.
    merged = _merge_coincident_points(light.coords)
    pairs = np.unique(np.stack([merged.ravel(), light.ibool.ravel()], axis=1), axis=0)
    assert len(pairs) == light.nglob == merged.max() + 1
    # every face is shared by two elements with identical GLL points, except the surface's
    counts = _faces_by_points(light)
    assert counts.max() == 2
    boundary = np.argwhere(counts == 1)
    surface = light.side_set("surface")
    assert len(boundary) == len(surface) == 6 * 16**2
    assert set(map(tuple, boundary)) == set(map(tuple, surface))
    assert len(light.earth_info.doubling_radii) == 2 and light.earth_info.nex_central_cube == 4


def test_doubling_reduces_elements_and_changes_nothing_else():
    a = sem.mesh.cubed_sphere(LIGHT, 600.0, nex=8)
    b = sem.mesh.cubed_sphere(LIGHT, 600.0, nex=8, doubling=False)
    assert len(a.earth_info.doubling_radii) == 1 and b.earth_info.doubling_radii == []
    assert a.nspec < 0.7 * b.nspec                     # 4128 vs 7040 elements
    ia, ib = a.earth_info, b.earth_info
    assert ia.nex == ib.nex and ia.honoured_discontinuities == ib.honoured_discontinuities
    sa = np.sort(a.global_coords[np.unique(a.face_geometry(a.side_set("surface"))[0])], axis=0)
    sb = np.sort(b.global_coords[np.unique(b.face_geometry(b.side_set("surface"))[0])], axis=0)
    np.testing.assert_allclose(sa, sb, rtol=0, atol=1e-9 * R)     # the same surface grid
    assert abs(a.volume() / b.volume() - 1) < 1e-8
    assert _faces_by_points(a).max() == 2
    ra, rb = a.report(LIGHT), b.report(LIGHT)
    assert ra["dt"] >= 0.99 * rb["dt"]                 # the doubling elements do not set the time step


# ------------------------------------------------------------------------------------------------
# materials
# ------------------------------------------------------------------------------------------------
def test_model_on_the_mesh_and_fluid_elements_are_whole(full):
    r = np.linalg.norm(full.coords, axis=-1)
    vals = FULL.evaluate(r, layer=full.earth_info.element_layer[:, None, None, None])
    model = sem.Model.isotropic(full, vp=vals["vp"], vs=vals["vs"], rho=vals["rho"])   # refuses partly fluid
    fluid_layers = [k for k in range(FULL.n_layers) if FULL.is_fluid_layer(k)]
    expected = np.flatnonzero(np.isin(full.earth_info.element_layer, fluid_layers))
    np.testing.assert_array_equal(np.sort(model.fluid_elements), expected)
    names = np.array(full.earth_info.region_names)[full.earth_info.element_region[expected]]
    assert set(names) == {"outer_core", "ocean"}
    assert set(np.array(full.earth_info.region_names)[full.earth_info.element_region]) == {
        "crust_mantle", "outer_core", "inner_core", "central_cube", "ocean"}


# ------------------------------------------------------------------------------------------------
# regional chunk
# ------------------------------------------------------------------------------------------------
def test_chunk_geometry(chunk):
    lat, lon = CHUNK["center"]
    wxi, weta = (math.radians(w) for w in CHUNK["width"])
    r_bot = R - 1e3 * CHUNK["depth_km"]
    assert chunk.earth_info.nex == (16, 12) and len(chunk.earth_info.doubling_radii) == 1
    # bottom at depth_km (exact at the GLL points)
    ib, nrm, _ = chunk.face_geometry(chunk.side_set("bottom"))
    assert np.abs(np.linalg.norm(chunk.global_coords[ib], axis=-1) / r_bot - 1).max() < 1e-12
    # sides are great-circle planes: one normal each, and the plane holds the Earth's centre
    normal = {}
    for side in ("xi_min", "xi_max", "eta_min", "eta_max"):
        ib, nrm, _ = chunk.face_geometry(chunk.side_set(side))
        n0 = nrm.reshape(-1, 3).mean(axis=0)
        n0 /= np.linalg.norm(n0)
        assert np.abs(nrm - n0).max() < 1e-9, side
        assert np.abs(chunk.global_coords[ib] @ n0).max() < 1e-9 * R, side
        normal[side] = n0
    # widths: the angle between opposite planes; orientation: xi along the azimuth at the centre
    assert abs(normal["xi_min"] @ normal["xi_max"] + math.cos(wxi)) < 1e-12
    assert abs(normal["eta_min"] @ normal["eta_max"] + math.cos(weta)) < 1e-12
    up, north, east = local_basis(lat, lon)
    xi_dir = normal["xi_max"] - normal["xi_min"]
    az = math.radians(CHUNK["azimuth"])
    np.testing.assert_allclose(xi_dir / np.linalg.norm(xi_dir), math.cos(az) * north + math.sin(az) * east,
                               atol=1e-12)
    eta_dir = normal["eta_max"] - normal["eta_min"]
    np.testing.assert_allclose(eta_dir / np.linalg.norm(eta_dir), math.sin(az) * north - math.cos(az) * east,
                               atol=1e-12)
    # the centre (a grid node: nex even) is at (lat, lon) on the surface
    ib, _, _ = chunk.face_geometry(chunk.side_set("surface"))
    d = np.linalg.norm(chunk.global_coords[ib].reshape(-1, 3) - geographic_to_cartesian(lat, lon), axis=-1)
    assert d.min() < 1e-9 * R
    # volume: solid angle of the gnomonic rectangle, 4 asin(sin(a) sin(b)), times the shell
    omega = 4 * math.asin(math.sin(wxi / 2) * math.sin(weta / 2))
    assert abs(chunk.volume() / (omega * (R**3 - r_bot**3) / 3) - 1) < 1e-9


def test_chunk_side_sets_are_the_whole_boundary(chunk):
    counts = _faces_by_points(chunk)
    assert counts.max() == 2
    boundary = set(map(tuple, np.argwhere(counts == 1)))
    sides = [set(map(tuple, chunk.side_set(s))) for s in ("surface", "bottom", "xi_min", "xi_max",
                                                           "eta_min", "eta_max")]
    assert set().union(*sides) == boundary and sum(map(len, sides)) == len(boundary)
    assert len(sides[0]) == 16 * 12 and len(sides[1]) == 8 * 6      # one doubling: half in each direction
    merged = _merge_coincident_points(chunk.coords)
    assert merged.max() + 1 == chunk.nglob
    assert "central_cube" not in set(np.array(chunk.earth_info.region_names)[chunk.earth_info.element_region])


def test_chunk_bottom_adds_a_layer_boundary_and_keeps_discontinuities():
    ch = dict(CHUNK, depth_km=500.0)
    m = sem.mesh.cubed_sphere(LIGHT, 300.0, chunk=ch)
    assert list(m.earth_info.honoured_discontinuities) == ["surface", "80", "220", "400"]
    assert abs(m.earth_info.radial_levels[0] - (R - 500e3)) < 1e-6
    assert not m.earth_info.element_crosses_discontinuity.any()
    with pytest.raises(ValueError, match="width"):
        sem.mesh.cubed_sphere(LIGHT, 300.0, chunk=dict(CHUNK, width=(120.0, 30.0)))
    with pytest.raises(ValueError, match="depth_km"):
        sem.mesh.cubed_sphere(LIGHT, 300.0, chunk=dict(center=(0, 0), width=(10, 10)))


# ------------------------------------------------------------------------------------------------
# sizing, honour, estimate, memory
# ------------------------------------------------------------------------------------------------
def test_size_rule_is_met(light, chunk):
    # h <= N lambda / ppw for every element: the report's smallest points-per-wavelength >= ppw
    rep = sem.mesh.cubed_sphere(LIGHT, 400.0).report(LIGHT)
    assert rep["points_per_wavelength_min"] >= 5.0 * (1 - 1e-9)
    assert chunk.report(LIGHT)["points_per_wavelength_min"] >= 5.0 * (1 - 1e-9)
    # a shorter period needs more elements at the surface
    n = [sem.mesh.cubed_sphere_estimate(LIGHT, T)["nex"] for T in (600.0, 300.0, 150.0)]
    assert n[0] < n[1] < n[2]


def test_honour_options():
    # leave out PREM's 80-km (Q-only) discontinuity: elements may cross it and are marked
    names = ["surface", "220", "400", "670", "cmb", "icb"]
    m = sem.mesh.cubed_sphere(LIGHT, 600.0, honour=names)
    assert list(m.earth_info.honoured_discontinuities) == names
    cross = m.earth_info.element_crosses_discontinuity
    assert cross.any()
    layers = sem.mesh.gll_layers(m, LIGHT)
    r = np.linalg.norm(m.coords[cross], axis=-1)
    np.testing.assert_array_equal(layers[cross], LIGHT.layer_index(r, side="below"))
    LIGHT.evaluate(np.linalg.norm(m.coords, axis=-1).clip(0, R), layer=layers)
    # 'auto' drops PREM's thin crustal discontinuities at long periods, never the fluid boundaries
    est = sem.mesh.cubed_sphere_estimate(sem.earth.PREM(ocean=False), 100.0, honour="auto")
    assert "moho" not in est["honoured"] and "midcrust" not in est["honoured"]
    assert {"cmb", "icb", "surface"} <= set(est["honoured"])
    est = sem.mesh.cubed_sphere_estimate(FULL, 100.0, honour="auto")
    assert "seafloor" in est["honoured"]
    all_ = sem.mesh.cubed_sphere_estimate(sem.earth.PREM(ocean=False), 100.0)
    assert all_["dt"] < est["dt"] and "moho" in all_["honoured"]
    with pytest.raises(ValueError, match="cmb"):
        sem.mesh.cubed_sphere_estimate(LIGHT, 600.0, honour=["surface", "icb"])
    with pytest.raises(KeyError, match="nowhere"):
        sem.mesh.cubed_sphere_estimate(LIGHT, 600.0, honour=["surface", "nowhere"])


def test_subset_keeps_earth_info():
    # a mesh with elements across a left-out discontinuity (80 km), so that all three arrays vary
    m = sem.mesh.cubed_sphere(LIGHT, 600.0, honour=["surface", "220", "400", "670", "cmb", "icb"])
    info = m.earth_info
    cross = np.flatnonzero(info.element_crosses_discontinuity)
    core = np.flatnonzero(info.element_region == REGION_NAMES.index("outer_core"))
    elements = np.concatenate([core[::-5], cross[::3], [0]])          # not sorted, several regions
    assert len(np.unique(elements)) == len(elements)
    sub = m.subset(elements)
    si = sub.earth_info
    assert isinstance(si, sem.mesh.EarthMeshInfo) and si is not info and si.nspec == sub.nspec == len(elements)
    np.testing.assert_array_equal(si.element_layer, info.element_layer[elements])
    np.testing.assert_array_equal(si.element_crosses_discontinuity, info.element_crosses_discontinuity[elements])
    np.testing.assert_array_equal(si.element_region, info.element_region[elements])
    assert (si.element_layer.dtype, si.element_crosses_discontinuity.dtype, si.element_region.dtype) == (
        np.int64, bool, np.int8)
    assert si.element_crosses_discontinuity.any() and not si.element_crosses_discontinuity.all()
    for name in ("region_names", "earth_radius", "honoured_discontinuities", "nex", "nex_central_cube",
                 "doubling_radii", "min_period", "points_per_wavelength", "chunk", "estimated_bytes"):
        assert getattr(si, name) == getattr(info, name), name
    np.testing.assert_array_equal(si.radial_levels, info.radial_levels)
    # the subset evaluates the model as its parent does, and reports its own regions
    np.testing.assert_array_equal(sem.mesh.gll_layers(sub, LIGHT), sem.mesh.gll_layers(m, LIGHT)[elements])
    counts = sub.report(LIGHT)["elements_per_region"]
    assert counts["outer_core"] == len(core[::-5]) and sum(counts.values()) == len(elements)
    assert sem.mesh.box(elements=(2, 1, 1), order=1).subset([1]).earth_info is None


def test_estimate_matches_the_built_mesh(light):
    est = sem.mesh.cubed_sphere_estimate(LIGHT, 600.0, nex=16)
    assert est["nspec"] == light.nspec and est["nex"] == light.earth_info.nex == 16
    assert abs(est["nglob"] / light.nglob - 1) < 0.01          # N^3 per element + N^2/2 per boundary face
    rep = light.report(LIGHT)
    assert abs(est["dt"] / rep["dt"] - 1) < 0.1               # planned sizes vs measured GLL spacing
    assert rep["dt"] > 0 and rep["element_steps_per_second"] == pytest.approx(light.nspec / rep["dt"])
    assert sum(rep["elements_per_region"].values()) == light.nspec
    assert "dt =" in str(rep) and "central_cube" in str(rep)
    # the build needs no more memory than estimated (tracemalloc sees NumPy's allocations)
    tracemalloc.start()
    try:
        sem.mesh.cubed_sphere(LIGHT, 600.0, nex=8)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    est8 = sem.mesh.cubed_sphere_estimate(LIGHT, 600.0, nex=8)
    assert peak <= est8["bytes"] <= 2.5 * peak


def test_memory_refusal_before_allocation():
    est = sem.mesh.cubed_sphere_estimate(LIGHT, 1.0)
    assert est["nspec"] > 1e9 and est["bytes"] > 1e13
    tracemalloc.start()
    try:
        with pytest.raises(MemoryError, match="GiB"):
            sem.mesh.cubed_sphere(LIGHT, 1.0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50e6                                  # only the plan was made
    with pytest.raises(MemoryError, match="max_memory"):
        sem.mesh.cubed_sphere(LIGHT, 600.0, max_memory=1e6)


def test_bad_arguments():
    with pytest.raises(ValueError, match="min_period"):
        sem.mesh.cubed_sphere_estimate(LIGHT, -1.0)
    with pytest.raises(ValueError, match="order"):
        sem.mesh.cubed_sphere_estimate(LIGHT, 600.0, order=0)
    with pytest.raises(ValueError, match="chunk"):
        sem.mesh.cubed_sphere_estimate(LIGHT, 600.0, chunk=dict(center=(0, 0), width=(10, 10), depth_km=100,
                                                                  tilt=3))
