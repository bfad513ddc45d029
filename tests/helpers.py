"""Shared test fixtures that are plain functions (importable as `helpers`)."""

import numpy as np


def wavy(x, amplitude=1.0):
    """A smooth map of the unit box onto a curved body (every element stays valid), (..., 3) -> (..., 3)."""
    out = x.copy()
    out[..., 0] += amplitude * 0.06 * np.sin(2.0 * x[..., 1]) * np.sin(1.5 * x[..., 2])
    out[..., 1] += amplitude * 0.05 * np.sin(1.7 * x[..., 2] + 0.3)
    out[..., 2] += amplitude * 0.04 * np.cos(1.3 * x[..., 0]) * x[..., 2]
    return out


def relative_l2(a, b):
    """||a - b|| / ||b|| over the last axis, any leading shape."""
    return np.linalg.norm(a - b, axis=-1) / np.linalg.norm(b, axis=-1)


def coupled_energy(sim):
    """The solid and fluid energies of a coupled run's fields, for use in a callback:
    returns f(fields) -> (1/2 v.M_s v + 1/2 u.K_s u, 1/2 chi_ddot.M_f chi_ddot + 1/2 chi_dot.K_f chi_dot)
    (J; the fluid's in the potential's units), from the reference operators of `sim`'s domains."""
    from sem.operators.reference import ReferenceOperator

    k_s = ReferenceOperator.build(sim.solid.mesh, sim.solid.law)
    k_f = ReferenceOperator.build(sim.fluid.mesh, sim.fluid.law)
    m_s, m_f = sim.solid.mass(), sim.fluid.mass()

    def energy(fields):
        u, v, b, psi = (np.asarray(fields[k]) for k in ("u", "v", "chi_ddot", "chi_dot"))
        return (0.5 * np.sum(m_s * v * v) + 0.5 * np.sum(u * k_s.internal_forces(u)),
                0.5 * np.sum(m_f * b * b) + 0.5 * np.sum(psi * k_f.internal_forces(psi)))
    return energy


# ---- periodic boxes (tori): plane waves with no face to reflect them -----------------------------

def periodic_boxes(boxes, order, gap=1.0):
    """One mesh of several boxes [0, size] (each given as (size, elements), set side by side along x
    with `gap` m between them), each periodic in x, y and z on its own: the GLL lattice index along
    each axis is taken modulo its number of intervals, so the last face of every axis is numbered as
    the first, and no two boxes share a point. Returns the mesh, the boxes' origins and the ranges
    of their global point numbers."""
    import sem
    x = sem.basis.gll_points(order)
    n = order + 1
    coords, ibool, origins, ranges, x0, first = [], [], [], [], 0.0, 0
    for size, elements in boxes:
        origin = np.array([x0, 0.0, 0.0])
        edges = [origin[d] + np.linspace(0.0, size[d], elements[d] + 1) for d in range(3)]
        gl = [0.5 * (e[:-1, None] * (1 - x) + e[1:, None] * (1 + x)) for e in edges]
        ex, ey, ez = (a.ravel() for a in np.meshgrid(*[np.arange(m) for m in elements], indexing="ij"))
        c = np.empty((len(ex), n, n, n, 3))
        c[..., 0] = gl[0][ex][:, :, None, None]
        c[..., 1] = gl[1][ey][:, None, :, None]
        c[..., 2] = gl[2][ez][:, None, None, :]
        m = [elements[d] * order for d in range(3)]
        local = np.arange(n)
        gi = ((ex[:, None] * order + local) % m[0])[:, :, None, None]
        gj = ((ey[:, None] * order + local) % m[1])[:, None, :, None]
        gk = ((ez[:, None] * order + local) % m[2])[:, None, None, :]
        coords.append(c)
        ibool.append(first + (gi * m[1] + gj) * m[2] + gk)
        origins.append(origin)
        ranges.append(slice(first, first + m[0] * m[1] * m[2]))
        first += m[0] * m[1] * m[2]
        x0 += size[0] + gap
    mesh = sem.mesh.Mesh(np.concatenate(coords), order, side_sets={}, ibool=np.concatenate(ibool))
    return mesh, origins, ranges


# ---- random, valid materials on a curved mesh (operator tests of every backend) ---------------

def curved_box(order, elements=(2, 3, 2)):
    """A small box (1 x 1.2 x 0.9 m) under a smooth deformation: every element curved."""
    import sem

    def deform(x):
        y = x.copy()
        y[..., 0] += 0.06 * np.sin(2.0 * x[..., 1]) * np.cos(1.3 * x[..., 2])
        y[..., 1] += 0.05 * np.sin(1.7 * x[..., 2] + x[..., 0])
        y[..., 2] += 0.04 * np.cos(2.2 * x[..., 0]) * (1.0 + x[..., 1])
        return y
    return sem.mesh.box(size=(1.0, 1.2, 0.9), elements=elements, order=order, deform=deform)


def isotropic(shape, rng):
    from sem.physics.isotropic import IsotropicElastic
    vs = 1500.0 + 500.0 * rng.random(shape)
    return IsotropicElastic(vp=vs * (1.8 + 0.3 * rng.random(shape)), vs=vs, rho=2000.0 + 1000.0 * rng.random(shape))


def transverse(shape, rng):
    from sem.physics.transverse import TransverselyIsotropic

    def r(lo, hi):
        return lo + (hi - lo) * rng.random(shape)
    return TransverselyIsotropic(vpv=r(5800, 6200), vph=r(5900, 6400), vsv=r(3300, 3500), vsh=r(3400, 3700),
                                 eta=r(0.85, 1.0), rho=r(2600, 3300), axis=rng.standard_normal(shape + (3,)))


def anisotropic(shape, rng):
    from sem.physics.anisotropic import CIJ_NAMES, Anisotropic21, upper_triangle
    mandel = np.array([1.0, 1.0, 1.0, np.sqrt(2.0), np.sqrt(2.0), np.sqrt(2.0)])
    b = rng.standard_normal(shape + (6, 6))
    m = (b @ b.swapaxes(-1, -2) + 6.0 * np.eye(6)) * 5e9          # positive-definite Mandel matrices
    c66 = m / (mandel[:, None] * mandel[None, :])                  # Voigt form
    c21 = upper_triangle(c66)
    return Anisotropic21(rho=2500.0 + 500.0 * rng.random(shape), **dict(zip(CIJ_NAMES, c21)))


def acoustic(shape, rng):
    from sem.physics.acoustic import Acoustic
    return Acoustic(vp=1000.0 + 800.0 * rng.random(shape), rho=800.0 + 12000.0 * rng.random(shape))


LAWS = {"isotropic": isotropic, "transverse": transverse, "anisotropic21": anisotropic}
