"""The compiled (Numba) stiffness operator against the reference array operator (the oracle)."""

import numba
import numpy as np
import pytest

import sem
from sem.physics.anisotropic import CIJ_NAMES, Anisotropic21, upper_triangle
from sem.physics.isotropic import IsotropicElastic
from sem.operators.numba_operator import NumbaOperator, law_point_function
from sem.operators.reference import OperatorArrays, internal_forces
from sem.physics.transverse import TransverselyIsotropic
from helpers import LAWS, acoustic, curved_box, isotropic

TOL = {np.float64: 1e-12, np.float32: 1e-5}




def relerr(a, b):
    return float(np.abs(a - b).max() / np.abs(b).max())


def compare(law_name, order, dtype, block_size=2, seed=0):
    rng = np.random.default_rng(seed)
    mesh = curved_box(order)
    law = LAWS[law_name](mesh.ibool.shape, rng)
    op = NumbaOperator.build(mesh, law, dtype=dtype, block_size=block_size)
    u = rng.standard_normal((3, mesh.nglob)).astype(dtype)
    ref = internal_forces(u.astype(np.float64), OperatorArrays.build(mesh, law))
    f = op.internal_forces(u)
    assert f.dtype == np.dtype(dtype) and f.shape == (3, mesh.nglob)
    return op, mesh, u, ref, f


@pytest.mark.parametrize("order", [1, 2, 4, 7])
def test_isotropic_float64_matches_reference(order):
    *_, ref, f = compare("isotropic", order, np.float64)
    assert relerr(f, ref) < TOL[np.float64]


@pytest.mark.parametrize("law_name", ["transverse", "anisotropic21"])
def test_anisotropic_laws_float64_match_reference(law_name):
    *_, ref, f = compare(law_name, 4, np.float64)
    assert relerr(f, ref) < TOL[np.float64]


@pytest.mark.parametrize("law_name", ["isotropic", "transverse", "anisotropic21"])
def test_float32_matches_reference(law_name):
    *_, ref, f = compare(law_name, 4, np.float32)
    assert relerr(f, ref) < TOL[np.float32]


def test_accumulates_into_out_and_uses_no_stale_scratch():
    op, mesh, u, ref, f = compare("isotropic", 4, np.float64, seed=1)
    # out given: K u is added into it, in place, and out is returned
    base = np.random.default_rng(2).standard_normal(u.shape)
    out = base.copy()
    res = op.internal_forces(u, out)
    assert res is out
    np.testing.assert_allclose(out - base, ref, rtol=0, atol=1e-12 * np.abs(ref).max())
    # a NaN-poisoned out stays NaN at every point: every point is accumulated into, none overwritten
    poisoned = np.full_like(u, np.nan)
    op.internal_forces(u, poisoned)
    assert np.isnan(poisoned).all()
    # out=None starts from zeros; after a poisoned call, K 0 is exactly 0 (no stale scratch leaks in)
    assert not np.any(op.internal_forces(np.zeros_like(u)))
    assert relerr(op.internal_forces(u), ref) < TOL[np.float64]


def test_thread_counts_and_block_sizes_agree():
    rng = np.random.default_rng(3)
    mesh = curved_box(2, elements=(3, 3, 3))
    law = isotropic(mesh.ibool.shape, rng)
    u = rng.standard_normal((3, mesh.nglob))
    ref = internal_forces(u, OperatorArrays.build(mesh, law))
    nthreads = numba.get_num_threads()
    try:
        for block_size in (1, 4, 1000):
            op = NumbaOperator.build(mesh, law, block_size=block_size)
            for t in sorted({1, nthreads}):
                numba.set_num_threads(t)
                assert relerr(op.internal_forces(u), ref) < TOL[np.float64]
    finally:
        numba.set_num_threads(nthreads)


def test_blocks_of_one_colour_share_no_point():
    mesh = curved_box(2, elements=(4, 3, 3))
    op = NumbaOperator.build(mesh, isotropic(mesh.ibool.shape, np.random.default_rng(4)), block_size=3)
    assert sorted(np.unique(op.ibool)) == list(range(mesh.nglob))
    for c in range(len(op.color_starts) - 1):
        seen = set()
        for b in range(op.color_starts[c], op.color_starts[c + 1]):
            pts = set(np.unique(op.ibool[op.block_starts[b]:op.block_starts[b + 1]]).tolist())
            assert not (pts & seen)
            seen |= pts
    assert op.bytes_per_element() > 0


@pytest.mark.parametrize("law_name", ["isotropic", "transverse", "anisotropic21"])
def test_point_function_matches_law_stress(law_name):
    rng = np.random.default_rng(5)
    law = LAWS[law_name]((7,), rng)
    coef = law.coefficients()
    grad = rng.standard_normal((7, 3, 3))
    sigma = law.stress(coef, grad)
    sp = law_point_function(law)

    @numba.njit
    def run(c3, st, g):
        out = np.empty((g.shape[0], 6))
        for p in range(g.shape[0]):
            out[p] = sp(c3, st, 0, p, g[p, 0, 0], g[p, 0, 1], g[p, 0, 2], g[p, 1, 0], g[p, 1, 1],
                        g[p, 1, 2], g[p, 2, 0], g[p, 2, 1], g[p, 2, 2])
        return out

    got = run(coef.reshape(coef.shape[0], 1, 7), np.zeros((0, 1, 1)), grad)
    want = np.stack([sigma[:, 0, 0], sigma[:, 1, 1], sigma[:, 2, 2], sigma[:, 1, 2], sigma[:, 0, 2],
                     sigma[:, 0, 1]], axis=1)
    assert relerr(got, want) < 1e-13
    np.testing.assert_allclose(sigma, sigma.swapaxes(-1, -2), rtol=1e-13, atol=0)


def test_rejects_wrong_layout_or_dtype():
    mesh = curved_box(1)
    op = NumbaOperator.build(mesh, isotropic(mesh.ibool.shape, np.random.default_rng(6)), dtype=np.float32)
    with pytest.raises(ValueError):
        op.internal_forces(np.zeros((3, mesh.nglob)))                       # float64 into a float32 operator
    with pytest.raises(ValueError):
        op.internal_forces(np.zeros((mesh.nglob, 3), np.float32).T)        # not C-contiguous
    with pytest.raises(ValueError):
        NumbaOperator.build(mesh, isotropic(mesh.ibool.shape, np.random.default_rng(6)), dtype=np.int32)


# ---- the fluid: the same skeleton with one field component (the potential chi) ----------------

def compare_fluid(order, dtype, block_size=2, seed=10):
    rng = np.random.default_rng(seed)
    mesh = curved_box(order)
    law = acoustic(mesh.ibool.shape, rng)                          # heterogeneous rho at every GLL point
    op = NumbaOperator.build(mesh, law, dtype=dtype, block_size=block_size)
    chi = rng.standard_normal((1, mesh.nglob)).astype(dtype)
    ref = internal_forces(chi.astype(np.float64), OperatorArrays.build(mesh, law))
    f = op.internal_forces(chi)
    assert op.ncomp == 1 and f.dtype == np.dtype(dtype) and f.shape == (1, mesh.nglob)
    return op, mesh, chi, ref, f


@pytest.mark.parametrize("order", [1, 2, 4, 7])
def test_acoustic_float64_matches_reference(order):
    *_, ref, f = compare_fluid(order, np.float64)
    assert relerr(f, ref) < TOL[np.float64]


def test_acoustic_float32_matches_reference():
    *_, ref, f = compare_fluid(4, np.float32)
    assert relerr(f, ref) < TOL[np.float32]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_acoustic_accumulates_into_out(dtype):
    op, mesh, chi, ref, f = compare_fluid(4, dtype, seed=11)
    base = (np.random.default_rng(12).standard_normal(chi.shape) * np.abs(ref).max()).astype(dtype)
    out = base.copy()
    res = op.internal_forces(chi, out)
    assert res is out
    assert relerr(out.astype(np.float64) - base, ref) < 4 * TOL[dtype]   # base and ref of one size
    poisoned = np.full_like(chi, np.nan)
    op.internal_forces(chi, poisoned)
    assert np.isnan(poisoned).all()                                 # every point accumulated into
    assert not np.any(op.internal_forces(np.zeros_like(chi)))       # no stale scratch
    nthreads = numba.get_num_threads()
    try:
        for t in sorted({1, nthreads}):
            numba.set_num_threads(t)
            assert relerr(op.internal_forces(chi), ref) < TOL[dtype]
    finally:
        numba.set_num_threads(nthreads)


def test_acoustic_point_function_matches_law_stress():
    rng = np.random.default_rng(13)
    law = acoustic((7,), rng)
    coef = law.coefficients()
    grad = rng.standard_normal((7, 1, 3))
    flux = law.stress(coef, grad)
    fp = law_point_function(law)

    @numba.njit
    def run(c3, st, g):
        out = np.empty((g.shape[0], 3))
        for p in range(g.shape[0]):
            out[p] = fp(c3, st, 0, p, g[p, 0, 0], g[p, 0, 1], g[p, 0, 2])
        return out

    got = run(coef.reshape(coef.shape[0], 1, 7), np.zeros((0, 1, 1)), grad)
    assert relerr(got, flux[:, 0, :]) < 1e-15


def test_acoustic_rejects_a_vector_field_and_domain_uses_compiled_path():
    from sem.backend import get_backend
    mesh = curved_box(1)
    law = acoustic(mesh.ibool.shape, np.random.default_rng(14))
    op = get_backend("numba", np.float64).operator(mesh, law)
    assert isinstance(op, NumbaOperator) and op.ncomp == 1
    with pytest.raises(ValueError):
        op.internal_forces(np.zeros((3, mesh.nglob)))
    assert op.bytes_per_element() < NumbaOperator.build(mesh, isotropic(mesh.ibool.shape,
                                                        np.random.default_rng(15))).bytes_per_element()
