"""A material model on a mesh: one elastic law with its parameters at every GLL point."""

from __future__ import annotations

import numpy as np

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


class Model:
    """Material on a mesh. Build with `Model.isotropic`, `Model.transversely_isotropic` or
    `Model.anisotropic`; `model.law` is the elastic law holding the parameters."""

    def __init__(self, mesh, law):
        if law.shape != mesh.coords.shape[:4]:
            raise ValueError(f"law parameters have shape {law.shape}, the mesh needs {mesh.coords.shape[:4]}")
        self.mesh = mesh
        self.law = law

    @property
    def rho(self):
        return self.law.rho

    @classmethod
    def isotropic(cls, mesh, vp, vs, rho):
        """vp, vs in m/s and rho in kg/m^3: numbers, callables f(coords (..., 3)) or (nspec, n, n, n) arrays."""
        vals = {k: _on_gll(mesh, k, v) for k, v in dict(vp=vp, vs=vs, rho=rho).items()}
        return cls(mesh, IsotropicElastic(**vals))

    @classmethod
    def transversely_isotropic(cls, mesh, vpv, vph, vsv, vsh, eta, rho, axis=(0.0, 0.0, 1.0)):
        """Radial anisotropy (m/s, 1, kg/m^3) about `axis`: a 3-vector, a callable or (nspec, n, n, n, 3)."""
        vals = {k: _on_gll(mesh, k, v) for k, v in
                dict(vpv=vpv, vph=vph, vsv=vsv, vsh=vsh, eta=eta, rho=rho).items()}
        return cls(mesh, TransverselyIsotropic(axis=_on_gll(mesh, "axis", axis, (3,)), **vals))

    @classmethod
    def anisotropic(cls, mesh, c, rho):
        """Full anisotropy. c: a (6, 6) Voigt matrix (Pa), a dict c11..c66, a callable returning
        (..., 6, 6), or an array (nspec, n, n, n, 6, 6)."""
        if isinstance(c, dict):
            cij = {k: _on_gll(mesh, k, c[k]) for k in CIJ_NAMES}
        else:
            c66 = _on_gll(mesh, "c", c, (6, 6))
            if not np.allclose(c66, np.swapaxes(c66, -1, -2), rtol=1e-12, atol=0):
                raise ValueError("the 6x6 Voigt matrix c must be symmetric")
            cij = dict(zip(CIJ_NAMES, upper_triangle(c66)))
        return cls(mesh, Anisotropic21(rho=_on_gll(mesh, "rho", rho), **cij))

    def __repr__(self):
        return f"Model({self.law.name}, nspec={self.mesh.nspec})"
