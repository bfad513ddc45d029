"""The material-law interface shared by every medium.

A law holds its parameters at the GLL points (arrays of shape `shape`, usually (nspec, n, n, n)),
converts them to the coefficients the operator uses, and provides the point-wise stress.
Operators (array reference, Numba, CUDA) are written once against this interface.
"""

from __future__ import annotations

import numpy as np


class ElasticLaw:
    """Base class. Subclasses set `name`, `parameters` (name -> unit) and `coefficient_names`,
    and implement `coefficients()`, `stress()` and `max_velocity()`."""

    name = "abstract"
    parameters: dict[str, str] = {}
    coefficient_names: tuple[str, ...] = ()
    #: field components: 3 for a displacement vector, 1 for the fluid potential
    ncomp = 3
    #: the name of the law's point struct in kernels/*.cuh (the CUDA operator is specialised for it)
    cuda_law: str | None = None

    def __init__(self, **values):
        missing = set(self.parameters) - set(values)
        extra = set(values) - set(self.parameters)
        if missing or extra:
            raise ValueError(f"{self.name} law needs parameters {sorted(self.parameters)}; "
                             f"missing {sorted(missing)}, unexpected {sorted(extra)}")
        self.values = {k: np.asarray(v, dtype=np.float64) for k, v in values.items()}
        self.validate()

    @property
    def rho(self) -> np.ndarray:
        return self.values["rho"]

    @property
    def shape(self) -> tuple:
        return self.rho.shape

    def mass_density(self) -> np.ndarray:
        """The coefficient of the mass matrix at the GLL points: rho (kg/m^3) for solids."""
        return self.rho

    def subset(self, elements):
        """The same law restricted to some elements (an index array into the first axis)."""
        return type(self)(**{k: v[elements] for k, v in self.values.items()})

    def validate(self):
        """Raise ValueError naming the first problem: NaN/Inf, non-positive values, bad shapes."""
        for k, v in self.values.items():
            if not np.all(np.isfinite(v)):
                raise ValueError(f"{self.name}: parameter {k!r} contains NaN or Inf "
                                 f"(first at index {np.argwhere(~np.isfinite(v))[0].tolist()})")
        for k in self.positive_parameters():
            v = self.values[k]
            if np.any(v <= 0):
                raise ValueError(f"{self.name}: parameter {k!r} must be > 0 everywhere; "
                                 f"min is {v.min():.6g} at index {np.argwhere(v <= 0)[0].tolist()}")

    def positive_parameters(self):
        return [k for k in self.parameters if k != "axis"]

    def coefficients(self) -> np.ndarray:
        """Operator coefficients, shape (ncoef,) + shape, float64."""
        raise NotImplementedError

    @staticmethod
    def stress(coef, grad):
        """Cauchy stress from the displacement gradient.

        coef : (ncoef, ...) ; grad : (..., 3, 3) with grad[..., a, c] = du_a / dx_c.
        Returns sigma (..., 3, 3). Array-generic (numpy or cupy).
        """
        raise NotImplementedError

    def max_velocity(self) -> np.ndarray:
        """Largest phase velocity at every point (m/s), shape `shape`; sets the time step."""
        raise NotImplementedError


def strain(grad):
    """Symmetric part of a gradient (..., 3, 3)."""
    return 0.5 * (grad + grad.swapaxes(-1, -2))
