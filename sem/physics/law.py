"""The material-law contract shared by every medium, solid or fluid.

A law holds its parameters at the GLL points (arrays of shape `shape`, usually (nspec, n, n, n)),
converts them to the coefficients the operators use, and gives the point-wise stress three ways,
which must agree:

- `stress(coef, grad, state=None)`: array-generic (numpy or cupy), the readable definition used by
  the reference operator (sem.operators.reference);
- `numba_point`: the compiled point function the Numba operator inlines (signature below);
- `cuda_law`: the name of its point struct in kernels/<law>.cuh, which the CUDA operator is
  specialised for (None: the GPU uses the array path).

Point functions carry a per-point state slot (`state`, `state_size` values per point), for laws
that evolve internal variables (memory variables of attenuation); the laws here have none. A law is
one class with its point functions: adding one touches no operator (see docs/architecture.md).

Numba point signature (coef and state are (ncoef, nspec, npts) and (nstate, nspec, npts) arrays,
e the element, p the point within it):
  solid (ncomp 3): numba_point(coef, state, e, p, g00, g01, g02, g10, g11, g12, g20, g21, g22)
      -> (s00, s11, s22, s12, s02, s01), the symmetric stress, g_ac = du_a/dx_c;
  fluid (ncomp 1): numba_point(coef, state, e, p, g0, g1, g2) -> (f0, f1, f2), the flux vector,
      g_c = dchi/dx_c.
"""

from __future__ import annotations

import numpy as np


class MaterialLaw:
    """Base of every law. Subclasses set `name`, `parameters` (name -> unit), `coefficient_names`,
    `numba_point` and `cuda_law`, and implement `coefficients()`, `stress()`, `max_velocity()` and
    `gradient_terms()`; solids derive from `SolidLaw`, fluids from `FluidLaw`."""

    name = "abstract"
    #: "solid" or "fluid"
    kind = "abstract"
    parameters: dict[str, str] = {}
    coefficient_names: tuple[str, ...] = ()
    #: field components: 3 for a displacement vector, 1 for the fluid potential
    ncomp = 3
    #: the compiled point function (see the module docstring); wrap it in staticmethod()
    numba_point = None
    #: the name of the law's point struct in kernels/*.cuh, or None
    cuda_law: str | None = None
    #: evolving values per GLL point that the point functions read and write (0: none)
    state_size = 0

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
    def stress(coef, grad, state=None):
        """Cauchy stress (solid) or flux (fluid) from the field gradient.

        coef : (ncoef, ...) ; grad : (..., ncomp, 3) with grad[..., a, c] = du_a / dx_c;
        state : (state_size, ...) or None. Returns (..., ncomp, 3). Array-generic (numpy or cupy).
        """
        raise NotImplementedError

    def gradient_terms(self, grad_u, grad_adj) -> dict[str, np.ndarray]:
        """Densities of the misfit gradient with respect to each parameter, at the GLL points.

        grad_u, grad_adj : (..., ncomp, 3) gradients of the forward and the adjoint field at the
        points of `shape`. Returns {parameter: d/d(parameter) of (grad_adj : stress(grad_u))}, the
        point-wise derivative of the stiffness bilinear form, each of shape `shape` (per unit
        volume; the adjoint assembles it with the quadrature weights and time steps)."""
        raise NotImplementedError(f"{type(self).__name__} has no gradient_terms yet")

    def max_velocity(self) -> np.ndarray:
        """Largest phase velocity at every point (m/s), shape `shape`; sets the time step."""
        raise NotImplementedError


class SolidLaw(MaterialLaw):
    """An elastic solid: the field is the displacement (3 components), the mass coefficient rho.
    Solids also give their Voigt matrix and the same law with an isotropic increment of the moduli
    (what attenuation needs, sem.physics.attenuating)."""

    kind = "solid"
    ncomp = 3

    def voigt_matrix(self) -> np.ndarray:
        """The elastic tensor as Voigt matrices (..., 6, 6), Pa (in any frame: its invariants are used)."""
        raise NotImplementedError

    def with_isotropic_increment(self, d_mu, d_kappa):
        """The same law with d_mu added to the shear and d_kappa to the bulk modulus (Pa, arrays of
        `shape`): C_ijkl + d_lambda d_ij d_kl + d_mu (d_ik d_jl + d_il d_jk), d_lambda = d_kappa - 2/3 d_mu."""
        raise NotImplementedError


class FluidLaw(MaterialLaw):
    """A fluid in the potential formulation: one component, the flux in place of the stress."""

    kind = "fluid"
    ncomp = 1


def strain(grad):
    """Symmetric part of a gradient (..., 3, 3)."""
    return 0.5 * (grad + grad.swapaxes(-1, -2))


def double_contraction(a, b):
    """a : b = sum_ij a_ij b_ij over the last two axes."""
    return (a * b).sum(axis=(-2, -1))
