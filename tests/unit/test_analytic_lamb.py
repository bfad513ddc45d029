"""Checks of the Lamb's-problem reference solution in sem.analytic.lamb.

The module evaluates the exact (Cagniard-Pekeris) integral representation. It is checked here
against methods that share none of its numerics:

(a) a frequency-wavenumber integration written in this file: the half-space surface response
    to a vertical point load in the (k, s) domain (potentials + free-surface conditions, Rayleigh
    denominator D = (2k^2 + s^2/vs^2)^2 - 4 k^2 nu_p nu_s), Hankel-transformed numerically on the
    real k axis at complex frequency s = eps + i omega (the damping keeps the Rayleigh pole off the
    axis) and inverted by FFT, the large-k (Boussinesq) asymptote being subtracted and added back
    in closed form;
(a') Pekeris' (1955) closed-form step response for a Poisson solid (vertical component);
(b) the Rayleigh-wave arrival time r/c_R, with c_R from the Rayleigh cubic;
(c) the static (Boussinesq) limit for a smoothed step force.
"""

import numpy as np
import pytest
from scipy.signal import hilbert
from scipy.special import erf, j0, j1

from sem.analytic.lamb import lamb_surface_displacement, rayleigh_velocity

VS, RHO, FORCE = 1000.0, 2000.0, 1.0e10       # m/s, kg/m^3, N (force positive up)
F0 = 1.0                                        # Ricker dominant frequency [Hz]
T0 = 1.5 / F0                                   # Ricker delay: stf(0) ~ 1e-9 of its peak
MU = RHO * VS**2


def vp_from_nu(nu):
    return VS * np.sqrt((2.0 - 2.0 * nu) / (1.0 - 2.0 * nu))


def ricker(t):
    a = (np.pi * F0 * (np.asarray(t) - T0)) ** 2
    return (1.0 - 2.0 * a) * np.exp(-a)


def rel_l2(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


# --------------------------------------------------------------------------------------------
# independent reference 1: frequency-wavenumber integration
# --------------------------------------------------------------------------------------------
def fk_surface_displacement(r, dt, nt, vp, vs, rho, force, stf, pad=2, eps_factor=6.0,
                            kmax_factor=8.0, spec_tol=1e-9):
    """Surface (uz up, ur outward) response to an upward point force, by k-omega integration.

    Laplace domain (s = eps + i omega, z down, load T_z = -force on z = 0): potentials
    phi = A exp(-nu_p z), psi = B exp(-nu_s z), sigma_xz = 0 and sigma_zz = -T_z at z = 0 give
    the surface displacements of one e^{i k x} component (per unit load, positive along it)
        u_z = nu_p (s/vs)^2 / (mu D),   u_x = -i k (c - 2 nu_p nu_s) / (mu D),
    c = 2k^2 + s^2/vs^2. For the upward point force (both signs flip) the Hankel transforms are
        u_z(r) = F/(2 pi) int u_z J0(kr) k dk,
        u_r(r) = -F/(2 pi mu) int (c - 2 nu_p nu_s) k^2 / D J1(kr) dk
    (u_r is the r-derivative of the J0 transform of the horizontal potential u_x / (i k)).
    The large-k limits (1 - nu)/(mu k) and -(1 - 2nu)/(2 mu k^2) (the Boussinesq solution) are
    subtracted and their exact transforms F(1-nu)/(2 pi mu r), F(1-2nu)/(4 pi mu r) added back.
    """
    mu = rho * vs**2
    nu = (vp**2 - 2.0 * vs**2) / (2.0 * (vp**2 - vs**2))
    n = int(pad * nt)
    n += n % 2
    period = n * dt
    eps = eps_factor / period                # wrap-around damped by exp(-eps_factor)
    t = np.arange(n) * dt
    spec = np.fft.rfft(stf(t) * np.exp(-eps * t)) * dt           # Laplace transform of stf
    omega = 2.0 * np.pi * np.arange(spec.size) / period
    m_hi = np.nonzero(np.abs(spec) > spec_tol * np.abs(spec).max())[0].max() + 1
    s = eps + 1j * omega[:m_hi]
    # k quadrature: Gauss panels narrower than the width eps/c of the damped Rayleigh peak
    kmax = kmax_factor * omega[m_hi - 1] / (0.87 * vs) + 50.0 / r
    npan = int(np.ceil(kmax / (0.5 * eps / vs)))
    xg, wg = np.polynomial.legendre.leggauss(8)
    edges = np.linspace(0.0, kmax, npan + 1)
    half = 0.5 * np.diff(edges)[:, None]
    k = (edges[:-1, None] + half * (xg + 1.0)).ravel()
    wk = (half * wg).ravel()
    bz, br = wk * j0(k * r), wk * j1(k * r)
    k2 = k * k
    kz = np.empty(m_hi, complex)
    kr = np.empty(m_hi, complex)
    for i, si in enumerate(s):
        nup = np.sqrt(k2 + (si / vp) ** 2)
        nus = np.sqrt(k2 + (si / vs) ** 2)
        c = 2.0 * k2 + (si / vs) ** 2
        d = c * c - 4.0 * k2 * nup * nus
        gz = nup * (si / vs) ** 2 / (mu * d) * k - (1.0 - nu) / mu
        gr = (c - 2.0 * nup * nus) * k2 / d + (1.0 - 2.0 * nu) / 2.0
        kz[i] = force / (2 * np.pi) * (gz @ bz) + force * (1 - nu) / (2 * np.pi * mu * r)
        kr[i] = -force / (2 * np.pi * mu) * (gr @ br) + force * (1 - 2 * nu) / (4 * np.pi * mu * r)
    uz_s = np.zeros(spec.size, complex)
    ur_s = np.zeros(spec.size, complex)
    uz_s[:m_hi] = kz * spec[:m_hi]
    ur_s[:m_hi] = kr * spec[:m_hi]
    grow = np.exp(eps * t) / dt
    return t[:nt], (np.fft.irfft(uz_s, n) * grow)[:nt], (np.fft.irfft(ur_s, n) * grow)[:nt]


# --------------------------------------------------------------------------------------------
# independent reference 2: Pekeris (1955) closed form, Poisson solid, vertical component
# --------------------------------------------------------------------------------------------
def pekeris_step_uz(tau):
    """Vertical surface displacement for a unit upward step force, in units of F / (pi mu r),
    as a function of tau = t vs / r (Pekeris 1955, lambda = mu; the load and the displacement
    both change sign with respect to his downward convention)."""
    tau = np.asarray(tau, dtype=float)
    g2 = 0.75 + np.sqrt(3.0) / 4.0                      # (vs / c_R)^2
    c1, c2 = np.sqrt(3 * np.sqrt(3) + 5), np.sqrt(3 * np.sqrt(3) - 5)
    out = np.zeros_like(tau)
    m1 = (tau > 1 / np.sqrt(3)) & (tau < 1)
    x = tau[m1] ** 2
    out[m1] = (6 - np.sqrt(3) / np.sqrt(x - 0.25) - c1 / np.sqrt(g2 - x)
               + c2 / np.sqrt(x - 0.75 + np.sqrt(3) / 4)) / 32
    m2 = (tau >= 1) & (tau < np.sqrt(g2))
    out[m2] = (6 - c1 / np.sqrt(g2 - tau[m2] ** 2)) / 16
    out[tau >= np.sqrt(g2)] = 3.0 / 8.0
    return out


def pekeris_uz(r, times, stf_rate, period, nodes=16):
    """u_z(t) = int G_step(tau) stf'(t - tau) d tau for a Poisson solid (vp = sqrt(3) vs):
    Gauss panels on [t_P, t_S], on [t_S, t_R] with tau = t_R - y^2 (removes the 1/sqrt at t_R),
    and the constant Boussinesq value after t_R integrated in closed form."""
    t_p, t_s = r / (np.sqrt(3) * VS), r / VS
    t_r = r / (VS * np.sqrt(2 - 2 / np.sqrt(3)))
    x, w = np.polynomial.legendre.leggauss(nodes)

    def panels(a, b):
        m = max(1, int(np.ceil((b - a) / (0.1 * period))))
        e = np.linspace(a, b, m + 1)
        h = 0.5 * np.diff(e)[:, None]
        return (e[:-1, None] + h * (x + 1)).ravel(), (h * w).ravel()

    scale = FORCE / (np.pi * MU * r)
    tau1, w1 = panels(t_p, t_s)
    y, wy = panels(0.0, np.sqrt(t_r - t_s))
    tau2, w2 = t_r - y * y, 2 * y * wy
    tau = np.concatenate([tau1, tau2])
    wt = np.concatenate([w1, w2]) * pekeris_step_uz(tau * VS / r)
    t = np.asarray(times)[:, None]
    late = 3.0 / 8.0 * stf_int(t[:, 0] - t_r)
    return scale * (stf_rate(t - tau) @ wt + late)


def ricker_rate(t):
    a = (np.pi * F0 * (np.asarray(t) - T0)) ** 2
    return -2.0 * (np.pi * F0) ** 2 * (np.asarray(t) - T0) * (3.0 - 2.0 * a) * np.exp(-a)


def stf_int(t):
    return ricker(t)            # int_0^t ricker'(s) ds = ricker(t) (ricker(0) ~ 1e-9)


# --------------------------------------------------------------------------------------------
def test_rayleigh_velocity():
    # Rayleigh (1885): c_R / vs = sqrt(2 - 2/sqrt(3)) for lambda = mu; exact to round-off.
    assert rayleigh_velocity(np.sqrt(3) * VS, VS) / VS == pytest.approx(
        np.sqrt(2 - 2 / np.sqrt(3)), rel=1e-13)
    # general nu: residual of the unrationalised Rayleigh equation, and Viktorov's approximation
    # c_R/vs ~ (0.87 + 1.12 nu)/(1 + nu), good to ~0.5 % over 0 <= nu <= 0.5.
    for nu in (0.0, 0.1, 0.3, 0.4, 0.49):
        vp = vp_from_nu(nu)
        xi = (rayleigh_velocity(vp, VS) / VS) ** 2
        resid = (2 - xi) ** 2 - 4 * np.sqrt(1 - xi * (VS / vp) ** 2) * np.sqrt(1 - xi)
        assert abs(resid) < 1e-12                       # round-off level of O(1) terms
        assert np.sqrt(xi) == pytest.approx((0.87 + 1.12 * nu) / (1 + nu), rel=5e-3)


@pytest.mark.parametrize("nu", [0.25, 0.3])
@pytest.mark.parametrize("r", [1500.0, 8000.0])          # r f0 / vs = 1.5 and 8
def test_against_frequency_wavenumber(nu, r):
    vp = vp_from_nu(nu)
    c_r = rayleigh_velocity(vp, VS)
    dt = 0.01
    nt = int((r / c_r + 2 * T0 + 3 / F0) / dt)
    t, uz_fk, ur_fk = fk_surface_displacement(r, dt, nt, vp, VS, RHO, FORCE, ricker)
    uz, ur = lamb_surface_displacement(r, t, vp, VS, RHO, FORCE, ricker)
    # The brief asks for < 1 %; both methods are converged far beyond that (measured ~1e-5,
    # limited by the k-truncation of the f-k integral), so 1e-3 still leaves a wide margin.
    assert rel_l2(uz, uz_fk) < 1e-3
    assert rel_l2(ur, ur_fk) < 1e-3


def test_against_pekeris_poisson_solid():
    r = 3000.0
    vp = np.sqrt(3.0) * VS
    t = np.arange(0.0, r / rayleigh_velocity(vp, VS) + 2 * T0 + 3 / F0, 0.01)
    uz, _ = lamb_surface_displacement(r, t, vp, VS, RHO, FORCE, ricker)
    uz_ref = pekeris_uz(r, t, ricker_rate, 1 / F0)
    # Two exact representations evaluated by converged quadratures: agreement to ~1e-8 is
    # expected (measured ~1e-9); 1e-6 allows for round-off and the numerical stf derivative.
    assert rel_l2(uz, uz_ref) < 1e-6


@pytest.mark.parametrize("nu", [0.25, 0.35])
def test_rayleigh_arrival(nu):
    """A narrow-band pulse (Gaussian-windowed cosine, ~3 cycles) at r f0/vs = 10: the envelope
    of u_z peaks at r/c_R + t0 (the cylindrical-spreading operator (i omega)^(-1/2) has a
    constant phase, so no group delay). c_R is taken from the Rayleigh cubic here."""
    vp = vp_from_nu(nu)
    r = 10.0 * VS / F0
    sig, t0 = 1.0 / F0, 6.0 / F0

    def wavelet(t):
        x = np.asarray(t) - t0
        return np.exp(-((x / sig) ** 2)) * np.cos(2 * np.pi * F0 * x)

    k = (VS / vp) ** 2
    roots = np.roots([1.0, -8.0, 24.0 - 16.0 * k, -16.0 * (1.0 - k)])
    xi = [z.real for z in roots if abs(z.imag) < 1e-12 and 0 < z.real < 1]
    assert len(xi) == 1                                 # unique Rayleigh root in (0, 1)
    c_r = VS * np.sqrt(xi[0])
    assert rayleigh_velocity(vp, VS) == pytest.approx(c_r, rel=1e-12)
    dt = 0.02 / F0
    t = np.arange(0.0, r / c_r + 2 * t0, dt)
    uz, ur = lamb_surface_displacement(r, t, vp, VS, RHO, FORCE, wavelet)
    t_expected = r / c_r + t0
    for u in (uz, ur):
        env = np.abs(hilbert(u))
        i = np.argmax(env)
        # parabolic refinement of the envelope maximum (the envelope is smooth on the grid)
        curv = env[i - 1] - 2 * env[i] + env[i + 1]
        t_peak = t[i] + 0.5 * dt * (env[i - 1] - env[i + 1]) / curv
        # within 0.05 period (the S arrival r/vs + t0 is ~0.9 period earlier, so this also
        # tells the Rayleigh wave from the S wave)
        assert abs(t_peak - t_expected) < 0.05 / F0


@pytest.mark.parametrize("nu", [0.25, 0.35])
def test_static_limit(nu):
    """Smoothed step force (erf ramp): late-time values -> Boussinesq. An UPWARD force lifts the
    surface (uz > 0) and drags it outward (ur > 0): uz = F (1-nu)/(2 pi mu r),
    ur = F (1-2nu)/(4 pi mu r) (Boussinesq, with the load sign reversed)."""
    vp = vp_from_nu(nu)
    r = 3000.0
    sig = 0.5 * r / VS
    t0 = 6.0 * sig
    c_r = rayleigh_velocity(vp, VS)
    t_r = r / c_r
    uz_static = FORCE * (1 - nu) / (2 * np.pi * MU * r)
    ur_static = FORCE * (1 - 2 * nu) / (4 * np.pi * MU * r)
    times = t0 + 6 * sig + np.array([10.0, 20.0, 40.0]) * t_r

    uz, ur = lamb_surface_displacement(r, times, vp, VS, RHO, FORCE,
                                       lambda t: 0.5 * (1 + erf((np.asarray(t) - t0) / sig)))
    # the brief's 1 % criterion
    assert np.all(np.abs(uz / uz_static - 1) < 1e-2)
    assert abs(ur[-1] / ur_static - 1) < 1e-2
    # sharper: the vertical step response is exactly static after t_R (Pekeris 1955; the ramp is
    # complete to ~1e-16 here), so only quadrature error remains
    assert np.all(np.abs(uz / uz_static - 1) < 1e-8)
    # the radial step response approaches its static value like 1 + O((t_R/t)^2); at 40 t_R the
    # deviation is < 1e-3, and eliminating the t^-2 term between 20 and 40 t_R leaves < 1e-4.
    assert abs(ur[-1] / ur_static - 1) < 1e-3
    tt = times - t0
    ur_inf = (ur[-1] * tt[-1] ** 2 - ur[-2] * tt[-2] ** 2) / (tt[-1] ** 2 - tt[-2] ** 2)
    assert abs(ur_inf / ur_static - 1) < 1e-4
