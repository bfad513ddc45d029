"""Convergence of the spatial operator: (K u)_i / M_i -> -div sigma(u) at the mesh points.

For a smooth displacement u in a homogeneous isotropic solid the exact body force that balances it
is f = -[(lambda + mu) grad(div u) + mu lap(u)]. The assembled SEM operator divided by the lumped
mass approximates f at every interior point, with an error dominated by the jumps of the stress of
the interpolant across element faces: O(h^(N-1)) in the element size h and exponentially small in
the order N for an analytic u (Canuto et al. 2006, ch. 5). A wrong derivative matrix, Jacobian,
quadrature weight or assembly breaks these rates.
"""

import numpy as np
import pytest

import sem
from helpers import wavy
from sem.operators.reference import ReferenceOperator

LAM, MU = 2.0, 1.0
A = np.array([1.7, -0.9, 1.1])
B = np.array([0.6, 1.9, -0.8])
C = np.array([-1.2, 0.5, 1.6])


def field(x):
    return np.stack([np.sin(x @ A), np.cos(x @ B), np.sin(x @ C)])


def body_force(x):
    sa, cb, sc = np.sin(x @ A), np.cos(x @ B), np.sin(x @ C)
    lap = np.stack([-A @ A * sa, -B @ B * cb, -C @ C * sc])
    grad_div = -(A[0] * sa)[None] * A[:, None] - (B[1] * cb)[None] * B[:, None] - (C[2] * sc)[None] * C[:, None]
    return -((LAM + MU) * grad_div + MU * lap)


def consistency_error(order, nelem, deform=None):
    mesh = sem.mesh.box((1.0, 1.0, 1.0), (nelem,) * 3, order=order, deform=deform)
    model = sem.Model.isotropic(mesh, vp=np.sqrt(LAM + 2 * MU), vs=1.0, rho=1.0)
    op = ReferenceOperator.build(mesh, model.law)
    x = mesh.global_coords
    mass = mesh.assemble(mesh.quadrature_weights)
    approx = op.internal_forces(field(x)) / mass
    exact = body_force(x)
    interior = np.ones(mesh.nglob, dtype=bool)
    for side in ("xmin", "xmax", "ymin", "ymax", "zmin", "zmax"):
        interior[mesh.face_geometry(mesh.side_set(side))[0].ravel()] = False
    return np.abs(approx - exact)[:, interior].max() / np.abs(exact).max()


@pytest.mark.parametrize("deform", [None, wavy], ids=["straight", "curved"])
def test_exponential_convergence_in_order(deform):
    orders = [2, 3, 4, 5, 6, 7, 8]
    err = np.array([consistency_error(n, 2, deform) for n in orders])
    print("order, relative max error:", list(zip(orders, err.round(12))))
    # each order must reduce the error, and the reduction factor per order must not shrink
    # (geometric or faster decay); overall at least 5 decades from order 2 to 8.
    assert np.all(np.diff(np.log(err)) < -1.0)
    assert err[-1] < 1e-5 * err[0]


@pytest.mark.parametrize("order", [2, 3, 4])
def test_algebraic_convergence_in_element_size(order):
    sizes = [2, 4, 8]
    err = np.array([consistency_error(order, n) for n in sizes])
    rates = np.log(err[:-1] / err[1:]) / np.log(2.0)
    print(f"order {order}: errors {err}, rates {rates}")
    # expected at least O(h^(N-1)) (measured: 1.7, 3.0, 3.8 for N = 2, 3, 4); allow 0.3 below N-1
    assert np.all(rates > order - 1 - 0.3)
