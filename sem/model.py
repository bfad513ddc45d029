"""A material model on a mesh: one elastic law with its parameters at every GLL point."""

from __future__ import annotations

import numpy as np

from .mesh.earth_mesh import gll_layers
from .physics.acoustic import Acoustic
from .physics.anisotropic import CIJ_NAMES, Anisotropic21, upper_triangle
from .physics.isotropic import IsotropicElastic
from .physics.transverse import TransverselyIsotropic


def _on_gll(mesh, name, value, trailing=()):
    """A parameter as an array at the GLL points: numbers, callables of coordinates, or arrays."""
    shape = mesh.coords.shape[:4] + tuple(trailing)
    if callable(value):
        value = value(mesh.coords)
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == len(trailing) or arr.shape == tuple(trailing):
        return np.broadcast_to(arr, shape).copy()
    if arr.shape != shape:
        raise ValueError(f"parameter {name!r} must be a number, a callable of coordinates or an array "
                         f"of shape {shape} (nspec, n, n, n{', ...' if trailing else ''}), got {arr.shape}")
    return arr


def _fluid_elements(vs):
    """Elements whose shear velocity is 0 at every GLL point; refuses elements that are partly fluid."""
    zero = (vs == 0).reshape(vs.shape[0], -1)
    fluid = zero.all(axis=1)
    mixed = np.flatnonzero(zero.any(axis=1) & ~fluid)
    if mixed.size:
        raise ValueError(f"element {mixed[0]} is partly fluid (vs = 0 at some of its GLL points only); "
                         "put element faces on solid-fluid boundaries")
    return np.flatnonzero(fluid)


def _quality_factors(mesh, qmu, qkappa, solid_elements):
    """(qmu, qkappa) at the GLL points of the solid elements, or None where neither is given; one
    given alone leaves the other infinite (no loss). Q must be positive (inf: none) everywhere."""
    if qmu is None and qkappa is None:
        return None
    out = []
    for name, q in (("qmu", qmu), ("qkappa", qkappa)):
        arr = _on_gll(mesh, name, np.inf if q is None else q)[solid_elements]
        if np.any(np.isnan(arr)) or np.any(arr <= 0):
            bad = np.argwhere(np.isnan(arr) | (arr <= 0))[0]
            raise ValueError(f"{name} must be positive everywhere (inf: no attenuation); got {float(arr[tuple(bad)]):g} "
                             f"at solid element {int(bad[0])}, point {bad[1:].tolist()}")
        out.append(arr)
    return tuple(out)


class Model:
    """Material on a mesh. Build with `Model.isotropic`, `Model.transversely_isotropic` or
    `Model.anisotropic`.

    `model.law` is the law of the solid elements and `model.solid_elements` their indices (all
    elements unless there is fluid); `model.fluid_law` (an Acoustic law) and `model.fluid_elements`
    describe the fluid elements (vs = 0), or are None / empty. `model.q` is (qmu, qkappa) at the
    GLL points of the solid elements (shape of the law's parameters; inf: no loss), or None for an
    elastic model; the velocities are then phase velocities at the attenuation's reference
    frequency. The fluid stays elastic.
    """

    def __init__(self, mesh, law, solid_elements=None, fluid_law=None, fluid_elements=None, q=None):
        self.mesh = mesh
        self.solid_elements = np.arange(mesh.nspec) if solid_elements is None else np.asarray(solid_elements)
        self.fluid_elements = np.zeros(0, dtype=np.int64) if fluid_elements is None else np.asarray(fluid_elements)
        n = mesh.ngll
        for name, lw, elems in (("solid", law, self.solid_elements), ("fluid", fluid_law, self.fluid_elements)):
            if lw is not None and lw.shape != (len(elems), n, n, n):
                raise ValueError(f"{name} law parameters have shape {lw.shape}, expected {(len(elems), n, n, n)}")
        if len(self.solid_elements) + len(self.fluid_elements) != mesh.nspec:
            raise ValueError("solid and fluid elements must together be every element of the mesh once")
        self.law = law
        self.fluid_law = fluid_law
        if q is not None:
            q = tuple(np.asarray(a, dtype=np.float64) for a in q)
            if len(q) != 2 or any(a.shape != law.shape for a in q):
                raise ValueError(f"q must be (qmu, qkappa), each of shape {law.shape}")
        self.q = q

    @property
    def has_q(self) -> bool:
        """Whether the model carries quality factors (an attenuating run needs them)."""
        return self.q is not None

    @property
    def has_fluid(self) -> bool:
        return len(self.fluid_elements) > 0

    @property
    def rho(self):
        """Density at the GLL points of every element, (nspec, n, n, n)."""
        out = np.empty(self.mesh.coords.shape[:4])
        out[self.solid_elements] = self.law.rho
        if self.has_fluid:
            out[self.fluid_elements] = self.fluid_law.rho
        return out

    def max_velocity(self) -> np.ndarray:
        """Largest wave speed at the GLL points of every element, (nspec, n, n, n), m/s."""
        out = np.empty(self.mesh.coords.shape[:4])
        out[self.solid_elements] = self.law.max_velocity()
        if self.has_fluid:
            out[self.fluid_elements] = self.fluid_law.max_velocity()
        return out

    @classmethod
    def _with_fluid(cls, mesh, vals, solid_law, qmu=None, qkappa=None):
        """A model whose elements with vs = 0 everywhere are fluid; `solid_law(index)` builds the
        solid law on the other elements (index: the solid element indices)."""
        fluid = _fluid_elements(vals["vs"])
        solid = np.arange(mesh.nspec) if fluid.size == 0 else np.setdiff1d(np.arange(mesh.nspec), fluid)
        q = _quality_factors(mesh, qmu, qkappa, solid)
        if fluid.size == 0:
            return cls(mesh, solid_law(slice(None)), q=q)
        return cls(mesh, solid_law(solid), solid_elements=solid,
                   fluid_law=Acoustic(vp=vals["vp"][fluid], rho=vals["rho"][fluid]), fluid_elements=fluid, q=q)

    @classmethod
    def isotropic(cls, mesh, vp, vs, rho, qmu=None, qkappa=None):
        """vp, vs in m/s and rho in kg/m^3: numbers, callables f(coords (..., 3)) or (nspec, n, n, n) arrays.
        Elements with vs = 0 at all their points are fluid (acoustic, in the potential formulation).
        qmu, qkappa: shear and bulk quality factors in the same forms (None: none given; one alone
        leaves the other infinite); with them the velocities are phase velocities at the
        attenuation's reference frequency (1 Hz unless `sem.Attenuation` says otherwise)."""
        vals = {k: _on_gll(mesh, k, v) for k, v in dict(vp=vp, vs=vs, rho=rho).items()}
        return cls._with_fluid(mesh, vals, lambda idx: IsotropicElastic(**{k: v[idx] for k, v in vals.items()}),
                               qmu, qkappa)

    @classmethod
    def from_earth(cls, mesh, earth, isotropic: bool = False):
        """A 1-D Earth model (sem.earth) on a mesh built for it (one that knows each element's earth
        layer, `mesh.earth_info.element_layer`, so every element is evaluated on its side of each
        discontinuity, and point by point where an element crosses a discontinuity the mesh leaves out).

        Transversely isotropic models get a radial symmetry axis; `isotropic=True` uses their
        isotropic (Voigt) equivalents. The fluid layers (vs = 0) become fluid elements.
        """
        if mesh.earth_info is None:
            raise ValueError("Model.from_earth needs a mesh made for an Earth model (e.g. sem.mesh.cubed_sphere), "
                             "which records the earth layer of every element")
        r = np.linalg.norm(mesh.coords, axis=-1)
        vals = earth.evaluate(r, layer=gll_layers(mesh, earth))
        q = {}
        if "qmu" in vals and not np.isnan(vals["qmu"]).any() and not np.isnan(vals["qkappa"]).any():
            q = dict(qmu=vals["qmu"], qkappa=vals["qkappa"])       # the model's Q (NaN: unknown, none)
        if not earth.is_transversely_isotropic or isotropic:
            return cls.isotropic(mesh, vp=vals["vp"], vs=vals["vs"], rho=vals["rho"], **q)
        # radial symmetry axis (any axis at the centre of the Earth, where the model is isotropic)
        axis = np.where(r[..., None] > 0, mesh.coords / np.maximum(r, 1e-300)[..., None], [0.0, 0.0, 1.0])
        names = ("vpv", "vph", "vsv", "vsh", "eta", "rho")
        return cls._with_fluid(mesh, vals, lambda idx: TransverselyIsotropic(
            axis=axis[idx], **{k: vals[k][idx] for k in names}), **q)

    @classmethod
    def transversely_isotropic(cls, mesh, vpv, vph, vsv, vsh, eta, rho, axis=(0.0, 0.0, 1.0), qmu=None,
                               qkappa=None):
        """Radial anisotropy (m/s, 1, kg/m^3) about `axis`: a 3-vector, a callable or (nspec, n, n, n, 3);
        qmu, qkappa as in `isotropic`."""
        vals = {k: _on_gll(mesh, k, v) for k, v in
                dict(vpv=vpv, vph=vph, vsv=vsv, vsh=vsh, eta=eta, rho=rho).items()}
        solid = np.arange(mesh.nspec)
        return cls(mesh, TransverselyIsotropic(axis=_on_gll(mesh, "axis", axis, (3,)), **vals),
                   q=_quality_factors(mesh, qmu, qkappa, solid))

    @classmethod
    def anisotropic(cls, mesh, c, rho, qmu=None, qkappa=None):
        """Full anisotropy. c: a (6, 6) Voigt matrix (Pa), a dict c11..c66, a callable returning
        (..., 6, 6), or an array (nspec, n, n, n, 6, 6); qmu, qkappa as in `isotropic`."""
        if isinstance(c, dict):
            cij = {k: _on_gll(mesh, k, c[k]) for k in CIJ_NAMES}
        else:
            c66 = _on_gll(mesh, "c", c, (6, 6))
            if not np.allclose(c66, np.swapaxes(c66, -1, -2), rtol=1e-12, atol=0):
                raise ValueError("the 6x6 Voigt matrix c must be symmetric")
            cij = dict(zip(CIJ_NAMES, upper_triangle(c66)))
        return cls(mesh, Anisotropic21(rho=_on_gll(mesh, "rho", rho), **cij),
                   q=_quality_factors(mesh, qmu, qkappa, np.arange(mesh.nspec)))

    def __repr__(self):
        fluid = f", {len(self.fluid_elements)} fluid elements" if self.has_fluid else ""
        return f"Model({self.law.name}, nspec={self.mesh.nspec}{fluid})"
