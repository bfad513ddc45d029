"""Constant-Q attenuation by standard linear solids (SLS): the band, the fit, the moduli, the step.

The physics is constant Q at every frequency (Kjartansson 1979): a modulus with quality factor Q and
phase velocity c_ref at the reference frequency f_ref (1 Hz by default, the PREM convention) is
M_K(omega) = rho c_ref^2 cos^2(pi gamma / 2) (i omega / omega_ref)^(2 gamma), gamma = arctan(1/Q) / pi
(sem.analytic.viscoelastic.kjartansson_modulus). A time-domain solver approximates it inside an
absorption band [f_min, f_max] by N standard linear solids in parallel (a generalised Zener body):

    M(omega) = M_R m(omega),   m(omega) = 1 + sum_l y_l i omega tau_l / (1 + i omega tau_l),

relaxed modulus M_R, unrelaxed M_U = M_R (1 + sum_l y_l), relaxation times tau_l, weights y_l >= 0.

The fit (what `fit_weights` does):
- tau_l = 1 / (2 pi f_l) with the f_l log-spaced over the band widened by `pad` decades at each end
  (negative: narrowed); `pad` is chosen once per (N, band width) by a bounded 1-D minimisation of the
  worst Q error at Q = 100 (cached), which places the outer solids as the optimal set does;
- the weights solve the exact condition Q Im m(omega) = Re m(omega), which is linear in y, in the
  minimax sense over 120 frequencies log-spaced in the band (a linear programme, scipy's HiGHS):
  the worst relative Q error is (nearly) what is minimised, not an average. One fit per distinct Q
  (for more than 64 distinct values, a fit on a grid in 1/Q, interpolated linearly in 1/Q).
  Measured worst Q error over the band (`q_error`): 0.9 % for 3 SLS over 1.5 decades.
- The modulus is matched to the constant-Q one at the band's centre f_c = sqrt(f_min f_max):
  Re M(omega_c) = Re M_K(omega_c), so inside the band the phase velocity follows the constant-Q
  dispersion c(f) = c_ref (f / f_ref)^gamma (about 1 + ln(f / f_ref) / (pi Q)).

The band rule (`Attenuation.band_for`): from the mesh's shortest resolved period T_min, the band is
[T_min, T_min 10^W] in period with W = 0.5 N decades (1.5 for 3 SLS), shortened to the run's duration
when that is shorter (but kept at least T_min..2 T_min): periods longer than the record do not matter.

Memory variables and the time step (exact exponential integrator, second order): each solid's
stress part z_l obeys tau_l dz_l/dt + z_l = M_R y_l eps(t). Over one step h with the strain linear
in time between the two levels (the only approximation, second order in h),

    z_l(n+1) = a_l z_l(n) + M_R y_l [(A_l - B_l) eps(n) + B_l eps(n+1)],
    a_l = exp(-h / tau_l),  A_l = 1 - a_l,  B_l = 1 - (tau_l / h) A_l,

unconditionally stable (0 < a_l < 1) and exact for a strain linear in time. The stress at level n+1
is sigma = M_U eps(n+1) - sum_l z_l(n+1). Shear attenuation acts on the deviatoric strain (M = 2 mu),
bulk attenuation on the trace (M = kappa); see sem.physics.law for the point-state contract.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

#: band width per SLS, decades of period (W = 0.5 N: 1.5 decades for 3 SLS)
DECADES_PER_SLS = 0.5
#: frequencies of the minimax fit, log-spaced over the band
FIT_FREQUENCIES = 120
#: more distinct Q values than this are fitted on a grid in 1/Q and interpolated
MAX_DISTINCT_FITS = 64


@dataclass(frozen=True)
class Attenuation:
    """How a run attenuates: `n_sls` standard linear solids over the period band `band`
    (min_period_s, max_period_s), or the default band of the mesh and duration if None; the
    model's velocities are phase velocities at `reference_frequency` (Hz)."""

    n_sls: int = 3
    band: tuple | None = None
    reference_frequency: float = 1.0

    def __post_init__(self):
        if isinstance(self.n_sls, bool) or not isinstance(self.n_sls, (int, np.integer)) or self.n_sls < 1:
            raise ValueError(f"n_sls must be an integer >= 1, got {self.n_sls!r}")
        f = self.reference_frequency
        if not (isinstance(f, (int, float, np.floating)) and np.isfinite(f) and f > 0):
            raise ValueError(f"reference_frequency must be a positive number of Hz, got {f!r}")
        if self.band is not None:
            try:
                lo, hi = (float(v) for v in self.band)
            except (TypeError, ValueError):
                raise ValueError(f"band must be (min_period_s, max_period_s), got {self.band!r}") from None
            if not (np.isfinite(lo) and np.isfinite(hi) and 0 < lo < hi):
                raise ValueError(f"band must be (min_period_s, max_period_s) with 0 < min < max, got {self.band!r}")
            object.__setattr__(self, "band", (lo, hi))

    def band_for(self, min_period: float, duration: float | None = None) -> tuple[float, float]:
        """The period band (s) for a mesh resolving `min_period` s and a run of `duration` s: the
        given band, or [T_min, T_min 10^(0.5 n_sls)] shortened to the duration (>= 2 T_min)."""
        if self.band is not None:
            return self.band
        lo = float(min_period)
        hi = lo * 10.0 ** (DECADES_PER_SLS * self.n_sls)
        if duration is not None and np.isfinite(duration):
            hi = min(hi, max(float(duration), 2.0 * lo))
        return lo, hi


def relaxation_times(band, n_sls: int) -> np.ndarray:
    """tau_l (n_sls,) in s for the period band (min_period, max_period): log-spaced frequencies over
    the band widened by the cached optimal pad (see the module docstring)."""
    lo, hi = float(band[0]), float(band[1])
    decades = np.log10(hi / lo)
    pad = _optimal_pad(int(n_sls), round(float(decades), 6))
    return _taus(lo, hi, int(n_sls), pad)


def _taus(min_period, max_period, n_sls, pad):
    f_lo, f_hi = 1.0 / max_period, 1.0 / min_period
    if n_sls == 1:
        f = np.array([np.sqrt(f_lo * f_hi)])
    else:
        f = np.logspace(np.log10(f_lo) - pad, np.log10(f_hi) + pad, n_sls)
    return 1.0 / (2.0 * np.pi * f)


def _fit_omegas(band):
    return 2.0 * np.pi * np.logspace(-np.log10(band[1]), -np.log10(band[0]), FIT_FREQUENCIES)


def _minimax_weights(q: float, tau, omegas) -> np.ndarray:
    """y (n_sls,) >= 0 minimising max |Q Im m - Re m| over omegas (a linear programme)."""
    from scipy.optimize import linprog

    x = omegas[:, None] * tau[None, :]
    a = q * x / (1.0 + x * x) - x * x / (1.0 + x * x)           # Q Im m - Re m = a y - 1
    n, m = len(tau), len(omegas)
    ones = np.ones((m, 1))
    res = linprog(np.r_[np.zeros(n), 1.0], A_ub=np.block([[a, -ones], [-a, -ones]]),
                  b_ub=np.r_[np.ones(m), -np.ones(m)], bounds=[(0, None)] * (n + 1), method="highs")
    if not res.success:                                          # pragma: no cover - HiGHS is robust here
        raise RuntimeError(f"the SLS fit failed for Q = {q}: {res.message}")
    return res.x[:n]


@functools.lru_cache(maxsize=None)
def _optimal_pad(n_sls: int, decades: float) -> float:
    """The pad (decades) of the outer relaxation frequencies that minimises the worst Q error of the
    minimax fit at Q = 100 for a band of `decades` (scale-free: any band of that width)."""
    from scipy.optimize import minimize_scalar

    if n_sls == 1:
        return 0.0
    band = (1.0, 10.0 ** decades)
    omegas = _fit_omegas(band)

    def worst(pad):
        tau = _taus(band[0], band[1], n_sls, pad)
        return np.abs(q_error(100.0, _minimax_weights(100.0, tau, omegas), tau, omegas)).max()

    step = decades / (n_sls - 1)                                 # between neighbouring solids
    res = minimize_scalar(worst, bounds=(-0.25 * step, 0.5 * step), method="bounded", options={"xatol": 1e-4})
    return float(res.x) if res.fun < worst(0.0) else 0.0


def modulus_factor(omega, y, tau):
    """m(omega) = 1 + sum_l y_l i omega tau_l / (1 + i omega tau_l); omega (nw,), y (..., n_sls),
    tau (n_sls,) -> (..., nw) complex."""
    x = 1j * np.asarray(omega, dtype=float)[:, None] * np.asarray(tau)[None, :]       # (nw, n_sls)
    return 1.0 + np.einsum("...l,wl->...w", np.asarray(y), x / (1.0 + x))


def q_error(q, y, tau, omegas):
    """Relative error Q_fit(omega) / Q - 1 of the SLS fit, (..., nw)."""
    m = modulus_factor(omegas, y, tau)
    return m.real / m.imag / np.asarray(q)[..., None] - 1.0


def fit_weights(q, band, n_sls: int):
    """Weights y (..., n_sls) of the SLS fit of constant Q over the period band for every value of
    the array q (Q = inf gives y = 0), and the relaxation times tau (n_sls,)."""
    q = np.asarray(q, dtype=np.float64)
    if np.any(~(q > 0)):
        raise ValueError(f"Q must be positive (inf: no attenuation); min is {np.nanmin(q) if q.size else q!r}")
    tau = relaxation_times(band, n_sls)
    omegas = _fit_omegas(band)
    finite = np.isfinite(q)
    y = np.zeros(q.shape + (int(n_sls),))
    if not finite.any():
        return y, tau
    values, which = np.unique(q[finite], return_inverse=True)
    if len(values) > MAX_DISTINCT_FITS:                          # a grid in 1/Q, linear interpolation
        grid = np.linspace(1.0 / values.max(), 1.0 / values.min(), MAX_DISTINCT_FITS)
        fits = np.array([_minimax_weights(1.0 / g, tau, omegas) for g in grid])
        yv = np.stack([np.interp(1.0 / values, grid, fits[:, l]) for l in range(int(n_sls))], axis=-1)
    else:
        yv = np.array([_minimax_weights(v, tau, omegas) for v in values])
    y[finite] = yv[which.reshape(-1)]
    return y, tau


def step_coefficients(tau, dt: float):
    """(a, A - B, B) of the exponential integrator over one step dt (see the module docstring),
    each (n_sls,)."""
    h_tau = float(dt) / np.asarray(tau, dtype=np.float64)
    a = np.exp(-h_tau)
    big_a = -np.expm1(-h_tau)                                    # 1 - a without cancellation
    b = 1.0 - big_a / h_tau
    return a, big_a - b, b


def _unique_rows(rows):
    """(distinct rows, inverse index) of a C-contiguous float64 (n, k) array, by their bytes."""
    key = rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel()
    _, first, which = np.unique(key, return_index=True, return_inverse=True)
    return rows[first], which.reshape(-1)


def band_centre(band) -> float:
    """The angular frequency (rad/s) at the band's centre, 2 pi / sqrt(min_period max_period)."""
    return 2.0 * np.pi / np.sqrt(float(band[0]) * float(band[1]))


def relaxed_modulus(target_at_centre, y, tau, band):
    """M_R (...) such that Re M_R m(omega_c) = Re `target_at_centre` (the constant-Q modulus at the
    band centre); y (..., n_sls)."""
    wc = np.array([band_centre(band)])
    return np.real(target_at_centre) / modulus_factor(wc, y, tau)[..., 0].real


def isotropic_relaxation(rho, vp, vs, qmu, qkappa, band, n_sls: int, reference_frequency: float = 1.0):
    """The SLS form of a constant-Q isotropic medium given by its phase velocities at the reference
    frequency (m/s), rho (kg/m^3) and Q_mu, Q_kappa (inf: none), arrays of one shape S.

    Returns dict(mu_u, kappa_u (S) unrelaxed moduli (Pa); dmu, dkappa (n_sls,) + S, the moduli
    M_R y_l that drive each solid's memory variable (Pa); tau (n_sls,) s; q_error, the worst relative
    Q error of the fits over the band)."""
    from ..analytic.viscoelastic import moduli_from_velocities

    rho, vp, vs, qmu, qkappa = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64)
                                                     for v in (rho, vp, vs, qmu, qkappa)))
    # the constant-Q moduli at the band centre, once per distinct material (a root find each)
    wc = band_centre(band)
    rows = np.ascontiguousarray(np.stack([a.reshape(-1) for a in (rho, vp, vs, qmu, qkappa)], axis=1))
    materials, which = _unique_rows(rows)
    at_centre = np.array([moduli_from_velocities(wc, v, s_, r, qm, qk, reference_frequency)
                          for r, v, s_, qm, qk in materials])                 # (nmat, 2): kappa, mu
    kappa_c, mu_c = (at_centre[which.reshape(-1), k].reshape(rho.shape) for k in (0, 1))
    out, worst = {}, 0.0
    omegas = _fit_omegas(band)
    for name, q, target in (("mu", qmu, mu_c), ("kappa", qkappa, kappa_c)):
        y, tau = fit_weights(q, band, n_sls)
        m_r = relaxed_modulus(target, y, tau, band)
        out[name + "_u"] = m_r * (1.0 + y.sum(axis=-1))
        out["d" + name] = np.moveaxis(m_r[..., None] * y, -1, 0)
        distinct = np.unique(q[np.isfinite(q)])
        if distinct.size:
            worst = max(worst, float(np.abs(q_error(distinct, fit_weights(distinct, band, n_sls)[0], tau,
                                                    omegas)).max()))
    out["tau"], out["q_error"] = tau, worst
    return out
