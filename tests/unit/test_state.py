"""State, checkpoints and scheduled outputs.

- A State written to HDF5 and read back is the same, bit for bit.
- A run restarted from a checkpoint at step k gives the uninterrupted run's seismograms and final
  state bit for bit (float64 and float32, numba and numpy; a solid with a fluid inclusion and
  absorbing sides, so every field of the state matters; also with attenuation, whose memory
  variables are part of the state).
- Snapshots hold the wavefield at the scheduled steps; outputs do not change the seismograms.
- Running leaves the Simulation unchanged: a second run gives the same result.
"""

import h5py
import numpy as np
import pytest

import sem
from sem.backend import get_backend


def fluid_simulation(backend="numba", dtype="float64", duration=0.5, attenuation=False):
    mesh = sem.mesh.box((2000.0, 2000.0, 1600.0), (5, 5, 4), order=3)

    def inside(x):
        c = x.mean(axis=(1, 2, 3), keepdims=True)
        return np.broadcast_to((np.abs(c[..., 0] - 1000) < 300) & (np.abs(c[..., 1] - 1000) < 300)
                               & (np.abs(c[..., 2] - 800) < 300), x.shape[:4])
    model = sem.Model.isotropic(mesh, vp=lambda x: np.where(inside(x), 1500.0, 3000.0),
                                vs=lambda x: np.where(inside(x), 0.0, 1732.0),
                                rho=lambda x: np.where(inside(x), 1000.0, 2500.0),
                                qmu=60.0 if attenuation else None, qkappa=200.0 if attenuation else None)
    src = sem.MomentTensorSource((500.0, 700.0, 1000.0), (1e12, 1e12, 1e12, 0, 0, 0), sem.stf.Ricker(f0=5.0, delay=0.25))
    recs = [sem.Receiver((1500.0, 1300.0, 1600.0), "F1"), sem.Receiver((300.0, 1800.0, 100.0), "F2")]
    return sem.Simulation(mesh, model, [src], recs, duration=duration, boundaries="absorbing", backend=backend,
                          dtype=dtype, progress=False, attenuation=attenuation)


def test_state_save_load_is_exact(tmp_path):
    be = get_backend("numpy", np.float32)
    state = sem.State.zeros(be, {"u": (3, 17), "chi": (1, 5)})
    rng = np.random.default_rng(0)
    state.set("u", rng.standard_normal((3, 17)))
    state.set("chi", rng.standard_normal((1, 5)) * 1e-40)            # subnormal float32 values too
    state.step = 12
    state.save(tmp_path / "s.h5")
    back = sem.State.load(tmp_path / "s.h5", be)
    assert back.step == 12 and back.names() == ["u", "chi"] and back.nbytes == state.nbytes
    for k in state.names():
        assert back[k].dtype == np.float32 and np.array_equal(back[k], state[k])
    copy = state.copy()
    copy["u"][0, 0] += 1
    assert copy["u"][0, 0] != state["u"][0, 0]                       # a copy is independent
    with pytest.raises(ValueError, match="float32"):
        sem.State.load(tmp_path / "s.h5", get_backend("numpy", np.float64))
    with pytest.raises(ValueError, match="shape"):
        state.set("u", np.zeros((3, 16)))


@pytest.mark.parametrize("backend,dtype,attenuation", [("numba", "float64", False), ("numba", "float32", False),
                                                       ("numpy", "float64", False), ("numba", "float64", True),
                                                       ("numpy", "float64", True)])
def test_restart_from_checkpoint_is_bit_for_bit(tmp_path, backend, dtype, attenuation):
    sim = fluid_simulation(backend, dtype, attenuation=attenuation)
    k = sim.nt // 2
    full = sim.run(keep_state=True)
    ckpt = tmp_path / "ckpt.h5"
    part = sim.run(outputs=[sem.Checkpoints(ckpt, times=[sim.times[k]])], steps=k + 3)
    assert np.array_equal(part.data, full.data[:, :, :k + 4])        # the outputs change nothing
    with h5py.File(ckpt) as f:
        assert f["state"].attrs["step"] == k
    again = fluid_simulation(backend, dtype, attenuation=attenuation)   # a new Simulation: the file carries all
    rest = again.run(restart=ckpt, keep_state=True)
    assert rest.log.steps == sim.nt - 1 - k
    assert np.array_equal(rest.data, full.data)
    for name in full.state.names():
        assert np.array_equal(rest.state.view(name), full.state.view(name)), name
    assert np.abs(full.data).max() > 0 and np.abs(full.state.view("chi")).max() > 0
    if attenuation:                                                    # the memory variables are in the state
        assert "memory" in full.state.names() and np.abs(full.state.view("memory")).max() > 0


def test_checkpoint_of_another_run_is_refused(tmp_path):
    sim = fluid_simulation(duration=0.2)
    ckpt = tmp_path / "ckpt.h5"
    sim.run(outputs=[sem.Checkpoints(ckpt, every=5)], steps=10)
    assert ckpt.exists()
    other = fluid_simulation(duration=0.3)
    with pytest.raises(ValueError, match="another run"):
        other.run(restart=ckpt)
    with pytest.raises(ValueError, match="not both"):
        sim.run(restart=ckpt, initial=(0, 0))


def test_snapshots_hold_the_scheduled_steps(tmp_path):
    sim = fluid_simulation(duration=0.2)
    seen = {}

    def grab(step, t, fields):
        if step % 7 == 0:
            seen[step] = {k: np.array(v) for k, v in fields.items()}
    path = tmp_path / "snap.h5"
    res = sim.run(outputs=[sem.Snapshots(path, every=7, fields=("u", "chi"))], callback=grab)
    with h5py.File(path) as f:
        steps = f["steps"][...]
        assert steps.tolist() == sorted(seen)
        np.testing.assert_array_equal(f["times"][...], sim.times[steps])
        for i, s in enumerate(steps):
            assert np.array_equal(f["u"][i], seen[s]["u"]) and np.array_equal(f["chi"][i], seen[s]["chi"])
        assert f["u"].shape == (len(steps), 3, sim.solid.nglob)
    assert np.array_equal(res.data, sim.run().data)
    assert not list(tmp_path.glob(".*part"))                      # no temporary file left behind


def test_failed_run_leaves_no_snapshot_file(tmp_path):
    sim = fluid_simulation(duration=0.2)
    u0 = np.zeros((3, sim.solid.nglob))
    u0[0, 3] = np.nan
    with pytest.raises(sem.InstabilityError, match="at step 0"):
        sim.run(initial=(u0, u0 * 0), outputs=[sem.Snapshots(tmp_path / "snap.h5", every=2)])
    assert not list(tmp_path.iterdir())


def test_running_leaves_the_simulation_unchanged():
    sim = fluid_simulation(duration=0.2)
    before = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in vars(sim).items()}
    first = sim.run(steps=10)
    assert set(vars(sim)) == set(before)
    for k, v in before.items():
        if isinstance(v, np.ndarray):
            assert np.array_equal(getattr(sim, k), v), k
        elif isinstance(v, (int, float, str)):
            assert getattr(sim, k) == v, k
    assert first.times.shape == (11,) and first.data.shape[-1] == 11
    assert first.log.steps == 10 and first.log.wall_time > 0 and first.log.ns_per_element_step > 0
    assert np.array_equal(sim.run(steps=10).data, first.data)
    with pytest.raises(ValueError, match="steps must be"):
        sim.run(steps=sim.nt)
