"""Point-wise material laws against each other and against an explicit 4th-order tensor rotation."""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from sem.physics.anisotropic import CIJ_NAMES, VOIGT_PAIRS, Anisotropic21, upper_triangle
from sem.physics.isotropic import IsotropicElastic
from sem.physics.transverse import TransverselyIsotropic, local_voigt, love_parameters

SHAPE = (5,)
TI = dict(vpv=6000.0, vph=6300.0, vsv=3400.0, vsh=3600.0, eta=0.9, rho=3000.0)


def full_tensor(c66):
    """(6, 6) Voigt -> (3, 3, 3, 3) c_ijkl."""
    c = np.zeros((3, 3, 3, 3))
    for p, (i, j) in enumerate(VOIGT_PAIRS):
        for q, (k, l) in enumerate(VOIGT_PAIRS):
            for a, b in ((i, j), (j, i)):
                for cc, d in ((k, l), (l, k)):
                    c[a, b, cc, d] = c66[p, q]
    return c


def to_voigt(c):
    return np.array([[c[i, j, k, l] for (k, l) in VOIGT_PAIRS] for (i, j) in VOIGT_PAIRS])


def values(**kw):
    return {k: np.full(SHAPE, v) for k, v in kw.items()}


def test_ti_with_rotated_axis_equals_rotated_tensor():
    rng = np.random.default_rng(0)
    rot = Rotation.random(random_state=4).as_matrix()
    ti = TransverselyIsotropic(axis=rot @ [0, 0, 1.0], **values(**TI))
    c_local = full_tensor(local_voigt(*love_parameters(*(TI[k] for k in ("vpv", "vph", "vsv", "vsh", "eta", "rho"))))[()])
    c_rot = np.einsum("ia,jb,kc,ld,abcd->ijkl", rot, rot, rot, rot, c_local)
    an = Anisotropic21(rho=np.full(SHAPE, 3000.0), **{n: np.full(SHAPE, v) for n, v in
                                                       zip(CIJ_NAMES, upper_triangle(to_voigt(c_rot)))})
    grad = rng.standard_normal(SHAPE + (3, 3))
    expected = np.einsum("ijkl,...kl->...ij", c_rot, grad)
    for law in (ti, an):
        np.testing.assert_allclose(law.stress(law.coefficients(), grad), expected, rtol=1e-12, atol=1e-3)
    # wave speeds do not depend on the frame: the max phase velocity is vph (= 6300 here)
    np.testing.assert_allclose(ti.max_velocity(), 6300.0, rtol=1e-3)


def test_isotropic_is_the_degenerate_case_of_ti_and_cij():
    rng = np.random.default_rng(1)
    vp, vs, rho = 5000.0, 2800.0, 2700.0
    iso = IsotropicElastic(**values(vp=vp, vs=vs, rho=rho))
    ti = TransverselyIsotropic(axis=rng.standard_normal(3), **values(vpv=vp, vph=vp, vsv=vs, vsh=vs, eta=1.0, rho=rho))
    lam, mu = rho * (vp**2 - 2 * vs**2), rho * vs**2
    c66 = np.zeros((6, 6))
    c66[:3, :3] = lam
    c66[np.arange(3), np.arange(3)] = lam + 2 * mu
    c66[np.arange(3, 6), np.arange(3, 6)] = mu
    an = Anisotropic21(rho=np.full(SHAPE, rho), **{n: np.full(SHAPE, v) for n, v in zip(CIJ_NAMES, upper_triangle(c66))})
    grad = rng.standard_normal(SHAPE + (3, 3))
    ref = iso.stress(iso.coefficients(), grad)
    sym = 0.5 * (grad + np.swapaxes(grad, -1, -2))
    np.testing.assert_allclose(ref, lam * np.trace(sym, axis1=-2, axis2=-1)[..., None, None] * np.eye(3) + 2 * mu * sym)
    for law in (ti, an):
        np.testing.assert_allclose(law.stress(law.coefficients(), grad), ref, rtol=1e-12, atol=1e-2)
    np.testing.assert_allclose(an.max_velocity(), vp, rtol=1e-9)


@pytest.mark.parametrize("bad", [dict(vsv=-1.0), dict(eta=np.nan)])
def test_ti_rejects_bad_values(bad):
    with pytest.raises(ValueError):
        TransverselyIsotropic(axis=[0, 0, 1.0], **values(**{**TI, **bad}))
    with pytest.raises(ValueError, match="axis"):
        TransverselyIsotropic(axis=[0, 0, 0.0], **values(**TI))


# ---- the law contract -------------------------------------------------------------------------

def test_isotropic_gradient_terms_match_a_finite_difference_of_the_stress():
    """gradient_terms(grad_u, grad_adj)[m] = d/dm (grad_adj : stress(coefficients(m), grad_u)) at every
    point: central differences with a relative step 1e-5 (truncation ~1e-10, rounding ~1e-11 of the
    bilinear form's size), so 1e-7 relative fails for any wrong factor or sign."""
    rng = np.random.default_rng(11)
    n = 40
    base = dict(vp=6000.0 + 500 * rng.random(n), vs=3000.0 + 400 * rng.random(n), rho=2500.0 + 800 * rng.random(n))
    gu, ga = rng.standard_normal((n, 3, 3)), rng.standard_normal((n, 3, 3))
    law = IsotropicElastic(**base)
    dens = law.gradient_terms(gu, ga)
    assert set(dens) == set(law.parameters)

    def bilinear(vals):
        lw = IsotropicElastic(**vals)
        return (ga * lw.stress(lw.coefficients(), gu)).sum(axis=(-2, -1))
    for name in law.parameters:
        h = 1e-5 * base[name]
        plus, minus = dict(base), dict(base)
        plus[name] = base[name] + h
        minus[name] = base[name] - h
        fd = (bilinear(plus) - bilinear(minus)) / (2 * h)
        assert np.all(np.abs(fd) > 0)
        np.testing.assert_allclose(dens[name], fd, rtol=1e-7, atol=1e-7 * np.abs(fd).max())


@pytest.mark.parametrize("cls", [IsotropicElastic, TransverselyIsotropic, Anisotropic21])
def test_every_law_names_its_point_functions_explicitly(cls):
    """The compiled operator takes the point function the class names (never a parent's by accident),
    and each law states its kind, components and per-point state size."""
    from sem.physics.acoustic import Acoustic
    from sem.physics.law import MaterialLaw
    for law in (cls, Acoustic):
        assert issubclass(law, MaterialLaw)
        assert "numba_point" in vars(law) and law.numba_point is not None
        assert law.kind in ("solid", "fluid") and law.ncomp == (3 if law.kind == "solid" else 1)
        assert law.state_size == 0
    assert len({IsotropicElastic.numba_point, TransverselyIsotropic.numba_point, Anisotropic21.numba_point}) == 3
