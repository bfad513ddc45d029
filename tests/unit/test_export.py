"""Export of meshes, models and fields to ParaView (VTU / XDMF through meshio)."""

import meshio
import numpy as np
import pytest

import sem
from sem.io import export as export_mod
from sem.io.export import export_mesh, xdmf_companion

ORDER = 3
N = ORDER + 1
SIZE = (1.0, 2.0, 3.0)
ELEMENTS = (2, 2, 2)
NSPEC = 8
# The six tetrahedra around the 0-6 diagonal of a VTK hexahedron, each positively oriented.
TETS = np.array([(0, 1, 2, 6), (0, 2, 3, 6), (0, 3, 7, 6), (0, 7, 4, 6), (0, 4, 5, 6), (0, 5, 1, 6)])


def deform(x):
    X, Y, Z = x[..., 0], x[..., 1], x[..., 2]
    out = np.array(x, dtype=float, copy=True)
    out[..., 0] += 0.04 * np.sin(np.pi * Y / 2) * np.sin(np.pi * Z / 3)
    out[..., 1] += 0.05 * np.sin(np.pi * X) * np.cos(np.pi * Z / 3)
    out[..., 2] += 0.08 * np.sin(np.pi * X) * np.sin(np.pi * Y / 2) * Z / 3   # topography
    return out


def vp_of(x):
    return 3000.0 + 100.0 * x[..., 0] + 20.0 * x[..., 1] ** 2 - 50.0 * x[..., 2]


def vs_of(x):
    return 1800.0 + 10.0 * np.sin(x[..., 0] + x[..., 2])


@pytest.fixture(scope="module")
def straight():
    return sem.mesh.box(SIZE, ELEMENTS, order=ORDER)


@pytest.fixture(scope="module")
def curved():
    return sem.mesh.box(SIZE, ELEMENTS, order=ORDER, deform=deform)


def iso(mesh):
    return sem.Model.isotropic(mesh, vp=vp_of, vs=vs_of, rho=2500.0)


def tet_volumes(points, cells):
    """Signed volumes of the six tetrahedra of every hexahedron, shape (ncell, 6)."""
    p = points[cells[:, TETS]]                                    # (ncell, 6, 4, 3)
    return np.linalg.det(p[:, :, 1:] - p[:, :, :1]) / 6.0


def hexa(m):
    (block,) = m.cells
    assert block.type == "hexahedron"
    return block.data


# ---- round trip --------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".vtu", ".xdmf"])
@pytest.mark.parametrize("which, vol_rtol", [("straight", 1e-12), ("curved", 1e-3)])
def test_round_trip(tmp_path, request, suffix, which, vol_rtol):
    mesh = request.getfixturevalue(which)
    model = iso(mesh)
    out = tmp_path / f"m{suffix}"
    assert export_mesh(out, mesh, model=model, jacobian=True) == out
    m = meshio.read(out)
    cells = hexa(m)
    assert m.points.shape == (mesh.nglob, 3)
    assert cells.shape == ((N - 1) ** 3 * NSPEC, 8)
    np.testing.assert_array_equal(m.points, mesh.global_coords)
    gx = mesh.global_coords
    np.testing.assert_allclose(m.point_data["vp"], vp_of(gx), rtol=1e-13)
    np.testing.assert_allclose(m.point_data["vs"], vs_of(gx), rtol=1e-13)
    np.testing.assert_array_equal(m.point_data["rho"], 2500.0)
    np.testing.assert_array_equal(m.cell_data["element"][0], np.repeat(np.arange(NSPEC), (N - 1) ** 3))
    np.testing.assert_allclose(m.cell_data["min_det_jacobian"][0],
                               np.repeat(mesh.det_jacobian.min(axis=(1, 2, 3)), (N - 1) ** 3))
    vols = tet_volumes(m.points, cells)
    assert (vols > 0).all()
    assert vols.sum() == pytest.approx(mesh.volume(), rel=vol_rtol)
    if which == "straight":
        assert vols.sum() == pytest.approx(np.prod(SIZE), rel=1e-12)
    else:                                                   # the curved volume is really different
        assert abs(mesh.volume() - np.prod(SIZE)) > 1e-3 * np.prod(SIZE)
    if suffix == ".xdmf":
        assert xdmf_companion(out) == tmp_path / "m.xdmf.h5"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [out.name] + (["m.xdmf.h5"] if suffix == ".xdmf" else []))


def test_vtk_hexahedron_node_order(tmp_path, straight):
    """Bottom face counter-clockwise seen from +z, then the top face, node 4+m above node m."""
    export_mesh(tmp_path / "m.vtu", straight)
    m = meshio.read(tmp_path / "m.vtu")
    p = m.points[hexa(m)]                                   # (ncell, 8, 3)
    bottom, top = p[:, :4], p[:, 4:]
    assert np.all(bottom[..., 2] == bottom[:, :1, 2])      # planar, at the lower z
    assert np.all(top[..., 2] == top[:, :1, 2])
    assert np.all(top[:, 0, 2] > bottom[:, 0, 2])
    np.testing.assert_array_equal(top[..., :2], bottom[..., :2])
    x, y = bottom[..., 0], bottom[..., 1]                   # shoelace: CCW <=> positive area
    area = 0.5 * (x * np.roll(y, -1, axis=1) - np.roll(x, -1, axis=1) * y).sum(axis=1)
    assert (area > 0).all()
    # node 0 is the (xmin, ymin) corner and node 1 follows +x, as in VTK's reference cell
    assert np.all(bottom[:, 0, :2] == bottom[..., :2].min(axis=1))
    assert np.all(bottom[:, 1, 0] > bottom[:, 0, 0]) and np.all(bottom[:, 1, 1] == bottom[:, 0, 1])


def test_volume_check_detects_wrong_order(straight):
    cells = export_mod._build(straight, None, None, True, False, False)[1]
    pts = straight.global_coords
    assert (tet_volumes(pts, cells) > 0).all()
    assert (tet_volumes(pts, cells[:, [4, 5, 6, 7, 0, 1, 2, 3]]) < 0).all()   # top and bottom swapped
    assert (tet_volumes(pts, cells[:, [0, 1, 3, 2, 4, 5, 7, 6]]) <= 0).any()  # twisted faces


def test_hex_cells_reference_order():
    c = export_mod.hex_cells(1)
    np.testing.assert_array_equal(c[0], export_mod.VTK_HEX_CORNERS)
    assert export_mod.hex_cells(4).shape == (64, 8, 3)
    np.testing.assert_array_equal(export_mod.hex_cells(4, subdivide=False)[0], 4 * export_mod.VTK_HEX_CORNERS)


# ---- corner-only and discontinuous modes ------------------------------------------------------
@pytest.mark.parametrize("suffix", [".vtu", ".xdmf"])
def test_no_subdivision(tmp_path, straight, suffix):
    model = iso(straight)
    export_mesh(tmp_path / f"m{suffix}", straight, model=model, subdivide=False)
    m = meshio.read(tmp_path / f"m{suffix}")
    cells = hexa(m)
    assert cells.shape == (NSPEC, 8)
    assert len(m.points) == 27                                # (2+1)^3 element corners
    np.testing.assert_allclose(m.point_data["vp"], vp_of(m.points), rtol=1e-13)
    vols = tet_volumes(m.points, cells)
    assert (vols > 0).all()
    assert vols.sum() == pytest.approx(np.prod(SIZE), rel=1e-12)
    export_mesh(tmp_path / f"d{suffix}", straight, model=model, subdivide=False, discontinuous=True)
    assert len(meshio.read(tmp_path / f"d{suffix}").points) == NSPEC * 8


@pytest.mark.parametrize("suffix", [".vtu", ".xdmf"])
def test_discontinuous(tmp_path, curved, suffix):
    mesh = curved
    elem_field = np.broadcast_to(np.arange(NSPEC, dtype=float)[:, None, None, None],
                                 mesh.coords.shape[:4])
    gfield = np.arange(mesh.nglob, dtype=float)
    model = iso(mesh)
    export_mesh(tmp_path / f"m{suffix}", mesh, model=model, discontinuous=True,
                fields={"elem": elem_field, "g": gfield})
    m = meshio.read(tmp_path / f"m{suffix}")
    cells = hexa(m)
    assert m.points.shape == (NSPEC * N ** 3, 3)
    assert cells.shape == ((N - 1) ** 3 * NSPEC, 8)
    np.testing.assert_array_equal(m.points, mesh.coords.reshape(-1, 3))
    np.testing.assert_array_equal(m.point_data["vp"], model.law.values["vp"].ravel())
    np.testing.assert_array_equal(m.point_data["g"], mesh.ibool.ravel())
    # every cell shows exactly its own element's value
    ce = m.cell_data["element"][0]
    np.testing.assert_array_equal(m.point_data["elem"][cells], np.broadcast_to(ce[:, None], cells.shape))
    vols = tet_volumes(m.points, cells)
    assert (vols > 0).all()
    assert vols.sum() == pytest.approx(mesh.volume(), rel=1e-3)

    # continuous mode: a shared point takes the value of the lowest-numbered element sharing it
    export_mesh(tmp_path / f"c{suffix}", mesh, fields={"elem": elem_field})
    c = meshio.read(tmp_path / f"c{suffix}")
    lowest = np.full(mesh.nglob, NSPEC)
    np.minimum.at(lowest, mesh.ibool.ravel(), np.repeat(np.arange(NSPEC), N ** 3))
    np.testing.assert_array_equal(c.point_data["elem"], lowest)


# ---- fields --------------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".vtu", ".xdmf"])
def test_user_fields_and_vector_parameters(tmp_path, straight, suffix):
    mesh = straight
    rng = np.random.default_rng(0)
    gscalar = rng.standard_normal(mesh.nglob)
    gvec = rng.standard_normal((3, mesh.nglob))
    lvec = 2.0 * mesh.coords                          # element-local (nspec, n, n, n, 3), continuous
    mask = np.zeros(mesh.coords.shape[:4], dtype=bool)
    model = sem.Model.transversely_isotropic(mesh, vpv=3000.0, vph=3100.0, vsv=1800.0, vsh=1850.0,
                                             eta=1.0, rho=2500.0, axis=lambda x: x + 0.5)  # non-zero
    export_mesh(tmp_path / f"m{suffix}", mesh, model=model,
                fields={"s": gscalar, "u": gvec, "twice_x": lvec, "mask": mask})
    m = meshio.read(tmp_path / f"m{suffix}")
    np.testing.assert_array_equal(m.point_data["s"], gscalar)
    np.testing.assert_array_equal(m.point_data["u"], gvec.T)
    np.testing.assert_allclose(m.point_data["twice_x"], 2.0 * mesh.global_coords, rtol=1e-15)
    assert not m.point_data["mask"].any()
    assert m.point_data["axis"].shape == (mesh.nglob, 3)
    np.testing.assert_allclose(np.linalg.norm(m.point_data["axis"], axis=1), 1.0, rtol=1e-12)
    assert set(model.law.values) <= set(m.point_data)


# ---- errors --------------------------------------------------------------------------------------
def test_unsupported_suffix(tmp_path, straight):
    with pytest.raises(ValueError, match=r"\.vtu.*\.xdmf"):
        export_mesh(tmp_path / "m.vtk", straight)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("bad, match", [
    (np.zeros(10), r"'f' has shape \(10,\)"),
    (np.zeros((2, 2, 2)), r"shape \(2, 2, 2\).*nglob"),
    (np.zeros((NSPEC, N, N, N + 1)), r"element-local"),
    (np.zeros(343, dtype=complex), "real numbers"),
])
def test_field_shape_errors(tmp_path, straight, bad, match):
    with pytest.raises(ValueError, match=match):
        export_mesh(tmp_path / "m.vtu", straight, fields={"f": bad})
    assert list(tmp_path.iterdir()) == []


def test_other_errors(tmp_path, straight):
    model = iso(straight)
    with pytest.raises(ValueError, match="also a model parameter"):
        export_mesh(tmp_path / "m.vtu", straight, model=model, fields={"vp": np.zeros(straight.nglob)})
    with pytest.raises(ValueError, match="reserved"):
        export_mesh(tmp_path / "m.vtu", straight, fields={"element": np.zeros(straight.nglob)})
    with pytest.raises(ValueError, match="components"):
        export_mesh(tmp_path / "m.xdmf", straight, fields={"q": np.zeros((4, straight.nglob))})
    other = sem.mesh.box(SIZE, (1, 1, 1), order=ORDER)
    with pytest.raises(ValueError, match="another mesh"):
        export_mesh(tmp_path / "m.vtu", other, model=model)
    assert list(tmp_path.iterdir()) == []
    export_mesh(tmp_path / "q.vtu", straight, fields={"q": np.zeros((4, straight.nglob))})
    assert meshio.read(tmp_path / "q.vtu").point_data["q"].shape == (straight.nglob, 4)


# ---- atomic writes -------------------------------------------------------------------------------
def test_failing_vtu_write_leaves_nothing(tmp_path, straight, monkeypatch):
    def broken(path, mesh, file_format=None, **kw):
        with open(path, "wb") as f:
            f.write(b"<VTKFile half written")
        raise OSError("disk full")

    monkeypatch.setattr(export_mod.meshio, "write", broken)
    with pytest.raises(OSError, match="disk full"):
        export_mesh(tmp_path / "m.vtu", straight)
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "old.vtu").write_bytes(b"previous")
    with pytest.raises(OSError, match="disk full"):
        export_mesh(tmp_path / "old.vtu", straight)
    assert [p.name for p in tmp_path.iterdir()] == ["old.vtu"]
    assert (tmp_path / "old.vtu").read_bytes() == b"previous"


def test_failing_xdmf_write_leaves_nothing(tmp_path, straight, monkeypatch):
    def broken(self, cell_data, grid):                   # after points and cells went to the .h5
        assert self.h5_file  # the HDF5 file exists and is open at this point
        raise OSError("disk full")

    monkeypatch.setattr(export_mod.MeshioXdmfWriter, "write_cell_data", broken)
    with pytest.raises(OSError, match="disk full"):
        export_mesh(tmp_path / "m.xdmf", straight)
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "m.xdmf").write_bytes(b"previous")
    (tmp_path / "m.xdmf.h5").write_bytes(b"previous h5")
    with pytest.raises(OSError, match="disk full"):
        export_mesh(tmp_path / "m.xdmf", straight)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.xdmf", "m.xdmf.h5"]
    assert (tmp_path / "m.xdmf.h5").read_bytes() == b"previous h5"


def test_xdmf_does_not_touch_same_stem_h5(tmp_path, straight):
    (tmp_path / "model.h5").write_bytes(b"a checkpoint")
    export_mesh(tmp_path / "model.xdmf", straight, model=iso(straight))
    assert (tmp_path / "model.h5").read_bytes() == b"a checkpoint"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.h5", "model.xdmf", "model.xdmf.h5"]
    assert meshio.read(tmp_path / "model.xdmf").points.shape == (straight.nglob, 3)
