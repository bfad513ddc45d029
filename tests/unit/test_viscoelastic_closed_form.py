"""Checks of the constant-Q whole-space reference sem.analytic.viscoelastic.

(a) Q = inf reproduces the elastic closed forms of sem.analytic.homogeneous (A&R 4.23 / 4.29);
(b) the Kjartansson (1979) modulus has constant Q and the power-law phase velocity;
(c) the bulk scale gives the P phase velocity vp at the reference frequency;
(d) physics: S spectral ratio slope -pi t*, causality and pulse broadening;
(e) printed: how much Q_mu = 30 changes velocity seismograms at 2-3 km.
"""

import numpy as np
import pytest

from sem.analytic import homogeneous
from sem.analytic.viscoelastic import (
    force_displacement,
    force_transfer,
    kjartansson_modulus,
    moduli_from_velocities,
    moment_tensor_displacement,
    phase_velocity,
    quality_factor,
)
from sem.stf import Gaussian

VP, VS, RHO = 3000.0, 1732.0, 2500.0
HD, SHIFT = 0.05, 0.3                     # Gaussian moment function: half duration, centre [s]
ALPHA = 1.628 / HD                        # sem.stf.Gaussian's erf rate [1/s]
STF = Gaussian(HD, SHIFT)
SOURCE = np.array([10.0, 20.0, -30.0])
DIRECTIONS = np.array([[1.0, 0.2, -0.3], [-0.4, 1.0, 0.7], [0.1, -0.5, -1.0]])
DISTANCES = np.array([150.0, 1000.0, 3000.0])  # near field dominant .. far field dominant
RECEIVERS = SOURCE + DIRECTIONS / np.linalg.norm(DIRECTIONS, axis=1)[:, None] * DISTANCES[:, None]
MOMENT = np.array([1.0, -0.6, -0.4, 0.3, -0.2, 0.5]) * 1e15
FORCE = np.array([1.0, -2.0, 0.5]) * 1e15
TIMES = np.arange(0.0, 2.5, 1e-3)


def rate(t):
    """d/dt of STF (the moment rate) [1/s]."""
    return ALPHA / np.sqrt(np.pi) * np.exp(-(ALPHA * (np.asarray(t) - SHIFT)) ** 2)


def rate_derivative(t):
    return -2.0 * ALPHA**2 * (np.asarray(t) - SHIFT) * rate(t)


def rel_l2(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


def elastic(kind, stf, times, stf_derivative=None):
    if kind == "moment":
        return homogeneous.moment_tensor_displacement(RECEIVERS, SOURCE, MOMENT, stf, times, VP, VS,
                                                      RHO, stf_derivative)
    return homogeneous.force_displacement(RECEIVERS, SOURCE, FORCE, stf, times, VP, VS, RHO)


def visco(kind, times, *args, **kwargs):
    solver, strength = ((moment_tensor_displacement, MOMENT) if kind == "moment"
                        else (force_displacement, FORCE))
    return solver(RECEIVERS, SOURCE, strength, STF, times, VP, VS, RHO, *args, **kwargs)


@pytest.mark.parametrize("kind", ["moment", "force"])
def test_infinite_q_is_the_elastic_closed_form(kind):
    """(a) Q = inf against A&R 4.29 / 4.23 at 150 m, 1 km and 3 km, each receiver separately.

    Measured relative L2 errors: displacement 3e-13 - 8e-12, velocity 2e-12 - 1.4e-11, off-grid
    times 3e-15 - 2e-13 (round-off amplified by the undone damping, <= 56x, and the reference's
    Gauss-Legendre near-field quadrature). The tolerance 1e-9 leaves a ~70x margin while a wrong
    term, sign or a 1e-8 slowness error would fail. Velocity output is checked against the elastic solution
    for the moment rate (same linear time-invariant system), off-grid times against the
    band-limited interpolant (same 1e-8), and Q = None is Q = inf.
    """
    u = visco(kind, TIMES)
    ref = elastic(kind, STF, TIMES, rate)
    v = visco(kind, TIMES, None, None, output="velocity")
    v_ref = elastic(kind, rate, TIMES, rate_derivative)
    off_grid = np.sort(np.random.default_rng(7).uniform(0.0, 2.5, 200))
    u_off = visco(kind, off_grid, dt=1e-3)
    ref_off = elastic(kind, STF, off_grid, rate)
    assert u.shape == (3, 3, TIMES.size) and u_off.shape == (3, 3, off_grid.size)
    for name, x, y in [("displacement", u, ref), ("velocity", v, v_ref), ("off-grid", u_off, ref_off)]:
        errors = [rel_l2(x[k], y[k]) for k in range(len(DISTANCES))]
        print(f"{kind} {name}: relative L2 errors at {DISTANCES} m: {['%.1e' % e for e in errors]}")
        assert max(errors) < 1e-9
    assert np.array_equal(visco(kind, TIMES, None, None), u)


@pytest.mark.parametrize("kind", ["moment", "force"])
def test_finite_q_inversion_is_converged(kind):
    """With Q_mu = 30, Q_kappa = 50 (no closed form in time), halving dt, doubling pad and
    changing alias from 1e-14 to 1e-12 changes the displacement by < 1e-9 relative (measured
    3e-13 - 4e-12), and velocity output is d/dt of the displacement: against the second-order
    central difference at dt = 1 ms to 2e-3 (measured 1e-4 - 5e-4, the O((omega dt)^2 / 6)
    truncation of the difference at the ~20 Hz content of this source)."""
    u = visco(kind, TIMES, 30.0, 50.0)
    fine = visco(kind, TIMES, 30.0, 50.0, dt=5e-4, pad=16, alias=1e-12)
    v = visco(kind, TIMES, 30.0, 50.0, output="velocity")
    fd = np.gradient(u, TIMES, axis=-1, edge_order=2)
    for k in range(len(DISTANCES)):
        assert rel_l2(fine[k], u[k]) < 1e-9
        assert rel_l2(fd[k], v[k]) < 2e-3


@pytest.mark.parametrize("q, f_ref", [(10.0, 1.0), (30.0, 1.0), (312.0, 7.3)])
def test_kjartansson_modulus(q, f_ref):
    """(b) phase velocity at f_ref, constant Q and c(f) = c_ref (f / f_ref)^gamma, all exact up to
    round-off (1e-12 relative; each is a closed-form identity of the model)."""
    c_ref = 1732.0
    f = np.array([0.01, 0.3, 1.0, f_ref, 5.0, 40.0, 1000.0])
    m = kjartansson_modulus(2 * np.pi * f, c_ref, RHO, q, reference_frequency=f_ref)
    gamma = np.arctan(1.0 / q) / np.pi
    assert phase_velocity(m[3], RHO) == pytest.approx(c_ref, rel=1e-12)
    np.testing.assert_allclose(quality_factor(m), q, rtol=1e-12)
    np.testing.assert_allclose(phase_velocity(m, RHO), c_ref * (f / f_ref) ** gamma, rtol=1e-12)
    assert np.all(m.imag > 0)  # e^{+i omega t}: Im M > 0 and Im k < 0 for omega > 0
    np.testing.assert_allclose(kjartansson_modulus(-2 * np.pi * f, c_ref, RHO, q, f_ref), np.conj(m),
                               rtol=1e-14)
    for no_q in (np.inf, None):
        elastic_m = kjartansson_modulus(2 * np.pi * f, c_ref, RHO, no_q)
        assert np.all(elastic_m == RHO * c_ref**2)
    with pytest.raises(ValueError):
        kjartansson_modulus(1.0, c_ref, RHO, -5.0)


@pytest.mark.parametrize("qmu, qkappa", [(30.0, np.inf), (30.0, 50.0), (np.inf, np.inf), (np.inf, 40.0)])
def test_moduli_from_velocities(qmu, qkappa):
    """(c) P phase velocity from kappa + 4/3 mu equals vp at f_ref (1e-10; the root find is at
    machine precision, measured ~1e-16), S equals vs, kappa has Q_kappa (1e-12), and the elastic
    limit is rho (vp^2 - 4/3 vs^2) exactly."""
    f_ref = 2.5
    w = 2 * np.pi * np.array([0.1, f_ref, 30.0])
    kappa, mu = moduli_from_velocities(w, VP, VS, RHO, qmu, qkappa, f_ref)
    assert phase_velocity(kappa[1] + 4.0 / 3.0 * mu[1], RHO) == pytest.approx(VP, rel=1e-10)
    assert phase_velocity(mu[1], RHO) == pytest.approx(VS, rel=1e-12)
    if np.isinf(qkappa):
        assert np.all(kappa.imag == 0)
    else:
        np.testing.assert_allclose(quality_factor(kappa), qkappa, rtol=1e-12)
    if np.isinf(qmu) and np.isinf(qkappa):
        assert np.all(kappa == RHO * (VP**2 - 4.0 / 3.0 * VS**2))


def s_spectral_slope(attenuated, reference, times, window, band):
    """Slope d ln|A/E| / df [s] of the Hann-windowed spectra over band [Hz]."""
    sel = (times > window[0]) & (times < window[1])
    taper = np.hanning(sel.sum())
    nfft = 8192
    freq = np.fft.rfftfreq(nfft, times[1] - times[0])
    keep = (freq > band[0]) & (freq < band[1])
    ratio = (np.abs(np.fft.rfft(attenuated[sel] * taper, nfft))
             / np.abs(np.fft.rfft(reference[sel] * taper, nfft)))
    return np.polyfit(freq[keep], np.log(ratio[keep]), 1)[0]


def test_attenuation_physics():
    """(d) Q_mu = 30, Q_kappa = inf, 3 km transverse to a force (no far-field P on that component).

    * spectral ratio: the log ratio of the attenuated to the elastic S (window S +- 0.3/0.5 s, Hann)
      has slope -pi t* over 2-25 Hz, t* = r / (vs Q), to 5 %. Measured +2.0 % with the 1-Hz
      reference frequency: the exact decay is exp(-omega r tan(pi gamma / 2) / c(omega)) with
      c(omega) > vs above 1 Hz and tan(pi gamma/2) = (1 - 1e-4) / (2Q), plus the slowness^2
      amplitude factor. The transfer function itself (same receiver, 2-25 Hz, no window) gives
      the same slope to 5 % (measured -2.5 %: c(omega) ~ 1.025 vs at 10 Hz lowers the decay).
    * causality: before the elastic P onset (source onset + r / vp) minus 0.05 s the displacement
      is < 1e-3 of its peak (measured ~1e-12; a flipped sign convention makes it grow instead).
    * broadening: the attenuated S velocity pulse is lower and longer (RMS duration) than elastic.
    """
    qmu, r, dt = 30.0, 3000.0, 5e-4
    stf = Gaussian(0.02, 0.1)
    times = np.arange(0.0, 3.0, dt)
    tstar = r / (VS * qmu)
    args = ([[0.0, r, 0.0]], np.zeros(3), [1e15, 0.0, 0.0], stf, times, VP, VS, RHO)
    e = force_displacement(*args, output="velocity")[0, 0]
    a = force_displacement(*args, qmu, np.inf, 1.0, output="velocity")[0, 0]
    t_s = r / VS + 0.1
    slope = s_spectral_slope(a, e, times, (t_s - 0.3, t_s + 0.5), (2.0, 25.0))
    print(f"S spectral-ratio slope {slope:.5f} s vs -pi t* {-np.pi * tstar:.5f} s")
    assert slope / (-np.pi * tstar) == pytest.approx(1.0, abs=0.05)

    f = np.linspace(2.0, 25.0, 50)
    h = [force_transfer([[0.0, r, 0.0]], np.zeros(3), [1.0, 0.0, 0.0], 2 * np.pi * f, VP, VS, RHO,
                        q, np.inf, 1.0)[0, 0] for q in (qmu, np.inf)]
    tf_slope = np.polyfit(f, np.log(np.abs(h[0] / h[1])), 1)[0]
    print(f"transfer-function slope / (-pi t*) = {tf_slope / (-np.pi * tstar):.4f}")
    assert tf_slope / (-np.pi * tstar) == pytest.approx(1.0, abs=0.05)

    for kind in ("force", "moment"):
        u = (force_displacement if kind == "force" else moment_tensor_displacement)(
            RECEIVERS, SOURCE, FORCE if kind == "force" else MOMENT, STF, TIMES, VP, VS, RHO,
            qmu, 50.0)
        for k, dist in enumerate(DISTANCES):
            before = TIMES < SHIFT - 2 * HD + dist / VP - 0.05
            assert np.abs(u[k][:, before]).max() < 1e-3 * np.abs(u[k]).max()

    s_win = (times > t_s - 0.3) & (times < t_s + 0.5)

    def rms_duration(x):
        w = x[s_win] ** 2 / np.sum(x[s_win] ** 2)
        centre = np.sum(w * times[s_win])
        return np.sqrt(np.sum(w * (times[s_win] - centre) ** 2))
    assert np.abs(a[s_win]).max() < np.abs(e[s_win]).max()
    assert rms_duration(a) > 1.2 * rms_duration(e)


def test_q30_velocity_difference_at_regional_offsets():
    """(e) Relative L2 difference of Q_mu = 30 and elastic velocity seismograms (moment tensor,
    receivers at 2 and 3 km, Gaussian moment function whose far-field velocity spectrum peaks at
    f_dom = 1.628 / (pi half_duration)), for velocities given at 1 Hz and at f_dom. Printed for
    the record; asserted only to be between 0 and 1.5 and to grow with frequency."""
    receivers = DIRECTIONS[:2] / np.linalg.norm(DIRECTIONS[:2], axis=1)[:, None] * [[2000.0], [3000.0]]
    rows = []
    for f_dom in (1.0, 2.0, 5.0, 7.5, 10.0):
        hd = 1.628 / (np.pi * f_dom)
        stf = Gaussian(hd, 3.0 * hd)
        times = np.arange(0.0, 3000.0 / VS + 6.0 * hd + 0.5, 1e-3)  # the whole S pulse at 3 km
        base = (receivers, np.zeros(3), MOMENT, stf, times, VP, VS, RHO)
        e = moment_tensor_displacement(*base, output="velocity")
        for f_ref in sorted({1.0, f_dom}):
            a = moment_tensor_displacement(*base, 30.0, np.inf, f_ref, output="velocity")
            rows.append((f_dom, f_ref, [rel_l2(a[k], e[k]) for k in range(2)]))
    for f_dom, f_ref, d in rows:
        print(f"f_dom {f_dom:4.1f} Hz, f_ref {f_ref:4.1f} Hz: relative L2 difference "
              f"{d[0]:.3f} at 2 km, {d[1]:.3f} at 3 km")
    diffs = np.array([d for _, f_ref, d in rows if f_ref == 1.0])
    assert np.all((diffs > 0) & (diffs < 1.5)) and np.all(np.diff(diffs[:, 1]) > 0)


def test_bad_arguments():
    with pytest.raises(ValueError):
        visco("force", TIMES, output="acceleration")
    with pytest.raises(ValueError):
        visco("force", TIMES[::-1])
    with pytest.raises(ValueError):  # no positive bulk modulus: vp too close to vs
        moduli_from_velocities(1.0, 1.1 * VS, VS, RHO, 30.0, np.inf)
