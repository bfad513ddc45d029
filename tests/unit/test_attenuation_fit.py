"""The standard-linear-solid approximation of constant Q (sem.physics.attenuation).

References: constant Q itself (Q_fit(omega) / Q - 1 over the band), the constant-Q dispersion of
Kjartansson (1979), c(f) = c_ref (f / f_ref)^gamma with gamma = arctan(1/Q) / pi, and its first-order
form 1 + ln(f / f_ref) / (pi Q); the exact solution of tau z' + z = eps(t) for the memory-variable
step.
"""

import numpy as np
import pytest

import sem
from sem.physics import attenuation as att

QS = np.array([10.0, 30.0, 80.0, 312.0, 600.0, 5000.0])


def band_frequencies(band, n=2000):
    """Angular frequencies (rad/s) log-spaced over the whole period band, edges included."""
    return 2.0 * np.pi * np.logspace(-np.log10(band[1]), -np.log10(band[0]), n)


def test_band_rule():
    a = att.Attenuation()
    assert a.band_for(10.0) == pytest.approx((10.0, 10.0 * 10**1.5))          # 1.5 decades for 3 SLS
    assert a.band_for(10.0, duration=100.0) == pytest.approx((10.0, 100.0))      # shortened to the record
    assert a.band_for(10.0, duration=12.0) == pytest.approx((10.0, 20.0))        # but at least 2 T_min
    assert att.Attenuation(n_sls=5).band_for(2.0) == pytest.approx((2.0, 2.0 * 10**2.5))
    assert att.Attenuation(band=(5, 50)).band_for(10.0, 1e4) == (5.0, 50.0)     # given: used as is


@pytest.mark.parametrize("n_sls, bound", [(3, 0.02), (5, 0.02), (2, 0.035)])
def test_q_is_constant_over_the_band(n_sls, bound):
    """3 SLS over 1.5 decades: worst 1.7 % at Q = 10, 0.9-1.1 % for Q >= 30 (the issue's 2 %);
    5 SLS over 2.5 decades: worst 1.8 % at Q = 10; 2 SLS over 1 decade: 3.2 % (more solids
    per decade would be needed for 2 %: the band rule widens with N)."""
    band = att.Attenuation(n_sls=n_sls).band_for(8.0)
    y, tau = att.fit_weights(QS, band, n_sls)
    assert y.shape == (len(QS), n_sls) and tau.shape == (n_sls,) and np.all(y >= 0)
    err = np.abs(att.q_error(QS, y, tau, band_frequencies(band))).max(axis=1)
    print(f"{n_sls} SLS over {band[0]:g}-{band[1]:.4g} s: worst Q error per Q "
          + ", ".join(f"{q:g}: {e:.4f}" for q, e in zip(QS, err)))
    assert np.all(err < bound)
    # outside the band the fit is not constant Q (so the test above is about the band)
    far = 2.0 * np.pi * np.array([0.01 / band[1], 100.0 / band[0]])
    assert np.all(np.abs(att.q_error(QS, y, tau, far)) > 0.3)


def test_infinite_q_and_many_distinct_q():
    band = (10.0, 300.0)
    y, _ = att.fit_weights(np.array([np.inf, 100.0]), band, 3)
    assert np.all(y[0] == 0) and np.all(y[1] > 0)
    q = np.linspace(50.0, 600.0, 500)                                    # a grid in 1/Q, interpolated
    y, tau = att.fit_weights(q, band, 3)
    direct = np.array([att.fit_weights(np.array([v]), band, 3)[0][0] for v in q[::97]])
    assert np.allclose(y[::97], direct, rtol=2e-3, atol=0)
    assert np.abs(att.q_error(q, y, tau, band_frequencies(band))).max() < 0.02


@pytest.mark.parametrize("qmu, qkappa", [(30.0, np.inf), (80.0, np.inf), (30.0, 50.0), (312.0, 57823.0)])
def test_phase_velocity_dispersion(qmu, qkappa):
    """Inside the band the SLS medium's S and P phase velocities follow constant-Q dispersion from the
    velocities given at 1 Hz. Against the exact Kjartansson law: measured S 1.45e-3 (Q 30), 5.3e-4
    (Q 80), 1.3e-4 (Q 312), i.e. about 0.044 / Q, largest at the band edges: a band-limited fit has
    no loss outside the band, so (Kramers-Kronig) its dispersion bends away from the constant-Q
    law there. Tolerance 1e-3 where Q_mu >= 80 (the Earth's mantle and below), 0.06 / Q otherwise.
    Against the first-order form 1 + ln(f/f_ref)/(pi Q): 1e-3 for Q_mu >= 80 (that form drops
    (gamma ln)^2 / 2, itself 1.2e-3 at Q = 30 and 1.5 decades below 1 Hz)."""
    vp, vs, rho = 6000.0, 3500.0, 3000.0
    band = att.Attenuation().band_for(20.0)
    rel = att.isotropic_relaxation(rho, vp, vs, qmu, qkappa, band, 3)
    w = band_frequencies(band, 400)
    m_mu = rel["mu_u"] - np.einsum("l,wl->w", rel["dmu"], 1.0 / (1.0 + 1j * w[:, None] * rel["tau"][None]))
    m_ka = rel["kappa_u"] - np.einsum("l,wl->w", rel["dkappa"], 1.0 / (1.0 + 1j * w[:, None] * rel["tau"][None]))
    c_s = 1.0 / np.real(np.sqrt(rho / m_mu))
    c_p = 1.0 / np.real(np.sqrt(rho / (m_ka + 4.0 / 3.0 * m_mu)))
    f = w / (2 * np.pi)
    gamma = np.arctan(1.0 / qmu) / np.pi
    exact_s = vs * f**gamma
    err_s = np.abs(c_s / exact_s - 1).max()
    # the exact constant-Q P velocity: from the closed-form moduli at each frequency
    from sem.analytic.viscoelastic import moduli_from_velocities
    kk, mm = moduli_from_velocities(w, vp, vs, rho, qmu, qkappa, 1.0)
    exact_p = 1.0 / np.real(np.sqrt(rho / (kk + 4.0 / 3.0 * mm)))
    err_p = np.abs(c_p / exact_p - 1).max()
    print(f"Q_mu {qmu:g}, Q_kappa {qkappa:g}: S {err_s:.2e}, P {err_p:.2e} from constant-Q dispersion; "
          f"S at the band edges {c_s[0] / vs - 1:+.4f} .. {c_s[-1] / vs - 1:+.4f} of the 1-Hz velocity")
    tol = 1e-3 if qmu >= 80 else 0.06 / qmu
    assert err_s < tol and err_p < tol
    if qmu >= 80:
        assert np.abs(c_s / (vs * (1 + np.log(f) / (np.pi * qmu))) - 1).max() < 1e-3
    assert np.all(c_s < vs)                          # slower than at 1 Hz: the band is below it
    if not np.isfinite(qkappa):
        assert np.all(rel["dkappa"] == 0) and rel["kappa_u"] == pytest.approx(rho * (vp**2 - 4 / 3 * vs**2),
                                                                              rel=0.05)


def memory_variable_run(tau, dt, nsteps, omega):
    """z from tau z' + z = sin(omega t) (z(0) = 0) by the step of sem.physics.attenuation."""
    a, amb, b = att.step_coefficients(np.array([tau]), dt)
    t = np.arange(nsteps + 1) * dt
    eps = np.sin(omega * t)
    z = np.zeros(nsteps + 1)
    for n in range(nsteps):
        z[n + 1] = a[0] * z[n] + amb[0] * eps[n] + b[0] * eps[n + 1]
    return t, z


def test_memory_variable_step_is_second_order_and_stable():
    tau, omega, t_end = 2.0, 1.3, 20.0
    errors = []
    for dt in (0.4, 0.2, 0.1, 0.05):
        t, z = memory_variable_run(tau, dt, int(round(t_end / dt)), omega)
        wt = omega * tau
        exact = (np.sin(omega * t) - wt * np.cos(omega * t) + wt * np.exp(-t / tau)) / (1 + wt**2)
        errors.append(np.abs(z - exact).max())
    rates = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    print(f"max errors {np.array(errors)}, observed orders {rates.round(3)}")
    assert np.all(np.abs(rates - 2.0) < 0.1)
    # a step far longer than tau: bounded, and z follows eps (the relaxed limit)
    t, z = memory_variable_run(0.01, 1.0, 200, 0.05)
    assert np.all(np.abs(z) <= 1.0 + 1e-12) and np.abs(z[-50:] - np.sin(0.05 * t[-50:])).max() < 0.05
    a, amb, b = att.step_coefficients(np.array([1e-3, 1.0, 1e3]), 0.5)
    assert np.all((a > 0) & (a < 1)) and np.allclose(a + amb + b, 1.0)     # a constant strain is kept


def test_bad_attenuation_input():
    for kwargs, match in ((dict(n_sls=0), "n_sls"), (dict(n_sls=2.5), "n_sls"), (dict(band=(10.0, 5.0)), "band"),
                          (dict(band=(0.0, 5.0)), "band"), (dict(band=(np.nan, 5.0)), "band"), (dict(band=3.0), "band"),
                          (dict(reference_frequency=-1.0), "reference_frequency"),
                          (dict(reference_frequency=np.nan), "reference_frequency")):
        with pytest.raises(ValueError, match=match):
            att.Attenuation(**kwargs)
    with pytest.raises(ValueError, match="positive"):
        att.fit_weights(np.array([30.0, -1.0]), (10.0, 100.0), 3)


def test_model_quality_factors():
    mesh = sem.mesh.box((1000.0, 1000.0, 1000.0), (2, 2, 2), order=2)
    model = sem.Model.isotropic(mesh, 3000.0, 1732.0, 2500.0, qmu=30.0)
    assert model.has_q and model.q[0].shape == model.law.shape
    assert np.all(model.q[0] == 30.0) and np.all(np.isinf(model.q[1]))
    assert not sem.Model.isotropic(mesh, 3000.0, 1732.0, 2500.0).has_q
    for q in (-3.0, 0.0, np.nan):
        with pytest.raises(ValueError, match="qmu must be positive"):
            sem.Model.isotropic(mesh, 3000.0, 1732.0, 2500.0, qmu=q)
    with pytest.raises(ValueError, match="qkappa must be positive"):
        sem.Model.anisotropic(mesh, np.diag([9, 9, 9, 3, 3, 3.0]) * 1e9, 2500.0, qmu=30.0, qkappa=-1.0)
    ti = sem.Model.transversely_isotropic(mesh, 3000.0, 3100.0, 1700.0, 1750.0, 0.95, 2500.0, qkappa=50.0)
    assert np.all(np.isinf(ti.q[0])) and np.all(ti.q[1] == 50.0)
    earth = sem.earth.PREM(crust=False, isotropic=True)
    glob = sem.mesh.cubed_sphere(earth, 400.0)
    prem = sem.Model.from_earth(glob, earth)
    assert prem.has_q and prem.q[0].shape == prem.law.shape
    assert set(np.unique(prem.q[0])) == {80.0, 143.0, 312.0, 600.0, 84.6}        # PREM's Q_mu in the solid
    assert set(np.unique(prem.q[1])) == {57823.0, 1327.7}


def test_simulation_set_up_with_attenuation():
    """Bad input is refused before any step; the report names the band, the solids and the memory;
    the memory variables are counted in the memory estimate and held in the state; the stability
    limit is that of the unrelaxed (stiffest) elastic law."""
    mesh = sem.mesh.box((2000.0, 2000.0, 2000.0), (3, 3, 3), order=4)
    elastic = sem.Model.isotropic(mesh, 3000.0, 1732.0, 2500.0)
    lossy = sem.Model.isotropic(mesh, 3000.0, 1732.0, 2500.0, qmu=40.0)
    with pytest.raises(ValueError, match="needs a model with quality factors"):
        sem.Simulation(mesh, elastic, duration=1.0, attenuation=True, progress=False)
    with pytest.raises(ValueError, match="attenuation must be"):
        sem.Simulation(mesh, lossy, duration=1.0, attenuation="yes", progress=False)
    with pytest.raises(ValueError, match="band"):
        sem.Simulation(mesh, lossy, duration=1.0, attenuation=sem.Attenuation(band=(2.0, 1.0)), progress=False)
    plain = sem.Simulation(mesh, lossy, duration=1.0, backend="numba", progress=False)
    sim = sem.Simulation(mesh, lossy, duration=1.0, backend="numba", attenuation=sem.Attenuation(n_sls=2),
                         progress=False)
    npts = mesh.nspec * 125
    assert sim.state_layout()["memory"] == (12, npts)
    extra = sim.estimated_bytes() - plain.estimated_bytes() - (sim.nt - plain.nt) * 8 * 1
    assert extra == npts * (12 + 2 + 2 * 2) * 8                     # memory + the coefficient rows
    text = sim.report()
    assert "attenuation: 2 SLS over" in text and "memory variables" in text and "at 1 Hz" in text
    unrelaxed = sim.solid.elastic_law
    assert np.all(unrelaxed.values["vs"] > 1732.0)                    # stiffer than at 1 Hz in this band
    limit = sim.stability_limit()
    other = sem.Model.isotropic(mesh, unrelaxed.values["vp"], unrelaxed.values["vs"], 2500.0)
    assert limit == pytest.approx(sem.Simulation(mesh, other, duration=1.0, backend="numba",
                                                 progress=False).stability_limit(), rel=1e-3)
    assert sim.dt < plain.dt                                         # the Courant rule sees the unrelaxed speed
