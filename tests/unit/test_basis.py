import numpy as np
import pytest

from sem import basis


@pytest.mark.parametrize("order", range(1, 11))
def test_gll_quadrature_exact_to_degree_2n_minus_1(order):
    x, w = basis.gll_points(order), basis.gll_weights(order)
    assert x[0] == -1.0 and x[-1] == 1.0 and np.all(np.diff(x) > 0)
    for deg in range(2 * order):               # GLL with N+1 points is exact to degree 2N-1
        exact = 0.0 if deg % 2 else 2.0 / (deg + 1)
        assert abs(np.sum(w * x**deg) - exact) < 1e-13
    # and not exact at degree 2N (it would be Gauss quadrature then)
    assert abs(np.sum(w * x ** (2 * order)) - 2.0 / (2 * order + 1)) > 1e-6


@pytest.mark.parametrize("order", range(1, 11))
def test_derivative_matrix_exact_for_polynomials(order):
    x, d = basis.gll_points(order), basis.derivative_matrix(order)
    for deg in range(order + 1):
        exact = deg * x ** max(deg - 1, 0) if deg else 0 * x
        np.testing.assert_allclose(d @ x**deg, exact, atol=2e-13 * max(1, order**2))
    np.testing.assert_allclose(d.sum(axis=1), 0.0, atol=1e-14)


def test_lagrange_cardinal_and_partition_of_unity():
    x = basis.gll_points(5)
    np.testing.assert_allclose(basis.lagrange(x, x), np.eye(6), atol=1e-14)
    pts = np.linspace(-1, 1, 17)
    np.testing.assert_allclose(basis.lagrange(x, pts).sum(-1), 1.0, atol=1e-13)
    np.testing.assert_allclose(basis.lagrange_derivative(x, pts).sum(-1), 0.0, atol=1e-11)
    # derivative of the interpolant of x^3 is 3 x^2 anywhere
    np.testing.assert_allclose(basis.lagrange_derivative(x, pts) @ x**3, 3 * pts**2, atol=1e-12)


@pytest.mark.parametrize("bad", [0, 11, 2.5, -1])
def test_bad_order(bad):
    with pytest.raises(ValueError, match="order"):
        basis.gll_points(bad)
