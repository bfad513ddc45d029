"""A new material law is one class and its point functions, written here and nowhere else.

`StifferShear` is an isotropic law whose shear modulus is 1.5 times that of its parameters: it
derives from IsotropicElastic (same parameters and coefficients) but changes the stress, in its
array function and its Numba point function. Nothing in sem is edited or registered. A run with it
must equal a run of the plain isotropic law with vs' = sqrt(1.5) vs and vp'^2 = vp^2 + vs^2 (the
same lambda, 1.5 mu), through the reference path and the compiled one (float64: 1e-11, the
rounding of two equivalent sums), and must differ from the parent law's run (if the operator used
the parent's point function, the two runs would be identical).
"""

import numba
import numpy as np
import pytest

import sem
from sem.physics.isotropic import IsotropicElastic
from sem.physics.law import strain

SCALE = 1.5


@numba.njit(inline="always")
def stiffer_shear_point(coef, state, e, p, g00, g01, g02, g10, g11, g12, g20, g21, g22):
    lam = coef[0, e, p]
    mu = coef[1, e, p] * SCALE
    lt = lam * (g00 + g11 + g22)
    mu2 = mu + mu
    return (lt + mu2 * g00, lt + mu2 * g11, lt + mu2 * g22,
            mu * (g12 + g21), mu * (g02 + g20), mu * (g01 + g10))


class StifferShear(IsotropicElastic):
    name = "stiffer shear"
    numba_point = staticmethod(stiffer_shear_point)
    cuda_law = None                       # no CUDA struct: the GPU would use the array path

    @staticmethod
    def stress(coef, grad, state=None):
        lam, mu = coef[0][..., None, None], SCALE * coef[1][..., None, None]
        eps = strain(grad)
        tr = eps[..., 0, 0] + eps[..., 1, 1] + eps[..., 2, 2]
        return 2.0 * mu * eps + lam * tr[..., None, None] * np.eye(3)

    def max_velocity(self):
        return np.sqrt(self.values["vp"] ** 2 + 2.0 * (SCALE - 1.0) * self.values["vs"] ** 2)


def run(law_cls, backend, vp, vs, dt=None):
    mesh = sem.mesh.box((2000.0, 2000.0, 1500.0), (4, 4, 3), order=4)
    rho = 2600.0
    law = law_cls(vp=np.full(mesh.ibool.shape, vp), vs=np.full(mesh.ibool.shape, vs), rho=np.full(mesh.ibool.shape, rho))
    model = sem.Model(mesh, law)
    src = sem.MomentTensorSource((900.0, 1100.0, 800.0), (1e12, 2e12, -1e12, 5e11, 0.0, 3e11), sem.stf.Ricker(8.0, 0.15))
    recs = [sem.Receiver((1500.0, 500.0, 1500.0), "A"), sem.Receiver((300.0, 1700.0, 1000.0), "B")]
    sim = sem.Simulation(mesh, model, [src], recs, duration=0.4, dt=dt, backend=backend, boundaries="absorbing",
                         progress=False)
    return sim.run().data, sim.dt


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_a_law_written_in_a_test_module_runs_on_every_cpu_backend(backend):
    vp, vs = 4000.0, 2300.0
    # lambda' = rho (vp'^2 - 2 vs'^2) must equal lambda: vp'^2 = vp^2 - 2 vs^2 + 2 SCALE vs^2
    ref, dt = run(IsotropicElastic, backend, np.sqrt(vp**2 + 2.0 * (SCALE - 1.0) * vs**2), np.sqrt(SCALE) * vs)
    new, _ = run(StifferShear, backend, vp, vs, dt=dt)
    parent, _ = run(IsotropicElastic, backend, vp, vs, dt=dt)
    scale = np.abs(ref).max()
    assert scale > 0
    assert np.abs(new - ref).max() <= 1e-11 * scale
    assert np.abs(parent - ref).max() > 1e-2 * scale
