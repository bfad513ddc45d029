"""The attenuating law (sem.physics.attenuating) on every elastic law: the compiled point function and
operator against the array reference, step by step (forces and memory variables), and the rule for
what attenuates."""

import numpy as np
import pytest

from helpers import LAWS, curved_box
from sem.operators.numba_operator import NumbaOperator
from sem.operators.reference import ReferenceOperator
from sem.physics.attenuating import Attenuating, voigt_averages

BAND = (0.05, 1.5)          # s: the periods of the small test box's waves


def attenuating(law_name, shape, rng, dt=2e-3):
    base = LAWS[law_name](shape, rng)
    qmu = np.where(rng.random(shape) < 0.2, np.inf, 20.0 + 400.0 * rng.random(shape))
    qkappa = np.where(rng.random(shape) < 0.5, np.inf, 30.0 + 900.0 * rng.random(shape))
    law = Attenuating(base, qmu, qkappa, BAND, n_sls=3)
    law.set_time_step(dt)
    return law


@pytest.mark.parametrize("law_name", sorted(LAWS))
@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-11), (np.float32, 1e-4)])
def test_numba_steps_match_reference(law_name, dtype, tol):
    """Five consecutive applications (the memory variables evolve) on a curved mesh with random
    materials and Q (some infinite): forces and memory variables of the compiled operator equal the
    reference path's to 1e-11 (float64) / 1e-4 (float32) of their largest value, as for the
    elastic laws."""
    rng = np.random.default_rng(5)
    mesh = curved_box(4)
    law = attenuating(law_name, mesh.coords.shape[:4], rng)
    ref = ReferenceOperator.build(mesh, law)
    fast = NumbaOperator.build(mesh, law, dtype=dtype)
    assert fast.memory.shape == (18, mesh.nspec, 125)
    n3 = 125
    for step in range(5):
        u = rng.standard_normal((3, mesh.nglob)) * 1e-3
        f_ref = ref.internal_forces(u)
        f = fast.internal_forces(np.ascontiguousarray(u, dtype=dtype))
        assert np.abs(f - f_ref).max() < tol * np.abs(f_ref).max(), step
        mem_ref = ref.ops.state[0].reshape(18, mesh.nspec, n3)[:, fast.perm]
        assert np.abs(fast.memory - mem_ref).max() < tol * np.abs(mem_ref).max(), step
    assert np.abs(mem_ref).max() > 0


def test_unrelaxed_and_relaxed_limits():
    """At one point: the step of a strain held constant tends to the relaxed stress (the memory
    variables converge to the strain), and the first step after rest is the unrelaxed response
    up to O(dt / tau); the elastic() law is the unrelaxed tensor; isotropic: Q_kappa = inf leaves
    the bulk modulus unrelaxed = relaxed."""
    rng = np.random.default_rng(1)
    for law_name in sorted(LAWS):
        shape = (1,)
        law = attenuating(law_name, shape, rng, dt=0.01)
        coef = law.coefficients()
        mem = np.zeros((18,) + shape)
        k = law.step_constants()
        grad = rng.standard_normal(shape + (3, 3)) * 1e-4
        first = law.stress(coef, grad, (mem, k))
        unrelaxed = law.elastic().stress(law.elastic().coefficients(), grad)
        for _ in range(20000):                               # 200 s >> the longest tau (0.24 s)
            last = law.stress(coef, grad, (mem, k))
        mu_v, kappa_v = voigt_averages(law.base.voigt_matrix())
        d_mu_relaxed = law.d_mu - law.dmu.sum(axis=0)           # relaxed - reference
        d_kappa_relaxed = law.d_kappa - law.dkappa.sum(axis=0)
        relaxed = law.base.with_isotropic_increment(d_mu_relaxed, d_kappa_relaxed)
        expect = relaxed.stress(relaxed.coefficients(), grad)
        scale = np.abs(unrelaxed).max()
        assert np.abs(last - expect).max() < 1e-9 * scale
        b_max = k[1].max()
        assert np.abs(first - unrelaxed).max() < 2 * b_max * np.abs(unrelaxed - expect).max() + 1e-12 * scale
        assert np.all(law.dmu >= 0) and np.all(law.dkappa >= 0)
