"""The assembled diagonal mass matrix against the integral of rho, and the Stacey impedance blocks
against their closed forms.

Mass: the sum of the assembled mass (sem.solver.domain.Domain.mass, what Simulation.mass returns for
the solid) is the GLL quadrature of rho |J| over the mesh. It is checked on a straight box with a
quadratic density (exact), on a smoothly curved box with constant density (closed-form volume,
spectral convergence) and on a cubed-sphere PREM (the Earth's mass).

Impedance: sem.physics.absorbing.impedance against rho (vp n n^T + vs (I - n n^T)) for isotropic
media and against rho sqrt(Gamma(n)) = sqrt(rho c_ijkl n_j n_l) built from the full fourth-order
tensor for transverse isotropy.
"""

import numpy as np
import pytest

import sem
from sem.physics.absorbing import impedance
from sem.physics.anisotropic import VOIGT_PAIRS
from sem.physics.isotropic import IsotropicElastic
from sem.physics.transverse import TransverselyIsotropic, local_voigt, love_parameters
from sem.solver.domain import Domain, split_domains

# --- mass: straight box, quadratic density ------------------------------------------------------

L = np.array([3000.0, 2000.0, 1500.0])
ORIGIN = np.array([-500.0, 250.0, -1500.0])
# rho = R0 + R1 x + R2 y^2 + R3 x z + R4 z^2 (kg/m^3, x y z in m): degree 2
R0, R1, R2, R3, R4 = 2500.0, 0.1, 2.0e-4, -1.0e-7, 3.0e-4


def _rho_quadratic(c):
    x, y, z = c[..., 0], c[..., 1], c[..., 2]
    return R0 + R1 * x + R2 * y**2 + R3 * x * z + R4 * z**2


def _int_pow(a, b, p):
    """Integral of t^p from a to b."""
    return (b ** (p + 1) - a ** (p + 1)) / (p + 1)


def _exact_quadratic_mass():
    (x0, y0, z0), (x1, y1, z1) = ORIGIN, ORIGIN + L
    ix = [_int_pow(x0, x1, p) for p in range(3)]
    iy = [_int_pow(y0, y1, p) for p in range(3)]
    iz = [_int_pow(z0, z1, p) for p in range(3)]
    return (R0 * ix[0] * iy[0] * iz[0] + R1 * ix[1] * iy[0] * iz[0] + R2 * ix[0] * iy[2] * iz[0]
            + R3 * ix[1] * iy[0] * iz[1] + R4 * ix[0] * iy[0] * iz[2])


def test_box_mass_is_the_exact_integral_of_a_quadratic_density():
    """On an undeformed box |J| is constant per element, so GLL order 4 (exact to degree 7 per axis)
    integrates the quadratic rho exactly: the assembled mass (Simulation.mass and Domain.mass) must
    equal the hand-computed integral up to round-off. Reference: the closed-form integral (2.88e13
    kg); measured relative error 0 (Simulation) / 0 (Domain); tolerance 1e-13 (the round-off of
    summing ~1.6e3 positive terms is ~1e-16 per term, a margin of ~100 on its worst case)."""
    mesh = sem.mesh.box(size=tuple(L), elements=(3, 2, 2), order=4, origin=tuple(ORIGIN))
    model = sem.Model.isotropic(mesh, vp=6000.0, vs=3500.0, rho=_rho_quadratic)
    exact = _exact_quadratic_mass()
    sim = sem.Simulation(mesh, model, duration=0.01, backend="numpy", progress=False)
    m_sim = sim.mass()
    assert m_sim.shape == (mesh.nglob,) and np.all(m_sim > 0)
    assert m_sim.sum() == pytest.approx(exact, rel=1e-13)
    solid, fluid = split_domains(mesh, model)
    assert fluid is None
    assert solid.mass().sum() == pytest.approx(exact, rel=1e-13)
    # the quadrature is exact, not just close: a density of degree 2 with a wrong coefficient would
    # shift the sum by far more than 1e-13 (the R3 term alone is 2.3e-5 of the total)
    assert abs(R3 * _int_pow(ORIGIN[0], ORIGIN[0] + L[0], 1) * L[1]
               * _int_pow(ORIGIN[2], ORIGIN[2] + L[2], 1)) > 1e-8 * exact


# --- mass: curved box, constant density -----------------------------------------------------------

A_BUMP = 0.2
LC = np.array([1000.0, 800.0, 600.0])


def _bump(c):
    """z -> z (1 + a sin(pi x / Lx) sin(pi y / Ly)): |J| = 1 + a sin sin, so the volume is
    Lx Ly Lz (1 + 4 a / pi^2) exactly."""
    out = c.copy()
    out[..., 2] = c[..., 2] * (1.0 + A_BUMP * np.sin(np.pi * c[..., 0] / LC[0]) * np.sin(np.pi * c[..., 1] / LC[1]))
    return out


def test_curved_box_mass_is_rho_times_the_closed_form_volume():
    """Constant rho on a box bent by a smooth map with |J| = 1 + 0.2 sin(pi x/Lx) sin(pi y/Ly):
    the mass must be rho V with V = Lx Ly Lz (1 + 0.8 / pi^2) (closed form). The mesh geometry is the
    order-4 interpolant of the map, so the error converges spectrally: measured relative error
    4.3e-9 with 2 x 2 x 1 elements and 1.6e-11 with 4 x 4 x 1. Tolerances: 2e-8 (coarse) and 1e-10
    (fine), about 5x the measured values; and the fine mesh must be at least 50x better than the
    coarse one (measured ratio 274, h^8 would be 256). mesh.volume() * rho equals the assembled mass
    to round-off (measured 2e-16, tolerance 1e-14)."""
    rho = 2700.0
    exact = rho * LC.prod() * (1.0 + 4.0 * A_BUMP / np.pi**2)
    errs = []
    for ne in (2, 4):
        mesh = sem.mesh.box(size=tuple(LC), elements=(ne, ne, 1), order=4, deform=_bump)
        model = sem.Model.isotropic(mesh, vp=6000.0, vs=3500.0, rho=rho)
        solid, _ = split_domains(mesh, model)
        errs.append(abs(solid.mass().sum() / exact - 1.0))
        assert mesh.volume() * rho == pytest.approx(solid.mass().sum(), rel=1e-14)
    assert errs[0] < 2e-8
    assert errs[1] < 1e-10
    assert errs[1] * 50 < errs[0]


# --- mass: the whole Earth ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def prem_globe():
    earth = sem.earth.PREM(isotropic=True)
    mesh = sem.mesh.cubed_sphere(earth, min_period=400.0)
    return earth, mesh, sem.Model.from_earth(mesh, earth)


def test_cubed_sphere_mass_is_the_earths_mass(prem_globe):
    """A global PREM mesh for 400 s (39240 elements of order 4, ~7 s to build, ~10 s in all). The
    solid domain's assembled mass plus the integral of rho over the fluid elements (the fluid's own mass matrix is
    1/kappa-weighted, so rho is integrated here from model.rho and the quadrature weights) is the
    Earth's mass.

    References and tolerances:
    - PREM's own radial integral earth.mass() (5.97318e24 kg): measured relative error 1.56e-5 (the
      GLL quadrature of the piecewise-cubic density on elements that follow the discontinuities);
      tolerance 5e-5 (about 3x);
    - the Earth's mass 5.9722e24 kg: PREM's density integrates to 1.6e-4 more than that (the paper's
      5.974e24, 1.64e-4 above); measured 1.48e-4; tolerance 5e-4;
    - the solid part from Domain.mass() equals the quadrature of rho over the solid elements to
      round-off: measured 0, tolerance 1e-12;
    - the fluid fraction (outer core and ocean): measured 0.308, asserted in (0.25, 0.35)."""
    earth, mesh, model = prem_globe
    assert model.has_fluid
    # the solid domain exactly as split_domains builds it (its fluid subset is not needed here)
    solid = Domain("solid", mesh.subset(model.solid_elements), model.law)
    m_solid = solid.mass().sum()
    w = mesh.quadrature_weights
    rho = model.rho
    fl = model.fluid_elements
    m_fluid = float((rho[fl] * w[fl]).sum())
    total = m_solid + m_fluid
    assert m_solid == pytest.approx(float((rho[model.solid_elements] * w[model.solid_elements]).sum()), rel=1e-12)
    assert 0.25 < m_fluid / total < 0.35
    assert total == pytest.approx(earth.mass(), rel=5e-5)
    assert total == pytest.approx(5.9722e24, rel=5e-4)


# --- Stacey impedance ---------------------------------------------------------------------------------

def _unit_vectors(rng, n):
    v = rng.standard_normal((n, 3))
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _full_tensor(c66):
    """(..., 6, 6) Voigt -> (..., 3, 3, 3, 3) c_ijkl (minor and major symmetries filled)."""
    c = np.zeros(c66.shape[:-2] + (3, 3, 3, 3))
    for p, (i, j) in enumerate(VOIGT_PAIRS):
        for q, (k, l) in enumerate(VOIGT_PAIRS):
            for a, b in ((i, j), (j, i)):
                for cc, d in ((k, l), (l, k)):
                    c[..., a, b, cc, d] = c66[..., p, q]
    return c


def _sym_sqrt(m):
    """Square root of symmetric positive semi-definite matrices (..., 3, 3) by eigen-decomposition."""
    val, vec = np.linalg.eigh(m)
    return (vec * np.sqrt(val)[..., None, :]) @ np.swapaxes(vec, -1, -2)


def _rel(a, b):
    return np.max(np.linalg.norm(a - b, axis=(-2, -1)) / np.linalg.norm(b, axis=(-2, -1)))


N_PTS = 200


def _isotropic_sample(seed=1):
    rng = np.random.default_rng(seed)
    vp = rng.uniform(1500.0, 13000.0, N_PTS)
    vs = vp * rng.uniform(0.3, 0.65, N_PTS)             # vp^2 > 4/3 vs^2 always
    rho = rng.uniform(1000.0, 13000.0, N_PTS)
    return IsotropicElastic(vp=vp, vs=vs, rho=rho), vp, vs, rho, _unit_vectors(rng, N_PTS)


def test_isotropic_impedance_is_stacey():
    """Z = rho (vp n n^T + vs (I - n n^T)) (Stacey 1988) for random vp, vs, rho and unit normals.
    Measured max relative (Frobenius) difference 1.2e-15; tolerance 1e-12. Normal incidence:
    Z n . n = rho vp, measured 1.3e-15 relative, tolerance 1e-12; a tangential t: Z t . t = rho vs,
    tolerance 1e-12 (measured ~1e-15)."""
    law, vp, vs, rho, nrm = _isotropic_sample()
    z = impedance(law.stress, law.coefficients(), rho, nrm)
    nn = nrm[:, :, None] * nrm[:, None, :]
    ref = rho[:, None, None] * (vp[:, None, None] * nn + vs[:, None, None] * (np.eye(3) - nn))
    assert z.shape == (N_PTS, 3, 3)
    assert _rel(z, ref) < 1e-12
    znn = np.einsum("pij,pi,pj->p", z, nrm, nrm)
    np.testing.assert_allclose(znn, rho * vp, rtol=1e-12)
    # a tangential vector sees the S impedance rho vs
    t = np.cross(nrm, _unit_vectors(np.random.default_rng(7), N_PTS))
    t /= np.linalg.norm(t, axis=-1, keepdims=True)
    np.testing.assert_allclose(np.einsum("pij,pi,pj->p", z, t, t), rho * vs, rtol=1e-12)


def _ti_sample(seed=2):
    rng = np.random.default_rng(seed)
    vpv = rng.uniform(5000.0, 12000.0, N_PTS)
    vph = vpv * rng.uniform(0.95, 1.05, N_PTS)
    vsv = vpv * rng.uniform(0.5, 0.6, N_PTS)
    vsh = vsv * rng.uniform(0.95, 1.08, N_PTS)
    eta = rng.uniform(0.85, 1.0, N_PTS)
    rho = rng.uniform(2500.0, 6000.0, N_PTS)
    axis = _unit_vectors(rng, N_PTS)
    law = TransverselyIsotropic(vpv=vpv, vph=vph, vsv=vsv, vsh=vsh, eta=eta, rho=rho, axis=axis)
    return law, dict(vpv=vpv, vph=vph, vsv=vsv, vsh=vsh, eta=eta, rho=rho), axis, _unit_vectors(rng, N_PTS)


def _rotation_to(axis):
    """Rotations R (..., 3, 3) with R e_z = axis: columns (u, v, axis), orthonormal, right-handed."""
    helper = np.where(np.abs(axis[..., 2:3]) < 0.9, [0.0, 0.0, 1.0], [1.0, 0.0, 0.0])
    u = np.cross(helper, axis)
    u /= np.linalg.norm(u, axis=-1, keepdims=True)
    v = np.cross(axis, u)
    return np.stack([u, v, axis], axis=-1)


def test_transversely_isotropic_impedance_from_the_full_tensor():
    """Z = rho sqrt(Gamma) = sqrt(rho c_ijkl n_j n_l) with c_ijkl built independently: the law's local
    Voigt matrix expanded to the fourth-order tensor and rotated so its z axis is the random symmetry
    axis. Measured max relative (Frobenius) difference 2.2e-15; tolerance 1e-12. Z must be symmetric
    (measured 1.6e-16 relative, tolerance 1e-13) and positive definite (smallest eigenvalue /
    (rho min(vsv, vsh)) measured 0.95, asserted > 0.5). The TI reference differs from the isotropic
    formula with (vpv, vsv) by 5.2e-2 (asserted > 1e-2, so the comparison is not vacuous). Along the
    axis the P impedance is rho vpv and the S impedance rho vsv (measured 1.6e-15, tolerance 1e-12).

    (The module docstring writes Z = sqrt(rho Gamma) with Gamma = c n n / rho; the code computes, and
    the isotropic formula needs, Z = rho sqrt(Gamma) = sqrt(rho c n n), which is tested here.)"""
    law, p, axis, nrm = _ti_sample()
    rho = p["rho"]
    c_local = _full_tensor(local_voigt(*love_parameters(*(p[k] for k in ("vpv", "vph", "vsv", "vsh", "eta", "rho")))))
    rot = _rotation_to(axis)
    c = np.einsum("pia,pjb,pkc,pld,pabcd->pijkl", rot, rot, rot, rot, c_local)
    rho_gamma = np.einsum("pijkl,pj,pl->pik", c, nrm, nrm)       # rho Gamma_ik = c_ijkl n_j n_l
    ref = _sym_sqrt(rho[:, None, None] * rho_gamma)
    z = impedance(law.stress, law.coefficients(), rho, nrm)
    assert _rel(z, ref) < 1e-12
    assert _rel(z, np.swapaxes(z, -1, -2)) < 1e-13
    eig = np.linalg.eigvalsh(z)
    vs_min = np.minimum(p["vsv"], p["vsh"])
    assert np.all(eig.min(axis=-1) > 0.5 * rho * vs_min)
    # the reference is not the isotropic formula: the TI tensor changes Z by 5e-2
    iso = IsotropicElastic(vp=p["vpv"], vs=p["vsv"], rho=rho)
    z_iso = impedance(iso.stress, iso.coefficients(), rho, nrm)
    assert _rel(z_iso, ref) > 1e-2
    # normal along the symmetry axis: P impedance rho vpv, S impedance rho vsv
    z_ax = impedance(law.stress, law.coefficients(), rho, axis)
    np.testing.assert_allclose(np.einsum("pij,pi,pj->p", z_ax, axis, axis), rho * p["vpv"], rtol=1e-12)
    u = rot[..., 0]
    np.testing.assert_allclose(np.einsum("pij,pi,pj->p", z_ax, u, u), rho * p["vsv"], rtol=1e-12)
