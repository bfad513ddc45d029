"""Visco-elastic seismograms against the constant-Q closed form (Kjartansson 1979).

A homogeneous medium (vp 3000, vs 1732 m/s, rho 2500 kg/m^3, velocities given at 1 Hz), Q_mu = 30
and Q_kappa infinite, then Q_kappa = 50; an off-grid moment tensor with all six components, a
Gaussian moment function (half duration 0.5 s: the moment rate's energy at 0.2-2 Hz); four
receivers 2.0-3.0 km away along x, y, -z and a diagonal. Box 12 km, 500 m elements of order 4
(5 GLL points per S wavelength at 2.8 Hz), Stacey sides and bottom, free top 6 km above the
source (its reflection reaches no receiver in the 3.5-s window). Default attenuation: 3 SLS over the
band of the mesh and duration (0.36-3.5 s; Q within 0.2 % there).

Reference: sem.analytic.viscoelastic.moment_tensor_displacement (the full-space Green's function
with Kjartansson's complex moduli, by the correspondence principle; velocity output), an
implementation independent of the solver's standard linear solids.

Measured (numba), relative L2 per receiver and component, velocity:
    Q_kappa inf (float64): 0.30-1.00 %   Q_kappa 50 (float32): 0.29-0.99 %
the same as the elastic run's misfit to the elastic closed form (0.08-1.08 %, the 500-m mesh's
discretisation), so the attenuation adds no visible error. The elastic answer differs from the
attenuated closed form by 7.4-18.5 % at these receivers (printed): the test can fail.
Tolerance 3 % (the issue's figure, 3x the measured error).
"""

import numpy as np
import pytest

import sem
from helpers import periodic_boxes
from sem.analytic import viscoelastic as ve

VP, VS, RHO = 3000.0, 1732.0, 2500.0
L, NEL = 12000.0, 24
CENTRE = np.array([L / 2 + 37.0, L / 2 - 23.0, L / 2 + 11.0])
MOMENT = np.array([1.0, -0.4, -0.6, 0.5, -0.7, 0.8]) * 1e13
STF = sem.stf.Gaussian(half_duration=0.5, time_shift=0.9)
OFFSETS = np.array([[2000.0, 0.0, 0.0], [0.0, 2500.0, 0.0], [0.0, 0.0, -3000.0], [1700.0, 1700.0, 0.0]])
DURATION = 3.5
TOL = 0.03


@pytest.mark.parametrize("qkappa, dtype", [(np.inf, "float64"), (50.0, "float32")])
def test_homogeneous_constant_q_against_kjartansson(qkappa, dtype):
    mesh = sem.mesh.box((L, L, L), (NEL, NEL, NEL), order=4)
    model = sem.Model.isotropic(mesh, VP, VS, RHO, qmu=30.0, qkappa=qkappa)
    points = CENTRE + OFFSETS
    sim = sem.Simulation(mesh, model, [sem.MomentTensorSource(CENTRE, tuple(MOMENT), STF)],
                         [sem.Receiver(p, f"R{i}") for i, p in enumerate(points)], duration=DURATION,
                         boundaries="absorbing", backend="numba", dtype=dtype, attenuation=True,
                         record="velocity", progress=False)
    print(sim.report())
    assert sim.solid.law.q_error < 0.02
    res = sim.run()
    exact = ve.moment_tensor_displacement(points, CENTRE, MOMENT, STF, res.times, VP, VS, RHO, qmu=30.0,
                                          qkappa=qkappa, output="velocity")
    elastic = ve.moment_tensor_displacement(points, CENTRE, MOMENT, STF, res.times, VP, VS, RHO, output="velocity")
    err = np.linalg.norm(res.data - exact, axis=-1) / np.linalg.norm(exact, axis=-1)
    differs = np.linalg.norm(elastic - exact, axis=-1) / np.linalg.norm(exact, axis=-1)
    print(f"run {res.log.wall_time:.1f} s ({res.log.ns_per_element_step:.0f} ns per element-step, {dtype})")
    print(f"Q_mu 30, Q_kappa {qkappa:g}: sem vs constant-Q closed form, per receiver (x, y, z):\n{err.round(4)}\n"
          f"the elastic closed form vs the attenuated one:\n{differs.round(3)}")
    assert np.all(differs > 0.05)                                  # attenuation matters here
    assert np.all(err < TOL)


def standing_mode(q_mu, wavelength=6000.0, h=500.0, periods=8.0):
    """A shear standing wave u_y = A sin(2 pi x / wavelength) in a periodic box (a torus: no face),
    released from rest; returns (times, u_y at x = wavelength / 4, the simulation)."""
    mesh, _, _ = periodic_boxes([((wavelength, 2 * h, 2 * h), (int(wavelength / h), 2, 2))], 4)
    model = sem.Model.isotropic(mesh, VP, VS, RHO, qmu=q_mu)
    probe = np.array([wavelength / 4, h / 2 + 1.0, h / 2 + 3.0])
    sim = sem.Simulation(mesh, model, receivers=[sem.Receiver(probe, "P")], duration=periods * wavelength / VS,
                         backend="numba", attenuation=True, progress=False)
    x = sim.solid.mesh.global_coords
    u0 = np.zeros((3, mesh.nglob))
    u0[1] = 1e-3 * np.sin(2 * np.pi * x[:, 0] / wavelength)
    res = sim.run(initial=(u0, 0 * u0))
    return res.times, res.data[0, 1], sim


def extrema(t, y):
    """Times and absolute values of the local extrema of y, refined by a parabola through 3 samples."""
    i = np.flatnonzero((np.abs(y[1:-1]) >= np.abs(y[:-2])) & (np.abs(y[1:-1]) > np.abs(y[2:]))) + 1
    a, b, c = np.abs(y[i - 1]), np.abs(y[i]), np.abs(y[i + 1])
    shift = 0.5 * (a - c) / (a - 2 * b + c)
    return t[i] + shift * (t[1] - t[0]), b - 0.25 * (a - c) * shift


def test_standing_mode_decays_at_the_rate_q_predicts():
    """The amplitude of a free standing S mode decays as exp(-omega t / (2 Q)) (to O(1/Q^2)), with the
    period set by the phase velocity at its frequency: measured from the extrema of the mode over 8
    periods, Q_measured and the period against the SLS medium's Q(omega) and c(omega) (which
    sem.physics.attenuation fits to the constant Q within 1 %). Measured: Q 29.91 against 30.22
    (-1.0 %), period 3.5122 s against 3.5113 s (+0.03 %); tolerances 2 % and 0.3 %. With the
    memory variables' moduli doubled (a scratch mutation of sem) Q comes out 13.5 and the period
    +4.5 %."""
    t, u, sim = standing_mode(30.0)
    te, amp = extrema(t, u)
    keep = te > te[0] + 0.2 * (te[-1] - te[0])                         # after the start-up transient
    slope = np.polyfit(te[keep], np.log(amp[keep]), 1)[0]
    period = 2 * np.median(np.diff(te[keep]))
    omega = 2 * np.pi / period
    q_measured = -omega / (2 * slope)
    law = sim.solid.law
    m = law.d_mu[0, 0, 0, 0] + law.base.rho[0, 0, 0, 0] * VS**2 - np.sum(
        law.dmu[:, 0, 0, 0, 0] / (1 + 1j * omega * law.tau))             # the SLS shear modulus at omega
    q_sls = m.real / m.imag
    c_sls = 1.0 / np.real(np.sqrt(RHO / m))
    print(f"standing mode: period {period:.4f} s (SLS phase velocity gives {6000.0 / c_sls:.4f} s), "
          f"Q measured {q_measured:.3f}, SLS Q at that frequency {q_sls:.3f} (target 30)")
    assert abs(q_measured / q_sls - 1) < 0.02
    assert abs(period / (6000.0 / c_sls) - 1) < 0.003
