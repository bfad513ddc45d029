import numpy as np
import pytest

import sem
from sem import interp

from helpers import wavy


def test_locate_and_interpolate_on_curved_mesh():
    m = sem.mesh.box((1.0, 1.0, 1.0), (3, 3, 3), order=4, deform=wavy)
    rng = np.random.default_rng(3)
    # random points given by random reference coordinates in random elements
    e = rng.integers(0, m.nspec, 20)
    xi = rng.uniform(-1, 1, (20, 3))
    idx, h = interp.interpolation_weights(m, e, xi)
    pts = np.einsum("mp,mpc->mc", h, m.global_coords[idx])
    e2, xi2 = interp.locate(m, pts)
    idx2, h2 = interp.interpolation_weights(m, e2, xi2)
    np.testing.assert_allclose(np.einsum("mp,mpc->mc", h2, m.global_coords[idx2]), pts, atol=1e-12)
    # a polynomial field of degree <= order in x is reproduced exactly on an undeformed box
    b = sem.mesh.box((2.0, 1.0, 1.0), (2, 2, 2), order=4)
    p = rng.uniform([0, 0, 0], [2, 1, 1], (15, 3))
    f = lambda x: x[..., 0] ** 3 - 2 * x[..., 1] * x[..., 2] ** 2 + x[..., 0] * x[..., 1]
    eb, xib = interp.locate(b, p)
    idx, h = interp.interpolation_weights(b, eb, xib)
    np.testing.assert_allclose((h * f(b.global_coords)[idx]).sum(1), f(p), atol=1e-12)
    # gradient weights reproduce the gradient of that polynomial
    idx, g = interp.gradient_weights(b, eb, xib)
    grad = np.stack([3 * p[:, 0] ** 2 + p[:, 1], -2 * p[:, 2] ** 2 + p[:, 0], -4 * p[:, 1] * p[:, 2]], 1)
    np.testing.assert_allclose(np.einsum("mp,mpc->mc", f(b.global_coords)[idx], g), grad, atol=1e-10)


def test_point_outside_is_refused():
    m = sem.mesh.box((1.0, 1.0, 1.0), (2, 2, 2), order=3)
    with pytest.raises(ValueError, match=r"receiver 1 .* outside the mesh"):
        interp.locate(m, [[0.5, 0.5, 0.5], [0.5, 0.5, 1.01]], what="receiver")
