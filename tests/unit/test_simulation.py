"""The time loop: many sources superpose, recorded quantities obey the Newmark relations, the time
axis follows the source start, and the backends agree."""

import numpy as np
import pytest

import sem


@pytest.fixture(scope="module")
def setup():
    mesh = sem.mesh.box((1000.0, 1000.0, 1000.0), (3, 3, 3), order=4)
    model = sem.Model.isotropic(mesh, vp=3000.0 + 200 * np.sin(mesh.coords[..., 2] / 300), vs=1700.0, rho=2500.0)
    srcs = [sem.ForceSource((410, 520, 480), (1e9, 0, 2e9), sem.stf.Ricker(10.0)),
            sem.MomentTensorSource((620, 380, 700), (1e12, -1e12, 0, 5e11, 0, 2e11),
                                   sem.stf.Gaussian(0.03, time_shift=0.06)),
            sem.ForceSource((300, 300, 1000), (0, 0, -1e9), sem.stf.Sampled([0, 0.02, 0.05, 0.1], [0, 1, -0.5, 0]))]
    recs = [sem.Receiver((800, 500, 1000), "A"), sem.Receiver((200, 700, 350), "B")]
    return mesh, model, srcs, recs


def run(setup, sources, **kw):
    mesh, model, _, recs = setup
    args = dict(duration=0.25, boundaries="absorbing", progress=False)
    args.update(kw)
    return sem.Simulation(mesh, model, sources, recs, **args).run()


def test_sources_superpose(setup):
    srcs = setup[2]
    together = run(setup, srcs)
    apart = sum(run(setup, [s]).data for s in srcs)
    assert np.abs(together.data).max() > 0
    np.testing.assert_allclose(together.data, apart, rtol=0, atol=1e-12 * np.abs(apart).max())
    # the Gaussian starts before the origin time: the time axis starts there too
    assert together.times[0] == pytest.approx(0.06 - 2 * 0.03)


def test_recorded_quantities_obey_newmark(setup):
    srcs = setup[2]
    u, v, a = (run(setup, srcs, record=q).data for q in ("displacement", "velocity", "acceleration"))
    dt = run(setup, srcs[:1]).dt
    scale = np.abs(u).max()
    # u_{n+1} - u_n = dt v_n + dt^2/2 a_n and v_{n+1} - v_n = dt/2 (a_n + a_{n+1}), exactly
    np.testing.assert_allclose(np.diff(u, axis=-1), dt * v[..., :-1] + 0.5 * dt**2 * a[..., :-1],
                               atol=1e-10 * scale)
    np.testing.assert_allclose(np.diff(v, axis=-1), 0.5 * dt * (a[..., 1:] + a[..., :-1]),
                               atol=1e-10 * np.abs(v).max())


def test_numpy_and_numba_backends_agree(setup):
    srcs = setup[2]
    ref = run(setup, srcs, backend="numpy")
    fast = run(setup, srcs, backend="numba")
    f32 = run(setup, srcs, backend="numba", dtype="float32")
    scale = np.abs(ref.data).max()
    assert np.abs(fast.data - ref.data).max() < 1e-11 * scale
    assert np.abs(f32.data - ref.data).max() < 1e-4 * scale
