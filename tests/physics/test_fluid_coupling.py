"""Solid-fluid coupling: a fluid inclusion (acoustic potential, coupled on its faces) in a solid box.

1. Energy: without sources, the total energy of the coupled semi-discrete system,
   E = 1/2 v^T M_s v + 1/2 u^T K_s u + 1/2 chi_dd^T M_f chi_dd + 1/2 chi_d^T K_f chi_d,
   is conserved by the equations (dE/dt = 0 exactly with the coupling signs used); the Newmark
   scheme keeps it to O((omega dt)^2) with no drift. A wrong sign of either coupling term makes the
   run grow without bound; a missing coupling leaves the fluid at rest (its share stays 0).
2. An independent formulation: the same inclusion modelled as an elastic solid with a vanishing
   shear modulus (vs = 1 m/s, displacement formulation, welded interface). The two agree up to the
   tangential-slip boundary layer that the welded model cannot resolve, an O(h) difference
   (measured 1-11% on 200 m elements, 0.7-7% on 125 m); tolerance 15% on 200 m elements. The
   inclusion changes the seismograms by far more than that (checked below), so the test fails if
   the coupling transmits the wrong field.
"""

import numpy as np
import pytest

import sem
from helpers import coupled_energy, relative_l2

L = 2000.0


def inclusion_model(mesh, vs_fluid, half=(400.0, 400.0, 200.0)):
    centre = mesh.coords.mean(axis=(1, 2, 3))
    inside = np.all(np.abs(centre - 1000.0) < half, axis=1)[:, None, None, None]
    inside = np.broadcast_to(inside, mesh.coords.shape[:4])
    return sem.Model.isotropic(mesh, vp=np.where(inside, 1500.0, 3000.0), vs=np.where(inside, vs_fluid, 1732.0),
                               rho=np.where(inside, 1000.0, 2500.0))


def test_coupled_energy_is_conserved():
    mesh = sem.mesh.box((L, L, L), (6, 6, 6), order=3)
    model = inclusion_model(mesh, 0.0, half=(400.0, 400.0, 400.0))
    assert model.has_fluid and len(model.fluid_elements) == 8
    dt = sem.Simulation(mesh, model, duration=1.0, progress=False).dt
    sim = sem.Simulation(mesh, model, duration=2000 * dt, dt=dt, progress=False)
    assert sim.nt == 2001                                  # exactly 2000 steps
    g = sim.solid.mesh.global_coords
    u0 = np.stack([np.exp(-np.sum((g - [1000.0, 1000.0, 1600.0]) ** 2, axis=1) / 200.0**2)] * 3) * 1e-3
    measure, energy = coupled_energy(sim), []
    sim.run(initial=(u0, 0 * u0), callback=lambda step, t, f: energy.append(measure(f)))
    e = np.array(energy)
    total = e.sum(axis=1)
    print(f"fluid share of the energy up to {np.max(e[:, 1] / total):.3f}; total varies by "
          f"{(total.max() - total.min()) / total.mean():.4f}; mean of 1st/2nd half "
          f"{total[:1000].mean() / total[1000:].mean():.5f}")
    assert np.max(e[:, 1] / total) > 0.05                  # energy really flows into the fluid
    assert (total.max() - total.min()) / total.mean() < 0.03
    assert abs(total[:1000].mean() / total[1000:].mean() - 1) < 0.005     # no drift


def test_fluid_inclusion_against_vanishing_shear_modulus():
    mesh = sem.mesh.box((L, L, L), (10, 10, 10), order=4)
    src = sem.ForceSource((1010.0, 990.0, 1600.0), (0.0, 0.0, 1e10), sem.stf.Ricker(f0=2.0))
    recs = [sem.Receiver(p, f"R{i}") for i, p in enumerate([(1000, 1000, 400), (1600, 1000, 1000),
                                                             (1300, 700, 1500), (1000, 1000, 1700)])]

    def run(vs_fluid):
        return sem.Simulation(mesh, inclusion_model(mesh, vs_fluid), [src], recs, duration=1.6,
                              progress=False).run().data.reshape(len(recs), -1)

    coupled, welded, solid = run(0.0), run(1.0), run(800.0)   # last: a solid inclusion
    err = relative_l2(coupled, welded)
    effect = relative_l2(solid, welded)
    print("coupled vs welded mu ~ 0:", np.round(err, 4), " inclusion effect:", np.round(effect, 3))
    assert np.all(err < 0.15)
    assert np.all(effect[:3] > 2 * err[:3])                # the fluid matters where the test looks
    with pytest.raises(ValueError, match="partly fluid"):
        sem.Model.isotropic(mesh, vp=3000.0, vs=lambda x: np.where(x[..., 0] > 1010.0, 0.0, 1700.0), rho=1.0)
