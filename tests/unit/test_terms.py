"""Every linear term of a time step and its transpose: <A x, y> = <x, A^T y> on every backend
(numpy, numba; cupy where a GPU is seen).

Random x and y (float64) on a curved mesh with random material; the two inner products must agree
to 1e-12 of their size (rounding of sums of ~1e4 terms is ~1e-14). A wrong sign, a missing block
or a transposed index in any `transpose` breaks the identity at order 1.
"""

import numpy as np
import pytest

import sem
from helpers import LAWS, acoustic, curved_box
from sem.backend import get_backend, gpu_available
from sem.physics.absorbing import AbsorbingBoundary
from sem.physics.coupling import Coupling
from sem.solver import terms as T

GPU = pytest.param("cupy", marks=[pytest.mark.gpu, pytest.mark.skipif(not gpu_available(), reason="no CUDA device")])
BACKENDS = ["numpy", "numba", GPU]
TOL = 1e-12


def host(a):
    return tuple(host(x) for x in a) if isinstance(a, tuple) else (a.get() if hasattr(a, "get") else np.asarray(a))


def dot(a, b):
    if isinstance(a, tuple):
        return sum(dot(x, y) for x, y in zip(a, b))
    return float(np.vdot(host(a).ravel(), host(b).ravel()))


def check(term, x, y, zeros_out, zeros_in):
    """<A x, y> against <x, A^T y> for host arrays x, y moved to the term's backend; zeros_out() and
    zeros_in() make zeroed host arrays shaped like y and x."""
    be = getattr(term, "backend", None) or getattr(term.operator, "backend", None)
    dev = (lambda a: tuple(dev(v) for v in a) if isinstance(a, tuple) else be.asarray(a)) if be else (lambda a: a)
    x, y = dev(x), dev(y)
    zo, zi = zeros_out, zeros_in
    zeros_out, zeros_in = (lambda: dev(zo())), (lambda: dev(zi()))
    ax = zeros_out()
    term.forward(x, ax)
    aty = zeros_in()
    term.transpose(y, aty)
    lhs, rhs = dot(ax, y), dot(x, aty)
    scale = max(abs(lhs), abs(rhs))
    assert scale > 0, "the term did nothing"
    assert abs(lhs - rhs) <= TOL * scale, (lhs, rhs)
    return lhs


@pytest.fixture(scope="module")
def mesh():
    return curved_box(3, (3, 2, 2))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("law_name", ["isotropic", "transverse", "anisotropic21", "acoustic"])
def test_internal_forces(mesh, backend, law_name):
    rng = np.random.default_rng(1)
    law = acoustic(mesh.ibool.shape, rng) if law_name == "acoustic" else LAWS[law_name](mesh.ibool.shape, rng)
    be = get_backend(backend, np.float64)
    term = T.InternalForces(be.operator(mesh, law), "u", "a")
    term.backend = be
    shape = (law.ncomp, mesh.nglob)
    x, y = rng.standard_normal(shape), rng.standard_normal(shape)
    check(term, x, y, lambda: np.zeros(shape), lambda: np.zeros(shape))


@pytest.fixture(scope="module")
def solid_fluid():
    mesh = sem.mesh.box((1000.0, 1000.0, 1000.0), (4, 4, 4), order=3)
    centre = mesh.coords.mean(axis=(1, 2, 3))
    fluid_el = np.flatnonzero(np.all(np.abs(centre - 500.0) < 260.0, axis=1))
    solid_el = np.setdiff1d(np.arange(mesh.nspec), fluid_el)
    return mesh.subset(solid_el), mesh.subset(fluid_el)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("on", ["solid", "fluid"])
def test_solid_fluid_coupling(solid_fluid, backend, on):
    solid, fluid = solid_fluid
    be = get_backend(backend, np.float64)
    term = T.SolidFluidCoupling(be, Coupling(solid, fluid), on)
    rng = np.random.default_rng(2)
    s_shape, f_shape = (3, solid.nglob), (1, fluid.nglob)
    x_shape, y_shape = (f_shape, s_shape) if on == "solid" else (s_shape, f_shape)
    x, y = rng.standard_normal(x_shape), rng.standard_normal(y_shape)
    check(term, x, y, lambda: np.zeros(y_shape), lambda: np.zeros(x_shape))


def test_coupling_sides_are_transposes_of_each_other(solid_fluid):
    """The fluid side applies -C^T: its forward equals minus the transpose of the solid side."""
    solid, fluid = solid_fluid
    be = get_backend("numpy", np.float64)
    cpl = Coupling(solid, fluid)
    u = np.random.default_rng(3).standard_normal((3, solid.nglob))
    a, b = np.zeros((1, fluid.nglob)), np.zeros((1, fluid.nglob))
    T.SolidFluidCoupling(be, cpl, "fluid").forward(u, a)
    T.SolidFluidCoupling(be, cpl, "solid").transpose(u, b)
    assert np.abs(a).max() > 0
    np.testing.assert_allclose(a, -b, rtol=0, atol=1e-14 * np.abs(a).max())


@pytest.mark.parametrize("backend", BACKENDS)
def test_absorbing_solve(backend):
    mesh = sem.mesh.box((1000.0, 800.0, 600.0), (3, 2, 2), order=4)
    model = sem.Model.isotropic(mesh, vp=lambda x: 3000 + x[..., 0], vs=1700.0, rho=2500.0)
    be = get_backend(backend, np.float64)
    sides = [n for n in mesh.outer_sides if n != mesh.free_surface]
    boundary = AbsorbingBoundary(mesh, model.law, sides)
    mass = mesh.assemble(model.law.rho * mesh.quadrature_weights)
    term = T.AbsorbingSolve(be, boundary, mass, dt=2e-3)
    rng = np.random.default_rng(4)
    shape = (3, mesh.nglob)
    x = (rng.standard_normal(shape), rng.standard_normal(shape))
    y = rng.standard_normal(shape)
    check(term, x, y, lambda: np.zeros(shape), lambda: (np.zeros(shape), np.zeros(shape)))
    if be.xp is not np:
        return
    # the damped nodes really are changed, the others kept
    ax = np.zeros(shape)
    term.forward(x, ax)
    assert np.abs(ax[:, boundary.idx] - x[0][:, boundary.idx]).max() > 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_point_forcing_sources(backend):
    mesh = curved_box(4)
    be = get_backend(backend, np.float64)
    srcs = [sem.ForceSource((0.3, 0.5, 0.4), (1.0, -2.0, 0.5), sem.stf.Ricker(10.0)),
            sem.MomentTensorSource((0.7, 0.6, 0.5), (1, 2, 3, 0.4, 0.5, 0.6), sem.stf.Ricker(10.0)),
            sem.ForceSource((0.31, 0.52, 0.41), (0.0, 0.0, 1.0), sem.stf.Ricker(10.0))]   # same element
    sa = sem.sources.SourceArray(mesh, srcs)
    term = T.PointForcing(be, sa.idx, sa.w, sa.owner, len(srcs))
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal(len(srcs)), rng.standard_normal((3, mesh.nglob))
    check(term, x, y, lambda: np.zeros((3, mesh.nglob)), lambda: np.zeros(len(srcs)))


@pytest.mark.parametrize("backend", BACKENDS)
def test_point_forcing_receivers_record_is_the_transpose(backend):
    """Receivers as point forcing: the interpolation path (recording) equals the generic transpose,
    and the adjoint-source direction (forward) is its transpose."""
    mesh = curved_box(4)
    be = get_backend(backend, np.float64)
    recs = [sem.Receiver((0.2, 0.3, 0.8), "A"), sem.Receiver((0.8, 1.0, 0.1), "B"), sem.Receiver((0.5, 0.5, 0.5), "C")]
    ra = sem.receivers.ReceiverArray(mesh, recs)
    term = T.PointForcing.interpolation(be, ra.idx, ra.w)
    rng = np.random.default_rng(6)
    x, y = rng.standard_normal(3 * len(recs)), rng.standard_normal((3, mesh.nglob))
    check(term, x, y, lambda: np.zeros((3, mesh.nglob)), lambda: np.zeros(3 * len(recs)))
    if be.xp is not np:
        return
    fast = np.zeros(3 * len(recs))
    term.transpose(y, fast)
    generic = np.zeros(3 * len(recs))
    T.PointForcing(be, *term.flat_host(), term.ngroups).transpose(y, generic)
    np.testing.assert_allclose(fast, generic, rtol=1e-13, atol=0)
    seis = np.zeros((4, 3, len(recs)))
    term.record(seis, y, 2)
    np.testing.assert_allclose(seis[2].T.ravel(), fast, rtol=1e-13, atol=0)
    # recording interpolates: a linear field is reproduced exactly at the receivers
    g = mesh.global_coords
    lin = np.stack([g[:, 0] + 2 * g[:, 1], g[:, 2], 3 * g[:, 0] - g[:, 2]])
    vals = np.zeros(3 * len(recs))
    term.transpose(lin, vals)
    pos = np.array([r.position for r in recs])
    want = np.stack([pos[:, 0] + 2 * pos[:, 1], pos[:, 2], 3 * pos[:, 0] - pos[:, 2]], axis=1).ravel()
    np.testing.assert_allclose(vals, want, rtol=1e-10)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("which", ["predict", "correct"])
def test_newmark_passes(backend, which):
    be = get_backend(backend, np.float64)
    rng = np.random.default_rng(7)
    n = 50
    shape = (3, n)
    if which == "predict":
        term = T.NewmarkPredict(be, ("u", "v", "a"), dt=0.3)
    else:
        term = T.NewmarkCorrect(be, ("u", "v", "a"), be.asarray(1.0 / (1.0 + rng.random(n))), dt=0.3,
                                flag=be.new_flag())
    x = tuple(rng.standard_normal(shape) for _ in range(3))
    y = tuple(rng.standard_normal(shape) for _ in range(3))

    def zeros():
        return tuple(np.zeros(shape) for _ in range(3))
    check(term, x, y, zeros, zeros)
    # forward is the pass the backend runs on a state
    state = sem.State(be, {k: be.asarray(v.copy()) for k, v in zip("uva", x)}, {k: n for k in "uva"}, step=3)
    state.counter = be.step_counter(3)
    term.apply(state)
    out = tuple(be.asarray(o) for o in zeros())
    term.forward(tuple(be.asarray(v) for v in x), out)
    for k, o in zip("uva", out):
        if which == "predict" and k == "a":
            assert np.all(host(state[k]) == 0)                  # a is zeroed for the residual
        else:
            np.testing.assert_allclose(host(state[k]), host(o), rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("law_name", ["isotropic", "transverse", "anisotropic21"])
def test_internal_forces_with_memory_variables(mesh, law_name):
    """The attenuating step (u, memory) -> (K u, memory') and its transpose (reference path)."""
    from sem.physics.attenuating import Attenuating
    rng = np.random.default_rng(3)
    shape = mesh.ibool.shape
    base = LAWS[law_name](shape, rng)
    law = Attenuating(base, 20.0 + 300.0 * rng.random(shape), np.where(rng.random(shape) < 0.5, np.inf, 100.0),
                      (0.05, 1.5), n_sls=3)
    law.set_time_step(2e-3)
    be = get_backend("numpy", np.float64)
    term = T.InternalForces(be.operator(mesh, law), "u", "a", memory="memory")
    term.backend = be
    fields, memory = (3, mesh.nglob), (law.state_size, mesh.nspec * mesh.ngll**3)
    x = (rng.standard_normal(fields) * 1e-3, rng.standard_normal(memory) * 1e-3)
    y = (rng.standard_normal(fields), rng.standard_normal(memory) * 1e9)
    zeros = lambda: (np.zeros(fields), np.zeros(memory))                    # noqa: E731
    check(term, x, y, zeros, zeros)
    # each half of the map matters: the memory part alone and the force part alone
    check(term, x, (y[0], 0 * y[1]), zeros, zeros)
    check(term, x, (0 * y[0], y[1]), zeros, zeros)
