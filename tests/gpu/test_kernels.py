"""Every CUDA kernel against the reference path, on fresh random inputs.

Tolerances (max-norm error relative to the largest reference value): float64 1e-12 (rounding of
sums of ~10^2 terms, ~1e-14, with margin), float32 1e-5 (single rounding, ~1e-7 per operation,
over the same sums). Outputs are poisoned before each launch: accumulating kernels start from
random values that are subtracted afterwards (an unwritten entry then shows as a missing K u),
overwriting ones from NaN.
"""

import numpy as np
import pytest

from helpers import LAWS, acoustic, curved_box

TOL = {np.float64: 1e-12, np.float32: 1e-5}
pytestmark = pytest.mark.gpu


def relerr(a, b):
    return float(np.abs(np.asarray(a, dtype=np.float64) - b).max() / np.abs(b).max())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("law_name, order", [("isotropic", 1), ("isotropic", 4), ("isotropic", 8),
                                             ("transverse", 4), ("anisotropic21", 4), ("anisotropic21", 2),
                                             ("acoustic", 4), ("acoustic", 7)])
def test_internal_forces_match_reference(law_name, order, dtype):
    import cupy
    from sem.operators.cuda_operator import CudaOperator
    from sem.operators.reference import OperatorArrays, internal_forces
    rng = np.random.default_rng(hash((law_name, order)) % 2**32)
    mesh = curved_box(order, elements=(3, 2, 3))
    law = (acoustic if law_name == "acoustic" else LAWS[law_name])(mesh.ibool.shape, rng)
    op = CudaOperator.build(mesh, law, dtype=dtype)
    u = rng.standard_normal((law.ncomp, mesh.nglob)).astype(dtype)
    ref = internal_forces(u.astype(np.float64), OperatorArrays.build(mesh, law))
    poison = (rng.standard_normal(u.shape) * np.abs(ref).max()).astype(dtype)
    out = cupy.asarray(poison)
    op.internal_forces(cupy.asarray(u), out=out)
    got = out.get().astype(np.float64) - poison
    assert relerr(got, ref) < TOL[dtype]
    fresh = op.internal_forces(cupy.asarray(u)).get()           # out=None allocates zeros
    assert relerr(fresh, ref) < TOL[dtype]
    # rows padded beyond nglob (as the time loop allocates them): padding is neither read nor written
    rows = mesh.nglob + 37
    u_pad = np.full((law.ncomp, rows), np.nan, dtype=dtype)
    u_pad[:, :mesh.nglob] = u
    out_pad = np.concatenate([poison, np.full((law.ncomp, 37), 7.0, dtype=dtype)], axis=1)
    got_pad = op.internal_forces(cupy.asarray(u_pad), out=cupy.asarray(out_pad)).get()
    assert relerr(got_pad[:, :mesh.nglob].astype(np.float64) - poison, ref) < TOL[dtype]
    assert (got_pad[:, mesh.nglob:] == 7.0).all()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("law_name, order", [("isotropic", 4), ("anisotropic21", 3), ("acoustic", 5)])
def test_affine_geometry_matches_reference(law_name, order, dtype):
    """An undeformed box (affine elements) stores 10 geometry numbers per element;
    the kernel recomputes jw from the GLL weights. Same K u as the reference path."""
    import cupy
    import sem
    from sem.operators.cuda_operator import CudaOperator
    from sem.operators.reference import OperatorArrays, internal_forces
    rng = np.random.default_rng(order + 17)
    mesh = sem.mesh.box((1.0, 1.2, 0.9), (3, 2, 4), order=order)
    law = (acoustic if law_name == "acoustic" else LAWS[law_name])(mesh.ibool.shape, rng)
    op = CudaOperator.build(mesh, law, dtype=dtype)
    assert op.affine and op.geom.shape == (mesh.nspec, 10)
    assert op.bytes_per_element() < CudaOperator.build(mesh, law, dtype=dtype, geometry="stored").bytes_per_element()
    u = rng.standard_normal((law.ncomp, mesh.nglob)).astype(dtype)
    ref = internal_forces(u.astype(np.float64), OperatorArrays.build(mesh, law))
    poison = (rng.standard_normal(u.shape) * np.abs(ref).max()).astype(dtype)
    out = cupy.asarray(poison)
    op.internal_forces(cupy.asarray(u), out=out)
    assert relerr(out.get().astype(np.float64) - poison, ref) < TOL[dtype]
    curved = curved_box(order)
    assert not CudaOperator.build(curved, LAWS["isotropic"](curved.ibool.shape, rng), dtype=dtype).affine
    with pytest.raises(ValueError, match="parallelepiped"):
        CudaOperator.build(curved, LAWS["isotropic"](curved.ibool.shape, rng), dtype=dtype, geometry="affine")


def test_operator_rejects_host_arrays_and_wrong_dtype():
    import cupy
    from sem.operators.cuda_operator import CudaOperator
    mesh = curved_box(2)
    op = CudaOperator.build(mesh, LAWS["isotropic"](mesh.ibool.shape, np.random.default_rng(1)), dtype=np.float32)
    with pytest.raises(ValueError, match="cupy array"):
        op.internal_forces(np.zeros((3, mesh.nglob), np.float32))
    with pytest.raises(ValueError, match="float32"):
        op.internal_forces(cupy.zeros((3, mesh.nglob), np.float64))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("ncomp", [3, 1])
def test_newmark_passes_match_formulas(ncomp, dtype):
    import cupy
    from sem.operators import cuda_passes
    rng = np.random.default_rng(7)
    nglob, dt = 100_003, 0.37
    u, v, a = (rng.standard_normal((ncomp, nglob)).astype(dtype) for _ in range(3))
    minv = (0.5 + rng.random(nglob)).astype(dtype)
    du, dv, da = cupy.asarray(u), cupy.asarray(v), cupy.asarray(a)
    cuda_passes.predict(du, dv, da, dt)
    up, vp = u + dt * v + 0.5 * dt * dt * a, v + 0.5 * dt * a
    assert relerr(du.get(), up) < TOL[dtype] and relerr(dv.get(), vp) < TOL[dtype]
    assert not da.get().any()
    r = rng.standard_normal((ncomp, nglob)).astype(dtype)
    da[...] = cupy.asarray(r)
    bad = cupy.full(1, np.iinfo(np.int32).max, dtype=np.int32)
    cuda_passes.correct(du, dv, da, cupy.asarray(minv), dt, cuda_passes.step_counter(5), bad)
    ac = -minv * r
    assert relerr(da.get(), ac) < TOL[dtype] and relerr(dv.get(), vp + 0.5 * dt * ac) < TOL[dtype]
    assert int(bad.get()[0]) == np.iinfo(np.int32).max                  # all finite: no step noted
    da[ncomp - 1, 777] = np.nan
    cuda_passes.correct(du, dv, da, cupy.asarray(minv), dt, cuda_passes.step_counter(9), bad)
    cuda_passes.correct(du, dv, da, cupy.asarray(minv), dt, cuda_passes.step_counter(12), bad)
    assert int(bad.get()[0]) == 9                                       # the first step with a NaN


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_absorbing_sources_and_receivers_match_reference(dtype):
    import cupy
    from sem.operators import cuda_passes
    rng = np.random.default_rng(11)
    nglob, nb = 5000, 700
    r, v = (rng.standard_normal((3, nglob)).astype(dtype) for _ in range(2))
    idx = rng.choice(nglob, nb, replace=False).astype(np.int64)
    c, b = (rng.standard_normal((nb, 3, 3)).astype(dtype) for _ in range(2))
    dr = cupy.asarray(r)
    cuda_passes.absorbing(dr, cupy.asarray(v), cupy.asarray(idx), cupy.asarray(c), cupy.asarray(b))
    ref = r.astype(np.float64)
    ref[:, idx] = np.einsum("bij,jb->ib", b, ref[:, idx] + np.einsum("bij,jb->ib", c, v[:, idx]))
    assert relerr(dr.get(), ref) < TOL[dtype]

    # sources: repeated points must sum (atomics), every source uses its own row of stf
    nnz, nsrc, nt, step = 300, 3, 40, 17
    sidx = rng.integers(0, 50, nnz).astype(np.int64)
    w = rng.standard_normal((3, nnz)).astype(dtype)
    owner = rng.integers(0, nsrc, nnz).astype(np.int64)
    stf = rng.standard_normal((nsrc, nt)).astype(dtype)
    dr = cupy.asarray(r)
    cuda_passes.inject(dr, cupy.asarray(sidx), cupy.asarray(w), cupy.asarray(owner), cupy.asarray(stf),
                       cuda_passes.step_counter(step))
    ref = r.astype(np.float64)
    for c_ in range(3):
        np.add.at(ref[c_], sidx, -w[c_] * stf[owner, step])
    assert relerr(dr.get(), ref) < TOL[dtype]

    # receivers: only row `step` of the NaN-poisoned buffer is written
    nrec, npts = 7, 125
    ridx = rng.integers(0, nglob, (nrec, npts)).astype(np.int64)
    rw = rng.standard_normal((nrec, npts)).astype(dtype)
    seis = cupy.full((nt, 3, nrec), np.nan, dtype=dtype)
    counter = cuda_passes.step_counter(step - 1)
    cuda_passes.advance(counter)                                       # the counter the time loop uses
    cuda_passes.record(seis, cupy.asarray(v), cupy.asarray(ridx), cupy.asarray(rw), counter)
    got = seis.get()
    ref = (v.astype(np.float64)[:, ridx] * rw[None]).sum(-1)
    assert relerr(got[step], ref) < TOL[dtype]
    assert np.isnan(np.delete(got, step, axis=0)).all()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_coupling_kernels_match_sparse_matrix(dtype):
    import cupy
    import sem
    from sem.physics.coupling import Coupling
    mesh = sem.mesh.box((1000.0, 1000.0, 1000.0), (4, 4, 4), order=3)
    centre = mesh.coords.mean(axis=(1, 2, 3))
    fluid_el = np.flatnonzero(np.all(np.abs(centre - 500.0) < 260.0, axis=1))
    solid_el = np.setdiff1d(np.arange(mesh.nspec), fluid_el)
    solid, fluid = mesh.subset(solid_el), mesh.subset(fluid_el)
    cpl = Coupling(solid, fluid)
    rng = np.random.default_rng(5)
    r_s, u_s = (rng.standard_normal((3, solid.nglob)).astype(dtype) for _ in range(2))
    r_f, chi_dd = (rng.standard_normal((1, fluid.nglob)).astype(dtype) for _ in range(2))
    ref_s = r_s.astype(np.float64) + (cpl.matrix @ chi_dd[0].astype(np.float64)).reshape(3, -1)
    ref_f = r_f.astype(np.float64) - (cpl.matrix.T @ u_s.ravel().astype(np.float64))[None]
    from sem.backend import get_backend
    from sem.solver.terms import SolidFluidCoupling
    gpu = get_backend("cupy", dtype)
    data = gpu.coupling_data(cpl)
    d_rs, d_rf = cupy.asarray(r_s), cupy.asarray(r_f)
    SolidFluidCoupling(gpu, cpl, "solid", data).forward(cupy.asarray(chi_dd), d_rs)
    SolidFluidCoupling(gpu, cpl, "fluid", data).forward(cupy.asarray(u_s), d_rf)
    assert relerr(d_rs.get(), ref_s) < TOL[dtype] and relerr(d_rf.get(), ref_f) < TOL[dtype]
    assert np.abs(ref_s - r_s).max() > 0 and np.abs(ref_f - r_f).max() > 0      # the terms are not empty
