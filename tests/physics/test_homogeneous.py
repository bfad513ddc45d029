"""Point sources in a homogeneous unbounded solid against the closed forms of Aki & Richards
(2002), eq. 4.23 (force) and 4.29 (moment tensor), near field included.

A 2 km cube (20^3 elements of order 4, 100 m, ~7 GLL points per S wavelength at the
Ricker's 2.5 f0) holds an off-grid source at its centre; receivers 250-300 m away (0.6-0.7
dominant S wavelengths, so the near-field terms matter) are compared until 0.55 s, before the
first reflection from the free outer faces arrives (>= 0.58 s). Tolerance 1% relative L2 per
receiver (issue requirement); measured 0.02-0.3 %, set by spatial and O(dt^2) time errors.
The static near field of a step-like moment function converges more slowly next to the source: on
16^3 elements a receiver 2.5 elements above it is off by 9.5%, on 32^3 by 0.02% (measured).
The curved-mesh case maps the same cube smoothly (interior warped, faces kept plane) and must
give the same accuracy.
"""

import numpy as np
import pytest

import sem
from helpers import relative_l2
from sem.analytic.homogeneous import force_displacement, moment_tensor_displacement

VP, VS, RHO = 3000.0, 1732.0, 2500.0
L = 2000.0
SRC = np.array([1010.0, 990.0, 1005.0])
RECS = np.array([[1260.0, 1000.0, 1000.0], [1000.0, 1000.0, 1250.0], [1150.0, 1150.0, 1150.0],
                 [820.0, 1190.0, 900.0]])
STF = sem.stf.Ricker(f0=4.0)


def warp(x):
    """Smooth interior warp of the cube [0, L]^3 that keeps its faces plane (bump vanishes there)."""
    s = np.sin(np.pi * x / L)
    bump = s[..., 0] * s[..., 1] * s[..., 2]
    out = x.copy()
    out[..., 0] += 60.0 * bump * np.cos(np.pi * x[..., 1] / L)
    out[..., 1] += 50.0 * bump * np.sin(np.pi * x[..., 2] / L)
    out[..., 2] += 40.0 * bump
    return out


def run(source, deform=None):
    mesh = sem.mesh.box((L, L, L), (20, 20, 20), order=4, deform=deform)
    model = sem.Model.isotropic(mesh, vp=VP, vs=VS, rho=RHO)
    recs = [sem.Receiver(p, name=f"R{i}") for i, p in enumerate(RECS)]
    return sem.Simulation(mesh, model, [source], recs, duration=0.55, progress=False).run()


def test_force_source_against_aki_richards_4_23():
    src = sem.ForceSource(SRC, (2e9, -1e9, 3e9), STF)
    res = run(src)
    ref = force_displacement(RECS, SRC, src.force, STF, res.times, VP, VS, RHO)
    err = relative_l2(res.data.reshape(len(RECS), -1), ref.reshape(len(RECS), -1))
    print("force source, relative L2 per receiver:", err)
    assert np.all(err < 0.01)


CORNER = np.array([1000.0, 1000.0, 1000.0])          # a corner shared by 8 elements


@pytest.mark.parametrize("deform, at", [(None, SRC), (warp, SRC), (None, CORNER)],
                         ids=["straight", "curved", "on a corner"])
def test_moment_tensor_against_aki_richards_4_29(deform, at):
    """Off-grid: 1 % (measured 0.02-0.31 %). On a corner the source is the mean over the 8 elements that
    share it (the basis gradient jumps there): measured 0.04-1.1 % per receiver, against 0.1-2.1 %
    when it is nudged 1 cm into one of the elements (the worst side), so the tolerance there is 1.5 %."""
    tensor = np.array([1.0, -0.6, 0.3, 0.8, -0.4, 0.5]) * 1e13
    moment_function = sem.stf.Gaussian(half_duration=0.16, time_shift=0.3)
    src = sem.MomentTensorSource(at, tensor, moment_function)
    res = run(src, deform)
    ref = moment_tensor_displacement(RECS, at, tensor, moment_function, res.times, VP, VS, RHO)
    err = relative_l2(res.data.reshape(len(RECS), -1), ref.reshape(len(RECS), -1))
    print(f"moment tensor ({'curved' if deform else 'straight'} mesh, at {at.tolist()}), relative L2 per receiver:", err)
    assert np.all(err < (0.015 if at is CORNER else 0.01))


def test_seismogram_error_falls_algebraically_with_element_size():
    """Same force problem at h = 250, 167, 125 m (order 4, fixed Courant number, so dt ~ h): the
    seismogram error must fall at least as O(h^2) (the Newmark time error; the spatial error of
    order 4 falls faster)."""
    src = sem.ForceSource(SRC, (2e9, -1e9, 3e9), STF)
    errors = []
    for n in (8, 12, 16):
        mesh = sem.mesh.box((L, L, L), (n, n, n), order=4)
        model = sem.Model.isotropic(mesh, vp=VP, vs=VS, rho=RHO)
        res = sem.Simulation(mesh, model, [src], [sem.Receiver(RECS[0])], duration=0.55, progress=False).run()
        ref = force_displacement(RECS[:1], SRC, src.force, STF, res.times, VP, VS, RHO)
        errors.append(relative_l2(res.data.ravel(), ref.ravel()))
    h = L / np.array([8, 12, 16])
    rates = np.log(np.array(errors[:-1]) / errors[1:]) / np.log(h[:-1] / h[1:])
    print("h-convergence, errors:", np.round(errors, 5), "rates:", np.round(rates, 2))
    assert np.all(rates > 2.0)
