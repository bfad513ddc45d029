"""The array reference path on the GPU (CuPy) against the CPU: same seismograms."""

import numpy as np
import pytest

import sem


@pytest.mark.gpu
@pytest.mark.parametrize("dtype, tol", [("float64", 1e-11), ("float32", 1e-4)])
def test_cupy_simulation_matches_cpu(dtype, tol):
    mesh = sem.mesh.box((1000.0, 1000.0, 1000.0), (4, 4, 4), order=4)
    model = sem.Model.isotropic(mesh, vp=3000.0 + 100 * np.sin(mesh.coords[..., 0] / 200), vs=1700.0, rho=2500.0)
    src = sem.MomentTensorSource((430, 520, 470), (1e12, -2e12, 1e12, 3e11, 0, 5e11), sem.stf.Ricker(8.0))
    recs = [sem.Receiver((700, 500, 1000), "A"), sem.Receiver((300, 800, 600), "B")]
    runs = {b: sem.Simulation(mesh, model, [src], recs, duration=0.3, boundaries="absorbing", backend=b,
                              dtype=dtype if b == "cupy" else "float64", progress=False).run()
            for b in ("numpy", "cupy")}
    ref, gpu = runs["numpy"].data, runs["cupy"].data
    assert np.abs(ref).max() > 0
    assert np.abs(gpu - ref).max() / np.abs(ref).max() < tol
