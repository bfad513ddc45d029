"""The time step: the Courant rule is stable for every order, and the computed limit is the real one."""

import numpy as np
import pytest

import sem
from helpers import wavy
from sem.mesh.timestep import COURANT


def small_sim(order, **kw):
    mesh = sem.mesh.box((1.0, 1.0, 1.0), (2, 2, 2), order=order, deform=wavy)
    model = sem.Model.isotropic(mesh, vp=2.0 + 0.3 * np.sin(3 * mesh.coords[..., 0]), vs=1.0, rho=1.0)
    kw.setdefault("duration", 1.0)
    return sem.Simulation(mesh, model, progress=False, **kw)


@pytest.mark.parametrize("order", range(1, 9))
def test_courant_rule_is_below_the_stability_limit(order):
    sim = small_sim(order)
    limit = sim.stability_limit()
    ratio = limit / sim.dt
    print(f"order {order}: stable Courant number {COURANT * ratio:.3f}")
    # the default rule must leave a margin (>= 20%) below the measured limit
    assert ratio > 1.2


def test_limit_is_sharp_and_above_it_is_refused():
    sim = small_sim(4)
    limit = sim.stability_limit()
    with pytest.raises(ValueError, match="above the stability limit"):
        small_sim(4, dt=1.02 * limit)
    with pytest.raises(ValueError, match="above the stability limit"):
        small_sim(4, courant=5.0)
    ok = small_sim(4, dt=0.98 * limit, duration=3000 * 0.98 * limit)   # accepted, and stays bounded
    assert ok.nt == 3001
    g = ok.mesh.global_coords
    u0 = np.stack([np.sin(3 * g[:, 1]), g[:, 2] ** 2, np.cos(g[:, 0])]) * 1e-3
    # "bounded": the discrete energy of the scheme, E = 1/2 w.M w + 1/2 u_prev.K u with w the
    # velocity of the last step, stays constant to 1 % (measured ~1e-13: central differences conserve
    # it exactly when stable; above the limit it grows exponentially)
    from sem.operators.reference import ReferenceOperator
    op = ReferenceOperator.build(ok.mesh, ok.model.law)
    mass, prev, energy = ok.mass(), {"u": u0.copy()}, []

    def record(step, t, fields):
        u = np.array(fields["u"])
        w = (u - prev["u"]) / ok.dt
        energy.append(0.5 * np.sum(mass * w * w) + 0.5 * np.sum(prev["u"] * op.internal_forces(u)))
        prev["u"] = u
    ok.run(initial=(u0, 0 * u0), callback=record)
    e = np.array(energy)
    print(f"energy at 0.98 of the limit: relative variation {np.ptp(e) / e[0]:.2e} over {len(e)} steps")
    assert len(e) == 3000 and e[0] > 0 and np.ptp(e) < 0.01 * e[0]
    # just above the limit the wavefield grows without bound and the run stops with the step number
    bad = small_sim(4, dt=0.98 * limit, duration=20000 * 1.05 * limit)
    bad.dt = 1.05 * limit                                 # bypass the check to exercise the detector
    assert bad.nt >= 20001
    with pytest.raises(sem.InstabilityError, match=r"NaN/Inf at step \d+"):
        bad.run(initial=(u0, 0 * u0))
