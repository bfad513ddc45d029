import numpy as np
import pytest

import sem
from helpers import wavy
from sem.mesh.mesh import _merge_coincident_points


def test_box_volume_area_and_numbering():
    m = sem.mesh.box((2.0, 3.0, 4.0), (2, 3, 4), order=4)
    assert m.nspec == 24 and m.nglob == (2 * 4 + 1) * (3 * 4 + 1) * (4 * 4 + 1)
    assert abs(m.volume() - 24.0) < 1e-12
    _, nrm, wt = m.face_geometry(m.side_set("top"))
    assert abs(wt.sum() - 6.0) < 1e-12                    # area of the top face
    np.testing.assert_allclose(nrm, np.broadcast_to([0, 0, 1.0], nrm.shape), atol=1e-12)
    _, nrm, wt = m.face_geometry(m.side_set("xmin"))
    assert abs(wt.sum() - 12.0) < 1e-12
    np.testing.assert_allclose(nrm[..., 0], -1.0, atol=1e-12)


def test_curved_mesh_numbering_matches_structured_and_divergence_theorem():
    m = sem.mesh.box((1.0, 1.0, 1.0), (3, 3, 3), order=5, deform=wavy)
    merged = _merge_coincident_points(m.coords)
    # the geometric merge must induce the same partition of points as the structured numbering
    pairs = np.unique(np.stack([merged.ravel(), m.ibool.ravel()], axis=1), axis=0)
    assert len(pairs) == m.nglob == merged.max() + 1
    # divergence theorem: the closed surface integral of n . F for F = x equals 3 * volume
    total = 0.0
    for side in ("xmin", "xmax", "ymin", "ymax", "zmin", "zmax"):
        ib, nrm, wt = m.face_geometry(m.side_set(side))
        total += np.sum(wt * np.einsum("fpqc,fpqc->fpq", nrm, m.global_coords[ib]))
    assert abs(total - 3 * m.volume()) < 1e-9        # spectrally accurate geometry


def test_face_values_match_a_loop_over_faces():
    m = sem.mesh.box((1.0, 1.0, 1.0), (3, 3, 3), order=3, deform=wavy)
    n = m.ngll
    rng = np.random.default_rng(1)
    faces = np.stack([rng.integers(0, m.nspec, 30), np.arange(30) % 6], axis=1)[rng.permutation(30)]
    x = m.face_values(faces, m.coords)
    assert x.shape == (len(faces), n, n, 3)
    for f, (e, face) in enumerate(faces):                 # explicit loop over faces and points
        i, j, k = sem.mesh.face_point_indices(m.order, face)
        for p in range(n):
            for q in range(n):
                assert np.array_equal(x[f, p, q], m.coords[e, i[p, q], j[p, q], k[p, q]])
    # the same points as face_geometry's: its global indices, and the coordinates they address
    ib, _, _ = m.face_geometry(faces)
    np.testing.assert_array_equal(m.face_values(faces, m.ibool), ib)
    np.testing.assert_allclose(m.global_coords[ib], x, rtol=0, atol=1e-14)
    # no trailing axes, several trailing axes, no faces
    assert m.face_values(faces, m.det_jacobian).shape == (len(faces), n, n)
    assert m.face_values(faces, m.jacobian).shape == (len(faces), n, n, 3, 3)
    assert m.face_values(np.zeros((0, 2), dtype=int), m.coords).shape == (0, n, n, 3)
    with pytest.raises(sem.mesh.MeshError, match="element-local"):
        m.face_values(faces, m.coords[:-1])


def test_graded_axis_nodes():
    m = sem.mesh.box(nodes=([0, 1, 3, 6.0], None, [0.0, 0.5, 1.0]), size=(0, 2.0, 0), elements=(0, 2, 0), order=3)
    assert m.nspec == 3 * 2 * 2
    assert abs(m.volume() - 6 * 2 * 1) < 1e-12


def test_inverted_element_is_named():
    m = sem.mesh.box((1.0, 1.0, 1.0), (2, 2, 2), order=2)
    coords = m.coords.copy()
    coords[5] = coords[5][::-1]                          # mirror element 5 along xi: inverted
    with pytest.raises(sem.mesh.MeshError, match="element 5"):
        sem.mesh.Mesh(coords, 2)


def test_bad_shapes_and_side_sets():
    with pytest.raises(sem.mesh.MeshError, match="shape"):
        sem.mesh.Mesh(np.zeros((2, 3, 3, 3, 3)), order=4)
    m = sem.mesh.box((1, 1, 1), (1, 1, 1), order=1)
    with pytest.raises(sem.mesh.MeshError, match="unknown side set"):
        m.side_set("nowhere")
