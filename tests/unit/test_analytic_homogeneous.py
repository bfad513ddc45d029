"""Checks of the closed-form homogeneous whole-space solutions in sem.analytic.homogeneous."""

import numpy as np
import pytest
from scipy.special import erf

from sem.analytic.homogeneous import (
    force_displacement,
    moment_tensor_displacement,
    moment_tensor_matrix,
    near_field_integral,
)

VP, VS, RHO = 6000.0, 3464.0, 2700.0
F0, T0 = 2.0, 0.6                      # Ricker dominant frequency [Hz] and delay [s]
A2 = (np.pi * F0) ** 2
TAU = 1.0 / (np.pi * F0)               # width of the erf moment ramp [s]


def ricker(t):
    u2 = A2 * (np.asarray(t) - T0) ** 2
    return (1.0 - 2.0 * u2) * np.exp(-u2)


def ramp(t):
    """Smooth normalised moment function M(t), 0 -> 1."""
    return 0.5 * (1.0 + erf((np.asarray(t) - T0) / TAU))


def ramp_rate(t):
    return np.exp(-(((np.asarray(t) - T0) / TAU) ** 2)) / (TAU * np.sqrt(np.pi))


def rel_err(a, b):
    return np.max(np.abs(a - b)) / np.max(np.abs(b))


def test_moment_tensor_matches_source_derivative_of_force_solution():
    """(a) u_n = M_pq dG_np/dxi_q against a centred FD in the source position of force_displacement.

    The FD is the fourth-order centred stencil with h = 1e-4 r: truncation ~ (omega h / vs)^4 and
    round-off ~ eps / 1e-4 are both ~1e-12 (measured 5e-12; the plain 2-point centred difference
    gives ~3e-8), so 1e-6 leaves a wide margin while any wrong sign or
    coefficient in one of the five terms of A&R eq. 4.29 gives an O(1) error (the receivers are
    close enough, 400 m - 3 km, for the near and intermediate terms to matter).
    """
    rng = np.random.default_rng(1234)
    m = rng.standard_normal(6) * 1e15
    mat = moment_tensor_matrix(m)
    source = np.array([120.0, -250.0, 310.0])
    directions = np.array([[1.0, 0.2, -0.3], [-0.4, 1.0, 0.7], [0.1, -0.5, -1.0]])
    distances = np.array([400.0, 1500.0, 3000.0])
    receivers = source + directions / np.linalg.norm(directions, axis=1)[:, None] * distances[:, None]
    times = np.arange(0.0, 2.5, 1e-3)

    for x, r in zip(receivers, distances):
        h = 1e-4 * r
        fd = np.zeros((3, times.size))
        for q in range(3):  # sum_p M_pq G_np is the field of the force M[:, q]
            def u(shift):
                return force_displacement(x[None], source + shift * h * np.eye(3)[q], mat[:, q],
                                          ramp, times, VP, VS, RHO)[0]
            fd += (8.0 * (u(1) - u(-1)) - (u(2) - u(-2))) / (12.0 * h)
        exact = moment_tensor_displacement(x[None], source, m, ramp, times, VP, VS, RHO,
                                           stf_derivative=ramp_rate)[0]
        assert rel_err(exact, fd) < 1e-6
        # default numerical derivative of the moment function (4th-order, step dt/100): ~1e-10
        numeric = moment_tensor_displacement(x[None], source, mat, ramp, times, VP, VS, RHO)[0]
        assert rel_err(numeric, exact) < 1e-8


def test_force_far_field_p_amplitude():
    """(b) P pulse of the force solution -> g_i g_j F_j f(t - r/vp) / (4 pi rho vp^2 r) at large r.

    Generic direction, r = 200 and 400 km, window +-0.6 s around the P arrival (S is > 20 s later).
    The only other contribution there is the near field, whose leading part is
    (3 g (g.F) - F) (r/vp) int f / (4 pi rho r^3): relative to the P pulse it is bounded by
    vp max|int f| max|3 g (g.F) - F| / (r max|f| max|g (g.F)|) ~ 1e-2 here, hence the tolerance
    1.2 x that bound. Doubling r must halve the relative deviation (1/r^3 vs 1/r decay, to 1%),
    which shows the far-field coefficient itself is exact.
    Second check, exact to round-off: along g = (1,1,1)/sqrt(3) with F along x, the x component
    has a vanishing near-field factor 3 g_x^2 - 1, leaving P (1/3) and S (2/3) terms only.
    """
    force = np.array([3e15, -1e15, 2e15])
    g = np.array([0.3, 0.8, -0.5]) / np.linalg.norm([0.3, 0.8, -0.5])
    gf = g * (g @ force)
    max_int_f = np.exp(-0.5) / np.sqrt(2 * A2)      # max |(t - T0) exp(-A2 (t - T0)^2)|
    errors = []
    for r, nquad in [(2.0e5, 1024), (4.0e5, 2048)]:  # [r/vp, r/vs] holds ~50 and ~100 periods
        times = r / VP + T0 + np.arange(-0.6, 0.6, 1e-3)
        u = force_displacement([r * g], [0.0, 0.0, 0.0], force, ricker, times, VP, VS, RHO,
                               nquad=nquad)[0]
        far = np.outer(gf, ricker(times - r / VP)) / (4 * np.pi * RHO * VP**2 * r)
        bound = VP * max_int_f * np.max(np.abs(3 * gf - force)) / (r * np.max(np.abs(gf)))
        errors.append(rel_err(u, far))
        assert errors[-1] < 1.2 * bound
    assert abs(errors[0] / errors[1] - 2.0) < 0.02

    g = np.ones(3) / np.sqrt(3.0)
    r = 2000.0
    times = np.arange(0.0, 2.0, 1e-3)
    ux = force_displacement([r * g], [0.0, 0.0, 0.0], [1e15, 0, 0], ricker, times, VP, VS, RHO)[0, 0]
    c = 1e15 / (4 * np.pi * RHO * r)
    ref = c * (ricker(times - r / VP) / (3 * VP**2) + 2 * ricker(times - r / VS) / (3 * VS**2))
    assert rel_err(ux, ref) < 1e-12  # identical formula up to round-off


def test_force_reciprocity():
    """(c) G_ij(x; y) = G_ji(y; x). Exact for the whole space (g -> -g, even in g), so the
    tolerance 1e-13 only allows for round-off; near-field is large at these 1-2 km offsets."""
    x = np.array([[800.0, -300.0, 1200.0], [-1500.0, 400.0, 100.0]])
    y = np.array([50.0, 60.0, -70.0])
    times = np.arange(0.0, 2.0, 1e-3)
    eye = np.eye(3)
    g_xy = np.stack([force_displacement(x, y, eye[j], ricker, times, VP, VS, RHO)
                     for j in range(3)], axis=2)              # (nrec, i, j, nt)
    for k, xk in enumerate(x):
        g_yx = np.stack([force_displacement(y[None], xk, eye[i], ricker, times, VP, VS, RHO)[0]
                         for i in range(3)], axis=1)          # (j, i, nt): u_j at y, force e_i at x
        assert rel_err(g_xy[k], g_yx) < 1e-13


def test_explosion_is_outward():
    """(d) M = M0 I with increasing M(t) pushes material outward.

    Only the P terms survive: u = M0 g [M(t-r/vp)/(4 pi rho vp^2 r^2) + M'(t-r/vp)/(4 pi rho vp^3 r)]
    (Sharpe's solution). Round-off-level tolerances (1e-12) because the other coefficients cancel
    exactly; the radial motion must be >= 0 at all times and the far-field peak positive.
    """
    m0 = 1e16
    g = np.array([[1.0, 0.0, 0.0], [-0.3, 0.4, -0.866], [0.5, -0.5, 0.7071]])
    g /= np.linalg.norm(g, axis=1)[:, None]
    r = np.array([300.0, 2000.0, 20000.0])
    times = np.arange(0.0, 5.0, 1e-3)
    u = moment_tensor_displacement(g * r[:, None], np.zeros(3), m0 * np.eye(3), ramp, times,
                                   VP, VS, RHO, stf_derivative=ramp_rate)
    for k in range(3):
        radial = g[k] @ u[k]
        tp = times - r[k] / VP
        sharpe = m0 / (4 * np.pi * RHO * VP**2) * (ramp(tp) / r[k]**2 + ramp_rate(tp) / (VP * r[k]))
        assert rel_err(radial, sharpe) < 1e-12
        assert np.max(np.abs(u[k] - np.outer(g[k], radial))) < 1e-12 * np.max(np.abs(radial))
        assert np.min(radial) > -1e-12 * np.max(radial)
    # far field (r = 20 km): the peak radial displacement is the outward P pulse M0 M'/(4 pi rho vp^3 r)
    radial = g[2] @ u[2]
    assert radial.max() > 0 and abs(times[radial.argmax()] - (r[2] / VP + T0)) < 0.01


def test_near_field_quadrature_accuracy():
    """Gauss-Legendre I(t) = int_a^b tau f(t - tau) dtau against the closed form for a Ricker,
    with (b - a) = 50 dominant periods and the default node count: documented accuracy 1e-10."""
    a = 10.0
    b = a + 50.0 / F0
    times = np.linspace(0.0, b + 3.0, 5001)
    prim1 = lambda s: (s - T0) * np.exp(-A2 * (s - T0) ** 2)                       # int f
    prim2 = lambda s: np.exp(-A2 * (s - T0) ** 2) * ((s - T0) ** 2 + 0.5 / A2)      # int (s-T0) f
    lo, hi = times - b, times - a
    exact = (times - T0) * (prim1(hi) - prim1(lo)) - (prim2(hi) - prim2(lo))
    assert rel_err(near_field_integral(ricker, times, a, b), exact) < 1e-10


def test_moment_tensor_input_forms():
    m6 = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    np.testing.assert_array_equal(moment_tensor_matrix(m6), [[1, 4, 5], [4, 2, 6], [5, 6, 3]])
    with pytest.raises(ValueError):
        moment_tensor_matrix(np.arange(9.0).reshape(3, 3))
    with pytest.raises(ValueError):
        force_displacement([[0.0, 0, 0]], [0.0, 0, 0], [1.0, 0, 0], ricker, [0.0], VP, VS, RHO)
