"""Bad input is refused with a ValueError that names the problem, before any step is run."""

import numpy as np
import pytest

import sem


@pytest.fixture(scope="module")
def mesh():
    return sem.mesh.box((1000.0, 1000.0, 1000.0), (2, 2, 2), order=2)


def good(mesh, **kw):
    return sem.Model.isotropic(mesh, **{**dict(vp=3000.0, vs=1700.0, rho=2500.0), **kw})


@pytest.mark.parametrize("kw, match", [
    (dict(vs=-1.0), "'vs' must be > 0"),
    (dict(vp=0.0), "'vp' must be > 0"),
    (dict(rho=np.nan), "'rho' contains NaN"),
    (dict(vs=2900.0), "bulk modulus"),
])
def test_bad_material(mesh, kw, match):
    with pytest.raises(ValueError, match=match):
        good(mesh, **kw)


def test_bad_shapes(mesh):
    with pytest.raises(ValueError, match=r"parameter 'vp' must be .* shape \(8, 3, 3, 3\)"):
        sem.Model.isotropic(mesh, vp=np.ones((8, 3, 3)), vs=1.0, rho=1.0)
    with pytest.raises(ValueError, match="not positive definite"):
        c = np.eye(6) * 1e10
        c[0, 1] = c[1, 0] = 2e10                      # positive diagonal, indefinite matrix
        sem.Model.anisotropic(mesh, c, 1000.0)
    with pytest.raises(ValueError, match="moment tensor"):
        sem.MomentTensorSource((0, 0, 0), (1, 2, 3), sem.stf.Ricker(1.0))
    with pytest.raises(ValueError, match="receiver position"):
        sem.Receiver((1.0, 2.0))


def test_source_and_receiver_outside(mesh):
    stf = sem.stf.Ricker(5.0)
    inside = sem.ForceSource((500, 500, 500), (0, 0, 1), stf)
    with pytest.raises(ValueError, match=r"source 0 .* outside the mesh"):
        sem.Simulation(mesh, good(mesh), [sem.ForceSource((500, 500, 1200), (0, 0, 1), stf)], duration=1.0)
    with pytest.raises(ValueError, match=r"receiver 1 .* outside the mesh"):
        sem.Simulation(mesh, good(mesh), [inside], [sem.Receiver((1, 1, 1), "A"),
                                                     sem.Receiver((-5, 1, 1), "B")], duration=1.0)
    with pytest.raises(ValueError, match="receiver names must be unique"):
        sem.Simulation(mesh, good(mesh), [inside], [sem.Receiver((1, 1, 1), "A"),
                                                     sem.Receiver((2, 1, 1), "A")], duration=1.0)


@pytest.mark.parametrize("kw, match", [
    (dict(boundaries=["xmin", "moon"]), r"unknown boundary name\(s\) \['moon'\]"),
    (dict(duration=-1.0), "duration"),
    (dict(dt=-0.1), "dt must be a positive"),
    (dict(dt=1.0), "above the stability limit"),
    (dict(backend="fortran"), "unknown backend"),
    (dict(dtype="float16"), "dtype"),
    (dict(record="strain"), "record"),
])
def test_bad_simulation_arguments(mesh, kw, match):
    args = dict(duration=1.0, progress=False)
    args.update(kw)
    with pytest.raises(ValueError, match=match):
        sem.Simulation(mesh, good(mesh), **args)


def test_memory_estimate_refused_before_allocation(mesh):
    recs = [sem.Receiver((100.0 + i, 500.0, 500.0), f"R{i}") for i in range(50)]
    with pytest.raises(MemoryError, match="needs about .* GiB"):
        sem.Simulation(mesh, good(mesh), receivers=recs, duration=1e7, progress=False)


def test_bad_initial_condition_shape(mesh):
    sim = sem.Simulation(mesh, good(mesh), duration=0.01, progress=False)
    with pytest.raises(ValueError, match="initial displacement must have shape"):
        sim.run(initial=(np.zeros((3, 5)), np.zeros((3, 5))))


@pytest.mark.parametrize("make", [lambda: sem.stf.Ricker(-1.0), lambda: sem.stf.Gaussian(-0.5),
                                  lambda: sem.stf.Sampled([0, 1, 1], [0, 1, 2]),
                                  lambda: sem.stf.SmoothedHeaviside(0.0)])
def test_bad_time_functions(make):
    with pytest.raises(ValueError):
        make()
