"""Source time functions (sem.stf) against their closed forms, written out independently here with the
standard library's math module.

- Ricker(f0, delay): r(t) = (1 - 2 a) exp(-a), a = (pi f0 (t - delay))^2, peak 1 at t = delay (the
  textbook form, which is also what sem's docstring states).
- Gaussian(half_duration, time_shift): the normalised moment function
  M(t) = (1 + erf(alpha (t - time_shift))) / 2, alpha = 1.628 / half_duration (SPECFEM3D_GLOBE's
  reading of a CMTSOLUTION half duration); its derivative, the moment rate, is
  alpha / sqrt(pi) exp(-alpha^2 (t - time_shift)^2).
- SmoothedHeaviside(rise_time, delay): 0.5 (1 - cos(pi s)), s = (t - delay) / rise_time clipped to [0, 1].
- Sampled(times, values): linear interpolation, held constant outside the samples.

start_time (docs/conventions.md, sem/stf.py): the earliest time at which the function differs from zero
by more than about 1e-6 of its peak; Ricker delay - 1.2/f0, Gaussian time_shift - 2 half_duration,
SmoothedHeaviside its delay, Sampled its first sample.
"""

import math

import numpy as np
import pytest

from sem.stf import Gaussian, Ricker, Sampled, SmoothedHeaviside


def ricker_ref(t, f0, delay):
    a = (math.pi * f0 * (t - delay)) ** 2
    return (1.0 - 2.0 * a) * math.exp(-a)


def gaussian_ref(t, hd, ts):
    return 0.5 * (1.0 + math.erf(1.628 / hd * (t - ts)))


def gaussian_rate_ref(t, hd, ts):
    alpha = 1.628 / hd
    return alpha / math.sqrt(math.pi) * math.exp(-(alpha * (t - ts)) ** 2)


# --- Ricker ---------------------------------------------------------------------------------------

F0, DELAY = 2.5, 0.9


def test_ricker_closed_form_values():
    """Peak 1 at t = delay, zeros at t - delay = +-1/(pi f0 sqrt 2), minima -2 exp(-3/2) at
    t - delay = +-sqrt(3/2)/(pi f0), tail values at +-1/f0 and +-2/f0, all against the closed form.
    Measured max relative difference 0 to 2e-16 (same formula, other operation order); tolerance
    1e-12 relative (zeros: measured 2.7e-16, tolerance 1e-12 absolute, the peak being 1)."""
    r = Ricker(F0, DELAY)
    assert r(DELAY) == pytest.approx(1.0, rel=1e-12)
    tz = 1.0 / (math.pi * F0 * math.sqrt(2.0))
    assert np.all(np.abs(r(np.array([DELAY - tz, DELAY + tz]))) < 1e-12)
    tm = math.sqrt(1.5) / (math.pi * F0)
    np.testing.assert_allclose(r(np.array([DELAY - tm, DELAY + tm])), -2.0 * math.exp(-1.5), rtol=1e-12)
    ts = DELAY + np.array([-2.0, -1.0, -0.3, 0.05, 0.2, 1.0, 2.0]) / F0
    np.testing.assert_allclose(r(ts), [ricker_ref(t, F0, DELAY) for t in ts], rtol=1e-12)
    # the closed form is not flat: the sign changes across each zero, the tails are small
    assert r(DELAY - 1.1 * tz) < 0 < r(DELAY - 0.9 * tz)
    assert abs(r(DELAY + 2.0 / F0)) < 1e-14          # closed form: -78 exp(-4 pi^2) = -5.4e-16


def test_ricker_start_time():
    """start_time = delay - 1.2/f0 (default delay 1.2/f0 gives 0). At start_time the closed form is
    (1 - 2 (1.2 pi)^2) exp(-(1.2 pi)^2) = -1.84e-5 of the peak (measured the same from sem): that is
    above the "~1e-6" the docstring quotes, so the bound asserted is the measured 1.84e-5 with a 10 %
    margin (2.0e-5). Before start_time the wavelet is smaller still (|r| < 2e-5 for all earlier t), and
    0.1/f0 after it the value is 1.49e-4 of the peak (asserted > 1e-4): the start is not too early."""
    r = Ricker(F0, DELAY)
    assert r.start_time == pytest.approx(DELAY - 1.2 / F0, rel=1e-14)
    assert Ricker(F0).start_time == pytest.approx(0.0, abs=1e-15) and Ricker(F0).delay == pytest.approx(1.2 / F0)
    v0 = r(r.start_time)
    assert v0 == pytest.approx(ricker_ref(r.start_time, F0, DELAY), rel=1e-12)
    assert abs(v0) < 2.0e-5
    earlier = r(r.start_time - np.linspace(0.0, 3.0 / F0, 301))
    assert np.max(np.abs(earlier)) < 2.0e-5
    assert abs(r(r.start_time + 0.1 / F0)) > 1e-4


# --- Gaussian moment function ---------------------------------------------------------------------

HD, TSHIFT = 4.0, 10.0


def test_gaussian_moment_function_closed_form():
    """M(t) against (1 + erf(1.628 (t - t_s) / hd)) / 2 at the centroid (0.5), at +-hd (0.5 (1 +- erf
    1.628) = 0.9896 / 0.0104) and in the tails; M rises monotonically from 0 to 1. Measured max
    relative difference 0 (scipy's erf vs math.erf); tolerance 1e-12."""
    g = Gaussian(HD, TSHIFT)
    assert g(TSHIFT) == pytest.approx(0.5, rel=1e-12)
    ts = TSHIFT + HD * np.array([-2.0, -1.0, -0.5, -0.1, 0.1, 0.5, 1.0, 2.0, 3.0])
    np.testing.assert_allclose(g(ts), [gaussian_ref(t, HD, TSHIFT) for t in ts], rtol=1e-12)
    assert g(TSHIFT + HD) == pytest.approx(0.5 * (1.0 + math.erf(1.628)), rel=1e-12)
    t = np.linspace(TSHIFT - 5 * HD, TSHIFT + 5 * HD, 2001)
    m = g(t)
    assert np.all(np.diff(m) >= 0) and m[0] < 1e-12 and m[-1] > 1.0 - 1e-12


def test_gaussian_moment_rate_peak_and_width():
    """The moment rate dM/dt (central differences of sem's M, step 1e-4 hd: truncation ~1e-9
    relative) against alpha/sqrt(pi) exp(-alpha^2 (t - t_s)^2), alpha = 1.628/hd: the peak
    alpha/sqrt(pi) at the centroid, the 1/e point at t_s +- hd/1.628, and the rate at +-hd
    (exp(-1.628^2) = 0.0707 of the peak). Measured max relative difference 3.8e-8 (the O(h^2)
    truncation of the central difference, largest at +-hd; 8.8e-9 at the peak and the 1/e points);
    tolerance 1e-7 (a 2.6x margin). The maximum of the rate over a grid of step 4e-3 s that contains
    the centroid is at the centroid (asserted to 1e-9 s)."""
    g = Gaussian(HD, TSHIFT)
    h = 1e-4 * HD

    def rate(t):
        return (g(t + h) - g(t - h)) / (2.0 * h)

    alpha = 1.628 / HD
    peak = alpha / math.sqrt(math.pi)
    assert rate(TSHIFT) == pytest.approx(peak, rel=1e-7)
    for dt in (-1.0 / alpha, 1.0 / alpha, -HD, HD, 0.3 * HD):
        assert rate(TSHIFT + dt) == pytest.approx(gaussian_rate_ref(TSHIFT + dt, HD, TSHIFT), rel=1e-7)
    assert rate(TSHIFT + 1.0 / alpha) == pytest.approx(peak / math.e, rel=1e-7)
    t = np.linspace(TSHIFT - 2 * HD, TSHIFT + 2 * HD, 4001)
    rt = rate(t)
    assert t[np.argmax(rt)] == pytest.approx(TSHIFT, abs=1e-9)


def test_gaussian_start_time_and_step():
    """start_time = t_s - 2 hd. There M = 0.5 erfc(3.256) = 2.2e-6 (closed form, measured the same)
    and the moment rate is exp(-3.256^2) = 2.5e-5 of its peak: asserted M < 3e-6 (the documented
    "about 1e-6"; measured 2.07e-6, plus a 45 % margin) and rate/peak < 3e-5 (measured 2.49e-5 plus
    20 %). Half a half-duration later M is 2.8e-4 (asserted > 1e-4). half_duration 0 is a step at
    t_s (1 from t_s on)."""
    g = Gaussian(HD, TSHIFT)
    assert g.start_time == pytest.approx(TSHIFT - 2.0 * HD, rel=1e-14)
    m0 = g(g.start_time)
    assert m0 == pytest.approx(0.5 * math.erfc(3.256), rel=1e-9)
    assert m0 < 3e-6
    assert gaussian_rate_ref(g.start_time, HD, TSHIFT) / gaussian_rate_ref(TSHIFT, HD, TSHIFT) < 3e-5
    assert g(g.start_time + 0.5 * HD) > 1e-4
    step = Gaussian(0.0, 2.0)
    assert step.start_time == 2.0
    np.testing.assert_array_equal(step(np.array([1.0, 1.999, 2.0, 3.0])), [0.0, 0.0, 1.0, 1.0])


# --- Smoothed Heaviside --------------------------------------------------------------------------------

RISE, HDELAY = 0.8, 1.5


def test_smoothed_heaviside_closed_form_and_start():
    """0.5 (1 - cos(pi s)), s = (t - delay)/rise clipped to [0, 1]: 0 up to the delay, 0.5 at mid-rise,
    1 from delay + rise on; its derivative (central differences, step 1e-6 rise) peaks at mid-rise at
    pi / (2 rise). start_time = delay, where the value is exactly 0; 0.01 rise later it is
    0.5 (1 - cos(0.01 pi)) = 2.47e-4 (asserted > 1e-4). Values: tolerance 1e-12 relative (measured
    0 to 2e-16); derivative: tolerance 1e-8 relative (measured 4.9e-11, round-off over the step)."""
    s = SmoothedHeaviside(RISE, HDELAY)
    assert s.start_time == HDELAY
    np.testing.assert_array_equal(s(np.array([HDELAY - 10.0, HDELAY - 1e-9, HDELAY])), 0.0)
    np.testing.assert_array_equal(s(np.array([HDELAY + RISE, HDELAY + RISE + 5.0])), 1.0)
    assert s(HDELAY + 0.5 * RISE) == pytest.approx(0.5, rel=1e-12)
    for frac in (0.01, 0.1, 0.25, 0.7, 0.99):
        assert s(HDELAY + frac * RISE) == pytest.approx(0.5 * (1.0 - math.cos(math.pi * frac)), rel=1e-12)
    assert s(HDELAY + 0.01 * RISE) > 1e-4
    h = 1e-6 * RISE
    mid = HDELAY + 0.5 * RISE
    assert (s(mid + h) - s(mid - h)) / (2 * h) == pytest.approx(math.pi / (2 * RISE), rel=1e-8)


# --- Sampled ----------------------------------------------------------------------------------------

def test_sampled_is_exact_at_samples_and_linear_between():
    """At the samples the values come back exactly (bit for bit); between two samples the value is the
    linear interpolant (checked at 1/4, 1/2, 3/4 of every interval, tolerance 1e-12 relative, measured
    ~1e-16); before the first sample values[0], after the last values[-1]; start_time = times[0]."""
    rng = np.random.default_rng(3)
    times = np.cumsum(rng.uniform(0.05, 0.5, 12)) - 1.0
    values = rng.standard_normal(12)
    f = Sampled(times, values)
    assert f.start_time == times[0]
    np.testing.assert_array_equal(f(times), values)
    for q in (0.25, 0.5, 0.75):
        tq = times[:-1] + q * np.diff(times)
        np.testing.assert_allclose(f(tq), values[:-1] + q * np.diff(values), rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(f(np.array([times[0] - 3.0, times[0] - 1e-6])), values[0])
    np.testing.assert_array_equal(f(np.array([times[-1] + 1e-6, times[-1] + 9.0])), values[-1])
    with pytest.raises(ValueError):
        Sampled([0.0, 1.0, 1.0], [0.0, 1.0, 2.0])
