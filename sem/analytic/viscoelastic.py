"""Point sources in a homogeneous, unbounded, visco-elastic (constant-Q) full space.

An independent reference for the attenuation of the solver: the exact elastic whole-space
Green's function (near, intermediate and far field; Aki & Richards 2002, *Quantitative
Seismology*, 2nd ed., eqs. 4.23 and 4.29) carried over to a linear visco-elastic medium by the
correspondence principle (e.g. Ben-Menahem & Singh 1981, sec. 10.1; Carcione 2014, *Wave Fields
in Real Media*, sec. 3.6): in the frequency domain the visco-elastic equations of motion are the
elastic ones with the moduli replaced by complex, frequency-dependent moduli, so the elastic
solution written in the frequency domain holds with the wave speeds replaced by the complex
velocities alpha(omega) = sqrt(M_P(omega) / rho), M_P = kappa + 4/3 mu, beta(omega) =
sqrt(mu(omega) / rho).

Moduli: Kjartansson's (1979, J. Geophys. Res. 84(B9), 4737-4748) constant-Q model

    M(omega) = M0 (i omega / omega_ref)^(2 gamma),   gamma = arctan(1/Q) / pi,

whose Q = Re M / Im M is exactly frequency independent and whose phase velocity is
c(omega) = c_ref (omega / omega_ref)^gamma.  The relaxation function is proportional to
t^(-2 gamma) H(t), so the model is causal (the modulus is analytic where Re(i omega) > 0).

Sign convention (used throughout, stated once): time dependence e^{+i omega t}, i.e.

    F(omega) = int f(t) e^{-i omega t} dt,    f(t) = 1/(2 pi) int F(omega) e^{+i omega t} d omega,

the numpy.fft convention.  A wave is e^{i(omega t - k r)} with Re k > 0 and Im k < 0 for
omega > 0, so it travels outwards and decays.  With p = i omega (the Laplace variable) everything
below is written as a function of p on Re p >= 0: the modulus is M0 (p / omega_ref)^(2 gamma)
(principal power), the slowness s(p) = sqrt(rho / M(p)) (principal root, Re > 0) and the
propagator e^{-p s r}, which decays because Re(p s) > 0 for Re p >= 0, p != 0.

Green's function in the Laplace domain (a = s_P(p), b = s_S(p) complex slownesses, g = unit
vector source -> receiver, r the distance, c = 1 / (4 pi rho)); for the force F(t) = F_j S(t)::

    U_i = c [ (3 g_i g_j - d_ij) N / r^3 + g_i g_j a^2 e^{-par} / r - (g_i g_j - d_ij) b^2 e^{-pbr} / r ] F_j S(p)

and for the moment tensor M(t) = M_pq S(t) (coefficients as in sem.analytic.homogeneous)::

    U_n = c [ (15 g_n g_p g_q - 3 g_n d_pq - 3 g_p d_nq - 3 g_q d_np) N / r^4
            + (6 g_n g_p g_q - g_n d_pq - g_p d_nq - g_q d_np) a^2 e^{-par} / r^2
            - (6 g_n g_p g_q - g_n d_pq - g_p d_nq - 2 g_q d_np) b^2 e^{-pbr} / r^2
            + g_n g_p g_q a^3 p e^{-par} / r - (g_n g_p - d_np) g_q b^3 p e^{-pbr} / r ] M_pq S(p),

where N(p) = [e^{-par}(1 + par) - e^{-pbr}(1 + pbr)] / p^2 is the transform of the elastic
near-field integral int_{r/alpha}^{r/beta} tau S(t - tau) d tau (it is evaluated as
r^2 [a^2 phi(par) - b^2 phi(pbr)], phi(x) = (e^{-x}(1 + x) - 1) / x^2, by its Taylor series for
|x| < 1, which keeps it accurate as p -> 0).  With Q infinite a = 1/vp, b = 1/vs and the
inverse transform is exactly A&R eqs. 4.23 / 4.29.

Numerical inversion (complex-frequency / damped FFT, e.g. Bouchon & Aki 1977, Bull. Seism. Soc.
Am. 67, 259): the source function is sampled on a uniform grid t0 + j dt (j < n) that starts
before anything happens (at the earlier of times[0] and ``stf.start_time``), multiplied by
e^{-sigma (t - t0)} and transformed by the FFT; the transfer function is evaluated at
p = sigma + i omega_k and the product is inverted and multiplied by e^{+sigma (t - t0)}.

* omega = 0 / static term: the frequency p = sigma > 0 replaces omega = 0, where the constant-Q
  moduli vanish (the medium creeps without bound under a step load, u ~ t^(2 gamma)), and where
  the elastic transfer function has its finite static (Kelvin) limit.  Everything is finite and
  exact there; no limit or differentiation is needed, the moment function itself (0 -> 1) is
  transformed, and velocity is p times the displacement transform (exact because u(t0) = 0).
* wrap-around: the grid is ``pad`` (default 8) times longer than the requested record and
  sigma = ln(1 / alias) / (n dt), so the periodic repetitions of the (never decaying: static
  offset, creep) response are weighted by <= ``alias`` (default 1e-14) relative to the signal;
  undoing the damping amplifies round-off and the source's spectral leakage by at most
  alias^(-1/pad) (= 56 by default). A moment function that ends at 1 leaves a jump of size
  ``alias`` where the damped grid wraps; in velocity output its (impulsive) response is about
  alias * (pulse duration / dt) relative, hence the small default (1e-10 gave 6e-8 errors in
  velocity, 1e-14 gives 1e-11, against the elastic closed form).
* output on ``times``: when they are uniform with a spacing that is a multiple of ``dt`` they
  are grid samples; otherwise the band-limited (Fourier) interpolant is summed at them directly.

Requirements: ``stf`` (the normalised moment function for moment tensors, rising from 0 to 1,
or the force history) must be negligible before t0 and resolved by ``dt`` (its spectrum
negligible above the Nyquist frequency pi / dt), just as sem.analytic.homogeneous requires it
to be resolved by the sampling of ``times``.
"""

from __future__ import annotations

from math import factorial
from typing import Callable

import numpy as np
from scipy.fft import irfft, next_fast_len, rfft, rfftfreq
from scipy.optimize import brentq

from sem.analytic.homogeneous import _check_medium, _geometry, moment_tensor_matrix

__all__ = ["kjartansson_modulus", "moduli_from_velocities", "phase_velocity", "quality_factor",
           "force_transfer", "moment_tensor_transfer", "force_displacement",
           "moment_tensor_displacement"]

_OUTPUTS = ("displacement", "velocity")
_PHI_SERIES = np.array([(-1) ** (m + 1) * (m - 1) / factorial(m) for m in range(2, 32)])


# ----------------------------------------------------------------------------- moduli

def _gamma(q) -> float:
    """gamma = arctan(1/Q) / pi; 0 for Q = inf or None."""
    if q is None or np.isinf(q):
        return 0.0
    if not q > 0:
        raise ValueError(f"Q must be > 0 (or inf / None for no attenuation), got {q}")
    return float(np.arctan(1.0 / q) / np.pi)


def _power_law(omega, gamma: float, reference_frequency: float) -> np.ndarray:
    """(i omega / omega_ref)^(2 gamma), principal branch; omega [rad/s] real or Im omega <= 0."""
    if not reference_frequency > 0:
        raise ValueError(f"reference_frequency must be > 0 Hz, got {reference_frequency}")
    omega = np.asarray(omega, dtype=complex)
    if np.any(omega.imag > 0):
        raise ValueError("omega must be real or in the lower half plane (Im omega <= 0): the "
                         "moduli are analytic there for the e^{+i omega t} convention")
    z = 1j * omega / (2.0 * np.pi * reference_frequency)
    if gamma == 0.0:
        return np.ones(z.shape, dtype=complex)
    out = np.zeros(z.shape, dtype=complex)
    nonzero = z != 0
    out[nonzero] = z[nonzero] ** (2.0 * gamma)
    return out


def kjartansson_modulus(omega, velocity: float, rho: float, q, reference_frequency: float = 1.0):
    """Constant-Q complex modulus [Pa] of Kjartansson (1979, JGR 84(B9) 4737, eq. 6 ff.).

    M(omega) = M0 (i omega / omega_ref)^(2 gamma), gamma = arctan(1/Q) / pi, omega_ref =
    2 pi reference_frequency, for the e^{+i omega t} convention (so Im M > 0 for omega > 0).
    M0 = rho velocity^2 cos^2(pi gamma / 2) makes the phase velocity omega / Re k,
    k = omega sqrt(rho / M), equal ``velocity`` at the reference frequency; at any omega > 0 it
    is c(omega) = velocity (omega / omega_ref)^gamma and Re M / Im M = cot(pi gamma) = Q.

    omega: array [rad/s], real (negative values give the complex conjugate) or in the lower
    half plane Im omega <= 0 (the analytic continuation, i omega = p the Laplace variable);
    velocity [m/s]; rho [kg/m^3]; q: quality factor, inf or None for the real modulus
    rho velocity^2; reference_frequency [Hz]. Returns a complex array of omega's shape.
    """
    gamma = _gamma(q)
    m0 = rho * velocity**2 * np.cos(0.5 * np.pi * gamma) ** 2
    return m0 * _power_law(omega, gamma, reference_frequency)


def phase_velocity(modulus, rho: float) -> np.ndarray:
    """Phase velocity [m/s] omega / Re k = 1 / Re sqrt(rho / M) for real omega > 0."""
    return 1.0 / np.real(np.sqrt(rho / np.asarray(modulus, dtype=complex)))


def quality_factor(modulus) -> np.ndarray:
    """Q = Re M / Im M (inf for a real modulus)."""
    m = np.asarray(modulus, dtype=complex)
    with np.errstate(divide="ignore"):
        return m.real / m.imag


def _bulk_scale(vp: float, vs: float, rho: float, qmu, qkappa, reference_frequency: float):
    """Real scale K0 [Pa] of kappa(omega) = K0 (i omega / omega_ref)^(2 gamma_kappa).

    Solves Re sqrt(rho / (kappa(omega_ref) + 4/3 mu(omega_ref))) = 1 / vp, i.e. P phase velocity
    vp at the reference frequency, by Brent's method in x = K0 / (rho vp^2): the left side falls
    monotonically from its value at x = 0 (> 1/vp when vp is large enough compared with vs)
    towards 0. With both Q infinite it is the elastic rho (vp^2 - 4/3 vs^2), returned directly.
    """
    _check_medium(vp, vs, rho)
    if _gamma(qmu) == 0.0 and _gamma(qkappa) == 0.0:
        return rho * (vp**2 - 4.0 / 3.0 * vs**2)
    w0 = 2.0 * np.pi * reference_frequency
    shear = 4.0 / 3.0 * kjartansson_modulus(w0, vs, rho, qmu, reference_frequency) / (rho * vp**2)
    phase = np.exp(1j * np.pi * _gamma(qkappa))  # (i omega_ref / omega_ref)^(2 gamma_kappa)

    def excess(x):  # vp * Re(slowness) - 1, dimensionless
        return float(np.real((x * phase + shear) ** -0.5)) - 1.0

    if not excess(0.0) > 0:
        raise ValueError(f"no positive bulk modulus gives vp={vp} with vs={vs}, Q_mu={qmu}")
    upper = 1.0
    while excess(upper) > 0:
        upper *= 2.0
    x = brentq(excess, 0.0, upper, xtol=1e-300, rtol=4.0 * np.finfo(float).eps, maxiter=500)
    return rho * vp**2 * x


def moduli_from_velocities(omega, vp: float, vs: float, rho: float, qmu=np.inf, qkappa=np.inf,
                           reference_frequency: float = 1.0):
    """(kappa(omega), mu(omega)) [Pa], complex arrays of omega's shape (constant Q_kappa, Q_mu).

    mu = kjartansson_modulus(omega, vs, rho, qmu): S phase velocity vs at the reference frequency.
    kappa = K0 (i omega / omega_ref)^(2 gamma_kappa), gamma_kappa = arctan(1/Q_kappa) / pi (real
    K0 if Q_kappa is inf), with the real scale K0 found by a 1-D root find such that the P phase
    velocity at the reference frequency, from M_P = kappa + 4/3 mu, is exactly vp. With both Q
    infinite, kappa = rho (vp^2 - 4/3 vs^2). omega [rad/s] as in kjartansson_modulus; vp, vs
    [m/s]; rho [kg/m^3]; reference_frequency [Hz]. Note Q_P is then neither Q_mu nor Q_kappa
    (1/Q_P ~ (1 - 4/3 vs^2/vp^2)/Q_kappa + 4/3 vs^2/vp^2 /Q_mu) and not exactly constant.
    """
    k0 = _bulk_scale(vp, vs, rho, qmu, qkappa, reference_frequency)
    kappa = k0 * _power_law(omega, _gamma(qkappa), reference_frequency)
    return kappa, kjartansson_modulus(omega, vs, rho, qmu, reference_frequency)


def _slownesses(p: np.ndarray, vp, vs, rho, qmu, qkappa, reference_frequency):
    """Complex P and S slownesses [s/m] at Laplace frequencies p = i omega (Re p >= 0)."""
    kappa, mu = moduli_from_velocities(-1j * p, vp, vs, rho, qmu, qkappa, reference_frequency)
    return np.sqrt(rho / (kappa + 4.0 / 3.0 * mu)), np.sqrt(rho / mu)


# ----------------------------------------------------------------------------- transfer functions

def _phi(x: np.ndarray) -> np.ndarray:
    """phi(x) = (e^{-x}(1 + x) - 1) / x^2 = sum_{m>=2} (-1)^(m+1) (m-1)/m! x^(m-2)."""
    out = np.empty(x.shape, dtype=complex)
    small = np.abs(x) < 1.0
    xs = x[small]
    acc = np.zeros(xs.shape, dtype=complex)
    for coef in _PHI_SERIES[::-1]:  # 30 terms: truncation < 1e-32 for |x| < 1
        acc = acc * xs + coef
    out[small] = acc
    xl = x[~small]
    out[~small] = (np.exp(-xl) * (1.0 + xl) - 1.0) / xl**2
    return out


def _radial_factors(p, r, a, b, rho):
    """Scalar Laplace-domain factors of the five terms for one distance r.

    Returns dict of (nf,) arrays: near = N(p) / (4 pi rho), p_wave = a^2 e^{-par} / (4 pi rho),
    s_wave = b^2 e^{-pbr} / (4 pi rho), and their far-field partners p_far = a p * p_wave,
    s_far = b p * s_wave (the 1/r^k powers are applied by the caller).
    """
    c = 1.0 / (4.0 * np.pi * rho)
    xa, xb = p * a * r, p * b * r
    factors = {"near": c * r**2 * (a**2 * _phi(xa) - b**2 * _phi(xb)),
               "p_wave": c * a**2 * np.exp(-xa), "s_wave": c * b**2 * np.exp(-xb)}
    factors["p_far"] = a * p * factors["p_wave"]
    factors["s_far"] = b * p * factors["s_wave"]
    return factors


def _transfer(receivers, source, p, vp, vs, rho, qmu, qkappa, reference_frequency, terms):
    """sum over terms of outer(coefficient vector, factor / r^power): (nrec, 3, nf) complex.

    ``terms(g)`` returns [(factor name, power of 1/r, coefficient (3,))] for the unit vector g.
    """
    r, g = _geometry(receivers, source)
    p = np.asarray(p, dtype=complex).reshape(-1)
    a, b = _slownesses(p, vp, vs, rho, qmu, qkappa, reference_frequency)
    out = np.zeros((r.size, 3, p.size), dtype=complex)
    for k in range(r.size):
        factors = _radial_factors(p, r[k], a, b, rho)
        for name, power, coef in terms(g[k]):
            out[k] += np.outer(coef, factors[name] / r[k] ** power)
    return out


def _force_terms(force):
    force = np.asarray(force, dtype=float).reshape(3)

    def terms(g):
        gf = (g @ force) * g
        return [("near", 3, 3.0 * gf - force), ("p_wave", 1, gf), ("s_wave", 1, force - gf)]
    return terms


def _moment_terms(moment):
    m = moment_tensor_matrix(moment)
    trace = np.trace(m)

    def terms(g):
        mg = m @ g
        sg = (g @ mg) * g
        return [("near", 4, 15.0 * sg - 3.0 * trace * g - 6.0 * mg),
                ("p_wave", 2, 6.0 * sg - trace * g - 2.0 * mg),
                ("s_wave", 2, 3.0 * mg + trace * g - 6.0 * sg),
                ("p_far", 1, sg), ("s_far", 1, mg - sg)]
    return terms


def force_transfer(receivers, source, force, omega, vp, vs, rho, qmu=np.inf, qkappa=np.inf,
                   reference_frequency: float = 1.0) -> np.ndarray:
    """Transfer function H [m / (unit of S's spectrum)]: U_i(omega) = H_i(omega) S(omega).

    U is the displacement spectrum for the force F(t) = force * S(t). receivers (nrec, 3) [m],
    source (3,) [m], force (3,) [N], omega (nf,) [rad/s] real or Im omega <= 0 (e^{+i omega t};
    omega = 0 only with both Q infinite: the constant-Q moduli vanish there), vp, vs [m/s]
    (phase velocities at reference_frequency [Hz]), rho [kg/m^3]. Returns (nrec, 3, nf).
    """
    return _transfer(receivers, source, 1j * np.asarray(omega), vp, vs, rho, qmu, qkappa,
                     reference_frequency, _force_terms(force))


def moment_tensor_transfer(receivers, source, moment, omega, vp, vs, rho, qmu=np.inf,
                           qkappa=np.inf, reference_frequency: float = 1.0) -> np.ndarray:
    """Displacement spectrum per unit moment-function spectrum, for M(t) = moment * S(t).

    moment: (6,) (mxx, myy, mzz, mxy, mxz, myz) or symmetric (3, 3) [N m]; the rest as in
    force_transfer. Returns (nrec, 3, nf) complex, U_n(omega) = H_n(omega) S(omega).
    """
    return _transfer(receivers, source, 1j * np.asarray(omega), vp, vs, rho, qmu, qkappa,
                     reference_frequency, _moment_terms(moment))


# ----------------------------------------------------------------------------- time domain

def _grid(times: np.ndarray, stf: Callable, dt: float | None, pad: float):
    """Start t0, step dt, length n of the FFT grid, and output indices (None if off-grid)."""
    if times.ndim != 1 or times.size == 0 or np.any(np.diff(times) <= 0):
        raise ValueError("times must be a non-empty, strictly increasing 1-D array")
    spacing = np.diff(times)
    if dt is None:
        if times.size < 2:
            raise ValueError("a single output time needs an explicit dt")
        dt = float(spacing.min())
    if not dt > 0 or not pad >= 2:
        raise ValueError(f"need dt > 0 and pad >= 2, got dt={dt}, pad={pad}")
    start = float(getattr(stf, "start_time", times[0]))
    t0 = times[0] - np.ceil(max(0.0, times[0] - start) / dt - 1e-9) * dt
    n = next_fast_len(int(np.ceil(pad * (times[-1] - t0) / dt)) + 2, real=True)
    steps = (times - t0) / dt
    index = np.rint(steps).astype(np.int64)
    on_grid = np.all(np.abs(steps - index) < 1e-6)
    return t0, dt, n, (index if on_grid else None)


def _time_domain(transfer: Callable, stf: Callable, times, output: str, dt, pad, alias):
    if output not in _OUTPUTS:
        raise ValueError(f"output must be one of {_OUTPUTS}, got {output!r}")
    if not 0 < alias < 1:
        raise ValueError(f"alias must be in (0, 1), got {alias}")
    times = np.asarray(times, dtype=float).reshape(-1)
    t0, dt, n, index = _grid(times, stf, dt, pad)
    sigma = np.log(1.0 / alias) / (n * dt)
    lag = dt * np.arange(n)
    samples = np.asarray(stf(t0 + lag), dtype=float) * np.exp(-sigma * lag)
    p = sigma + 2j * np.pi * rfftfreq(n, dt)
    spectrum = transfer(p) * (dt * rfft(samples))  # (nrec, 3, nf): continuous transform
    if output == "velocity":
        spectrum *= p  # u(t0) = 0, so the derivative is p U(p) exactly
    if index is not None:
        damped = irfft(spectrum, n, axis=-1)[..., index] / dt
    else:  # band-limited interpolant of the same samples, summed at the requested times
        weights = np.full(p.size, 2.0)
        weights[0] = 1.0
        if n % 2 == 0:
            weights[-1] = 1.0
        tau, freq = times - t0, rfftfreq(n, dt)
        damped = np.empty(spectrum.shape[:2] + (times.size,))
        for i in range(0, times.size, 256):  # chunks bound the (nf, 256) phase matrix
            phase = np.exp(2j * np.pi * np.outer(freq, tau[i:i + 256]))
            damped[..., i:i + 256] = np.real((spectrum * weights) @ phase) / (n * dt)
    return damped * np.exp(sigma * (times - t0))


def _solve(receivers, source, terms, stf, times, vp, vs, rho, qmu, qkappa, reference_frequency,
           output, dt, pad, alias):
    _check_medium(vp, vs, rho)

    def transfer(p):
        return _transfer(receivers, source, p, vp, vs, rho, qmu, qkappa, reference_frequency, terms)
    return _time_domain(transfer, stf, times, output, dt, pad, alias)


def force_displacement(receivers, source, force, stf: Callable, times, vp: float, vs: float,
                       rho: float, qmu=np.inf, qkappa=np.inf, reference_frequency: float = 1.0, *,
                       output: str = "displacement", dt: float | None = None, pad: float = 8.0,
                       alias: float = 1e-14) -> np.ndarray:
    """Displacement [m] (or velocity [m/s]) from a point force F(t) = force * stf(t).

    Visco-elastic counterpart of sem.analytic.homogeneous.force_displacement (same arguments,
    A&R eq. 4.23 by the correspondence principle). receivers (nrec, 3) [m]; source (3,) [m];
    force (3,) [N]; stf: dimensionless callable (array in, array out), negligible before
    min(times[0], stf.start_time); times (nt,) [s], increasing; vp, vs: P and S phase velocities
    [m/s] at reference_frequency [Hz]; rho [kg/m^3]; qmu, qkappa: constant quality factors
    (inf / None: no attenuation); output: "displacement" or "velocity"; dt: FFT grid step [s]
    (default the smallest spacing of times; the stf must be resolved by it); pad: grid length
    over record length; alias: weight of the periodic repetitions. Returns (nrec, 3, nt).
    """
    return _solve(receivers, source, _force_terms(force), stf, times, vp, vs, rho, qmu, qkappa,
                  reference_frequency, output, dt, pad, alias)


def moment_tensor_displacement(receivers, source, moment, stf: Callable, times, vp: float,
                               vs: float, rho: float, qmu=np.inf, qkappa=np.inf,
                               reference_frequency: float = 1.0, *, output: str = "displacement",
                               dt: float | None = None, pad: float = 8.0,
                               alias: float = 1e-14) -> np.ndarray:
    """Displacement [m] (or velocity [m/s]) from a point moment tensor M(t) = moment * stf(t).

    Visco-elastic counterpart of sem.analytic.homogeneous.moment_tensor_displacement (A&R
    eq. 4.29 by the correspondence principle; u_n = M_pq dG_np/dxi_q). moment: (6,) (mxx, myy,
    mzz, mxy, mxz, myz) or symmetric (3, 3) [N m]; stf: normalised moment function (0 -> 1); no
    derivative of it is needed (the far-field terms carry the factor p in the Laplace domain).
    Other arguments as in force_displacement. Returns (nrec, 3, nt).
    """
    return _solve(receivers, source, _moment_terms(moment), stf, times, vp, vs, rho, qmu, qkappa,
                  reference_frequency, output, dt, pad, alias)
