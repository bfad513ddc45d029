"""Sources and receivers exactly on element faces, edges, corners and GLL nodes (also on a doubling
layer and in the central cube of a cubed sphere).

- Located where they are: the interpolation of the coordinates reproduces the point (1e-9 of the
  element size), and every element returned by `containing_elements` holds it.
- The basis is continuous, so a receiver's seismogram, and a force source's, is continuous as the
  point crosses a face: a point nudged by 1e-9 of an element into each neighbour gives the same
  seismogram to 1e-8 relative (measured ~1e-11; the change is O(nudge) times the field's gradient).
- The basis gradient jumps across faces, so a moment tensor on a shared face, edge or corner (within
  INSIDE_TOL = 1e-6 in reference coordinates) is the mean over the elements that share it: its
  weights equal the mean of the weights of the source nudged by 1e-4 of an element into each of
  those elements (to 1e-2 of the largest weight: O(nudge) times the basis' second derivative,
  measured 1e-3), and differ from any single one of them (by > 5 %, measured 1.5-3.3 times). Its
  seismograms against the closed form are in tests/physics/test_homogeneous.py (a source on a corner).
"""

import numpy as np
import pytest

import sem
from helpers import wavy
from sem import interp
from sem.sources import SourceArray


@pytest.fixture(scope="module")
def box():
    return sem.mesh.box((4.0, 4.0, 4.0), (4, 4, 4), order=4)


def points_of_kind(mesh):
    """A point on a shared face, edge and corner, a GLL node inside an element and an interior one."""
    return {"face": mesh.coords[21, -1, 2, 1], "edge": mesh.coords[21, -1, -1, 3],
            "corner": mesh.coords[21, -1, -1, -1], "gll node": mesh.coords[21, 1, 3, 2],
            "interior": mesh.coords[21].mean(axis=(0, 1, 2)) + 0.013}


def nudged(mesh, point, scale=1e-9):
    """The point moved by `scale` of an element into each element that holds it."""
    elements, _ = interp.containing_elements(mesh, point)
    h = np.cbrt(mesh.volume() / mesh.nspec)
    out = []
    for e in elements:
        d = mesh.coords[e].mean(axis=(0, 1, 2)) - point
        out.append(point + scale * h * d / np.linalg.norm(d))
    return elements, out


@pytest.mark.parametrize("deform", [None, wavy], ids=["straight", "curved"])
def test_points_on_faces_edges_corners_are_located(deform):
    mesh = sem.mesh.box((1.0, 1.0, 1.0), (4, 4, 4), order=4, deform=deform)
    h = np.cbrt(mesh.volume() / mesh.nspec)
    expected = {"face": 2, "edge": 4, "corner": 8, "gll node": 1, "interior": 1}
    for kind, p in points_of_kind(mesh).items():
        elements, xi = interp.containing_elements(mesh, p)
        assert len(elements) == expected[kind], kind
        for e, x in zip(elements, xi):
            idx, w = interp.interpolation_weights(mesh, np.array([e]), x[None])
            assert np.linalg.norm(w[0] @ mesh.global_coords[idx[0]] - p) < 1e-9 * h, kind
        e1, x1 = interp.locate(mesh, p[None])
        assert e1[0] in elements


def test_receiver_and_force_seismograms_are_continuous_across_faces(box):
    model = sem.Model.isotropic(box, vp=3.0, vs=1.7, rho=2.5)
    pts = points_of_kind(box)
    src_at = np.array([1.3, 2.2, 2.7])
    for kind in ("face", "edge", "corner"):
        elements, moved = nudged(box, pts[kind])
        recs = [sem.Receiver(pts[kind], "ON")] + [sem.Receiver(q, f"N{i}") for i, q in enumerate(moved)]
        src = sem.ForceSource(src_at, (1.0, -2.0, 0.5), sem.stf.Ricker(1.5, 0.8))
        res = sem.Simulation(box, model, [src], recs, duration=1.2, progress=False).run()
        scale = np.abs(res.data[0]).max()
        assert scale > 0
        for i in range(1, len(recs)):
            assert np.abs(res.data[i] - res.data[0]).max() <= 1e-8 * scale, (kind, i)
        # a force source on the point and nudged into each neighbour: the same seismograms
        rec = [sem.Receiver(src_at, "R")]
        on = sem.Simulation(box, model, [sem.ForceSource(pts[kind], (1.0, -2.0, 0.5), sem.stf.Ricker(1.5, 0.8))],
                            rec, duration=1.2, progress=False).run().data
        for q in moved[:2]:
            off = sem.Simulation(box, model, [sem.ForceSource(q, (1.0, -2.0, 0.5), sem.stf.Ricker(1.5, 0.8))],
                                 rec, duration=1.2, progress=False).run().data
            assert np.abs(off - on).max() <= 1e-8 * np.abs(on).max(), kind


def dense(mesh, sa):
    """The injection weights of a SourceArray as a dense (3, nglob) array."""
    out = np.zeros((3, mesh.nglob))
    for c in range(3):
        np.add.at(out[c], sa.idx, sa.w[c])
    return out


@pytest.mark.parametrize("kind", ["face", "edge", "corner"])
def test_moment_tensor_on_a_shared_point_is_the_mean_over_its_elements(box, kind):
    p = points_of_kind(box)[kind]
    tensor = (1.0, -0.6, 0.3, 0.8, -0.4, 0.5)
    stf = sem.stf.Ricker(1.5, 0.8)
    on = dense(box, SourceArray(box, [sem.MomentTensorSource(p, tensor, stf)]))
    elements, moved = nudged(box, p, scale=1e-4)
    sides = [dense(box, SourceArray(box, [sem.MomentTensorSource(q, tensor, stf)])) for q in moved]
    mean = np.mean(sides, axis=0)
    scale = np.abs(mean).max()
    print(kind, "on vs mean of sides", np.abs(on - mean).max() / scale,
          "on vs each side", [round(np.abs(s - on).max() / scale, 3) for s in sides])
    assert np.abs(on - mean).max() <= 1e-2 * scale
    assert all(np.abs(s - on).max() > 5e-2 * scale for s in sides)       # one side alone is not the point
    # inside one element nothing changes: the source there is that element's weights
    inner = points_of_kind(box)["interior"]
    e, xi = interp.locate(box, inner[None])
    src = sem.MomentTensorSource(inner, tensor, stf)
    idx, w = src.weights(box, e[0], xi[0])
    sa = SourceArray(box, [src])
    assert np.array_equal(sa.idx, idx) and np.array_equal(sa.w, w)


def test_points_on_a_doubling_layer_and_in_the_central_cube():
    earth = sem.earth.PREM(isotropic=True, crust=False)
    mesh = sem.mesh.cubed_sphere(earth, min_period=400.0)
    info = mesh.earth_info
    assert info.doubling_radii, "this mesh has no doubling layer to test"
    r_d = info.doubling_radii[0]
    r = np.linalg.norm(mesh.coords, axis=-1)
    corner_on_layer = mesh.coords.reshape(-1, 3)[np.argmin(np.abs(r.ravel() - r_d))]
    cube = np.flatnonzero(np.asarray(info.region_names)[info.element_region] == "central_cube")
    assert cube.size
    in_cube = mesh.coords[cube[len(cube) // 2], -1, -1, -1]
    h = np.cbrt(mesh.volume() / mesh.nspec)
    g = mesh.global_coords
    field = np.sin(g[:, 0] / 2e6) + np.cos(g[:, 1] / 3e6) * g[:, 2] / 6.4e6      # smooth, continuous
    for p in (corner_on_layer, in_cube):
        elements, xi = interp.containing_elements(mesh, p)
        assert len(elements) >= 2                                           # shared by several elements
        vals = []
        for e, x in zip(elements, xi):
            idx, w = interp.interpolation_weights(mesh, np.array([e]), x[None])
            assert np.linalg.norm(w[0] @ g[idx[0]] - p) < 1e-9 * h
            vals.append(w[0] @ field[idx[0]])
        assert np.ptp(vals) <= 1e-10 * np.abs(field).max()                  # the same value from every side


def test_points_on_a_solid_fluid_face_belong_to_the_solid():
    """A source or receiver on a face between a solid and a fluid element is placed on the solid side
    (located in the solid's own mesh); a point strictly inside the fluid is refused."""
    mesh = sem.mesh.box((3.0, 3.0, 3.0), (3, 3, 3), order=3)
    centre = mesh.coords.mean(axis=(1, 2, 3))
    fluid = np.all(np.abs(centre - 1.5) < 0.6, axis=1)[:, None, None, None]
    fluid = np.broadcast_to(fluid, mesh.coords.shape[:4])
    model = sem.Model.isotropic(mesh, vp=np.where(fluid, 1.5, 3.0), vs=np.where(fluid, 0.0, 1.7), rho=2.0)
    assert model.has_fluid
    on_face = np.array([1.0, 1.4, 1.6])                      # the x = 1 face of the central (fluid) element
    on_corner = np.array([2.0, 2.0, 1.0])
    src = sem.MomentTensorSource(on_face, (1, 1, 1, 0, 0, 0), sem.stf.Ricker(1.0, 1.2))
    sim = sem.Simulation(mesh, model, [src], [sem.Receiver(on_corner, "C")], duration=0.5, progress=False)
    solid_mesh = sim.solid.mesh
    for p in (on_face, on_corner):
        elements, _ = interp.containing_elements(solid_mesh, p)
        parents = solid_mesh.parent_elements[elements]
        assert len(elements) >= 1 and not np.isin(parents, model.fluid_elements).any()
        assert np.isin(interp.containing_elements(mesh, p)[0], model.fluid_elements).any()   # it is on the fluid too
    assert np.all(np.isfinite(sim.run().data))
    with pytest.raises(ValueError, match="lies in the fluid"):
        sem.Simulation(mesh, model, [sem.ForceSource((1.5, 1.4, 1.6), (0, 0, 1), sem.stf.Ricker(1.0, 1.2))], [],
                       duration=0.5, progress=False)
    with pytest.raises(ValueError, match="lies in the fluid"):
        sem.Simulation(mesh, model, [], [sem.Receiver((1.2, 1.5, 1.5), "F")], duration=0.5, progress=False)
