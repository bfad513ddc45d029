"""A whole simulation on the GPU (CUDA kernels) against the CPU reference path:
seismograms agree to 1e-11 (float64) and 1e-4 (float32) relative to their peak.
Cases: heterogeneous isotropic with Stacey faces; TI and 21-Cij; a solid with a fluid inclusion."""

import numpy as np
import pytest

import sem
from helpers import LAWS

pytestmark = pytest.mark.gpu
TOL = {"float64": 1e-11, "float32": 1e-4}


def run_both(mesh, model, dtype, src_pos=(430, 520, 470), **kw):
    src = sem.MomentTensorSource(src_pos, (1e12, -2e12, 1e12, 3e11, 0, 5e11), sem.stf.Ricker(8.0))
    recs = [sem.Receiver((700, 500, 1000), "A"), sem.Receiver((300, 900, 600), "B"), sem.Receiver((900, 120, 60), "C")]
    runs = {}
    for b in ("numpy", "cupy"):
        sim = sem.Simulation(mesh, model, [src], recs, duration=0.3, backend=b,
                             dtype=dtype if b == "cupy" else "float64", progress=False, **kw)
        runs[b] = sim.run()
    ref, gpu = runs["numpy"].data, runs["cupy"].data
    assert np.abs(ref).max() > 0 and np.isfinite(gpu).all()
    return float(np.abs(gpu - ref).max() / np.abs(ref).max())


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_isotropic_absorbing_matches_cpu(dtype):
    mesh = sem.mesh.box((1000.0, 1000.0, 1000.0), (4, 4, 4), order=4)
    model = sem.Model.isotropic(mesh, vp=3000.0 + 100 * np.sin(mesh.coords[..., 0] / 200), vs=1700.0, rho=2500.0)
    assert run_both(mesh, model, dtype, boundaries="absorbing") < TOL[dtype]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("law_name", ["transverse", "anisotropic21"])
def test_anisotropic_laws_match_cpu(law_name, dtype):
    mesh = sem.mesh.box((1000.0, 1000.0, 1000.0), (3, 3, 3), order=4)
    law = LAWS[law_name](mesh.ibool.shape, np.random.default_rng(3))
    model = sem.Model(mesh, law)
    assert run_both(mesh, model, dtype, boundaries="absorbing") < TOL[dtype]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_fluid_inclusion_matches_cpu(dtype):
    mesh = sem.mesh.box((1000.0, 1000.0, 1000.0), (5, 5, 5), order=3)
    centre = mesh.coords.mean(axis=(1, 2, 3))
    inside = np.broadcast_to(np.all(np.abs(centre - 500.0) < 250.0, axis=1)[:, None, None, None], mesh.coords.shape[:4])
    model = sem.Model.isotropic(mesh, vp=np.where(inside, 1500.0, 3000.0), vs=np.where(inside, 0.0, 1732.0),
                                rho=np.where(inside, 1000.0, 2500.0))
    assert model.has_fluid                     # fluid elements span 200..800 m on every axis
    assert run_both(mesh, model, dtype, src_pos=(120, 150, 130)) < TOL[dtype]


def test_auto_backend_picks_the_gpu_and_nan_stops_with_step():
    mesh = sem.mesh.box((1000.0, 1000.0, 1000.0), (2, 2, 2), order=4)
    model = sem.Model.isotropic(mesh, vp=3000.0, vs=1700.0, rho=2500.0)
    sim = sem.Simulation(mesh, model, [], [sem.Receiver((500, 500, 500), "A")], duration=0.2, progress=False)
    assert sim.backend.name == "cupy" and sim.dtype == np.float32
    u0 = np.zeros((3, mesh.nglob))
    u0[0, 10] = np.nan
    with pytest.raises(sem.InstabilityError, match="at step 0 "):
        sim.run(initial=(u0, np.zeros_like(u0)))


def test_graph_replay_equals_step_by_step_launches():
    """The time loop replays one captured CUDA graph per step; with a callback it launches every pass
    from Python. Both must give the same seismograms (float64; atomics may reorder sums: 1e-12)."""
    mesh = sem.mesh.box((1000.0, 1000.0, 1000.0), (3, 3, 3), order=4)
    model = sem.Model.isotropic(mesh, vp=3000.0, vs=1700.0, rho=2500.0)
    src = sem.MomentTensorSource((430, 520, 470), (1e12, -2e12, 1e12, 3e11, 0, 5e11), sem.stf.Ricker(8.0))
    recs = [sem.Receiver((700, 500, 1000), "A")]
    out = {}
    for mode in ("graph", "launches"):
        sim = sem.Simulation(mesh, model, [src], recs, duration=0.3, backend="cupy", dtype="float64",
                             boundaries="absorbing", progress=False)
        res = sim.run(callback=None if mode == "graph" else (lambda n, t, f: None))
        out[mode] = res.data
        assert res.log.graph_replayed == (mode == "graph")
    assert np.abs(out["graph"]).max() > 0
    assert np.abs(out["graph"] - out["launches"]).max() <= 1e-12 * np.abs(out["launches"]).max()


def test_scheduled_outputs_keep_the_graph_replay(tmp_path):
    """Snapshots and checkpoints run on the host between replays of the captured step: the run still
    replays its CUDA graph, and the seismograms equal those of a run without outputs (float64, 1e-12:
    atomics may reorder sums). A restart from the checkpoint reproduces the run's end."""
    import h5py
    mesh = sem.mesh.box((1000.0, 1000.0, 1000.0), (3, 3, 3), order=4)
    model = sem.Model.isotropic(mesh, vp=3000.0, vs=1700.0, rho=2500.0)
    src = sem.MomentTensorSource((430, 520, 470), (1e12, -2e12, 1e12, 3e11, 0, 5e11), sem.stf.Ricker(8.0))
    sim = sem.Simulation(mesh, model, [src], [sem.Receiver((700, 500, 1000), "A")], duration=0.3, backend="cupy",
                         dtype="float64", boundaries="absorbing", progress=False)
    plain = sim.run()
    out = sim.run(outputs=[sem.Snapshots(tmp_path / "s.h5", every=10),
                           sem.Checkpoints(tmp_path / "c.h5", times=[sim.times[sim.nt // 2]])])
    assert out.log.graph_replayed and plain.log.graph_replayed
    scale = np.abs(plain.data).max()
    assert scale > 0 and np.abs(out.data - plain.data).max() <= 1e-12 * scale
    with h5py.File(tmp_path / "s.h5") as f:
        assert f["steps"][...].tolist() == list(range(0, sim.nt, 10))
        assert np.abs(f["u"][-1]).max() > 0
    rest = sim.run(restart=tmp_path / "c.h5")
    assert np.abs(rest.data - plain.data).max() <= 1e-12 * scale
