"""Any solid law made visco-elastic: its stress plus an isotropic SLS relaxation with memory variables.

What attenuates (every law, one rule): the isotropic part of the elastic tensor, its Voigt-average
shear modulus mu_V = (C11 + C22 + C33 - C12 - C13 - C23 + 3 (C44 + C55 + C66)) / 15 with Q_mu on the
deviatoric strain and its bulk modulus kappa_V = (C11 + C22 + C33 + 2 (C12 + C13 + C23)) / 9 with
Q_kappa on the trace; the anisotropic remainder is elastic. For an isotropic law that is exactly
Q_mu on mu and Q_kappa on kappa. The rule is rotation-invariant (the same for a TI medium whatever
its axis, and for any 21-Cij tensor) and reduces to the isotropic one as the anisotropy vanishes.
(SPECFEM3D_GLOBE relaxes TI elements with the modulus L = rho vsv^2 alone; with the Voigt average
the relaxed shear modulus is a mean of L and N, and each wave of a weakly anisotropic medium sees
nearly the isotropic Q.) The model's tensor is the one at the reference frequency; the unrelaxed
tensor is it plus an isotropic increment (d_lambda, d_mu) from sem.physics.attenuation:

    sigma(n) = sigma_law(eps; C_ref) + d_lambda tr(eps) I + 2 d_mu eps - sum_l (z_l + y_l I),
    z_l = 2 dmu_l (s_l + B_l dev eps),   y_l = dkappa_l (t_l + B_l tr eps),
    s_l <- a_l (s_l + B_l dev eps) + (A_l - B_l) dev eps,  t_l likewise with tr eps,

with s_l (5 values: xx, yy, xy, xz, yz of a deviatoric tensor; zz = -xx - yy) and t_l (1 value)
the memory variables in strain units (the stress memory z_l / (2 dmu_l) of the module docstring of
sem.physics.attenuation, so a point with Q = inf just carries them), read and written once per
step. Per-point state: 6 n_sls values, in the order (s_xx, s_yy, s_xy, s_xz, s_yz, t) per solid.

Every evaluation of the stress advances the memory variables by one step: an operator with this
law's state is the time step's, never a diagnostic one (use `law.elastic()` for those: the
unrelaxed elastic law, which also sets the stability limit).
"""

from __future__ import annotations

import functools

import numba
import numpy as np

from ..basis import array_module
from .attenuation import isotropic_relaxation, step_coefficients
from .law import SolidLaw, strain

#: memory variables per standard linear solid and point
STATE_PER_SLS = 6


def voigt_averages(c66):
    """(mu_V, kappa_V) of Voigt matrices (..., 6, 6), Pa."""
    c = np.asarray(c66)
    diag = c[..., 0, 0] + c[..., 1, 1] + c[..., 2, 2]
    off = c[..., 0, 1] + c[..., 0, 2] + c[..., 1, 2]
    shear = c[..., 3, 3] + c[..., 4, 4] + c[..., 5, 5]
    return (diag - off + 3.0 * shear) / 15.0, (diag + 2.0 * off) / 9.0


class Attenuating(SolidLaw):
    """`base` (an elastic SolidLaw, its moduli at the reference frequency) with constant Q_mu, Q_kappa
    (arrays of base.shape; inf: none) approximated by `n_sls` solids over the period `band`.

    `set_time_step(dt)` must be called before the stress is evaluated (the step coefficients)."""

    kind = "solid"
    ncomp = 3
    cuda_law = None

    def __init__(self, base, qmu, qkappa, band, n_sls: int = 3, reference_frequency: float = 1.0):
        if not isinstance(base, SolidLaw) or isinstance(base, Attenuating):
            raise TypeError(f"Attenuating wraps an elastic solid law, got {type(base).__name__}")
        self.base, self.band, self.n_sls = base, (float(band[0]), float(band[1])), int(n_sls)
        self.reference_frequency = float(reference_frequency)
        self.values = base.values
        self.qmu, self.qkappa = (np.broadcast_to(np.asarray(q, dtype=np.float64), base.shape) for q in (qmu, qkappa))
        mu_v, kappa_v = voigt_averages(base.voigt_matrix())
        rho = base.rho
        vs = np.sqrt(mu_v / rho)
        vp = np.sqrt((kappa_v + 4.0 / 3.0 * mu_v) / rho)
        rel = isotropic_relaxation(rho, vp, vs, self.qmu, self.qkappa, self.band, self.n_sls,
                                   self.reference_frequency)
        self.tau, self.q_error = rel["tau"], rel["q_error"]
        self.d_mu = rel["mu_u"] - mu_v                       # unrelaxed - reference, Pa
        self.d_kappa = rel["kappa_u"] - kappa_v
        self.dmu, self.dkappa = rel["dmu"], rel["dkappa"]    # (n_sls,) + shape
        self.name = f"{base.name}+{self.n_sls}sls"
        self.parameters = dict(base.parameters)
        self.coefficient_names = (base.coefficient_names + ("d_lambda", "2 d_mu")
                                  + tuple(f"2 dmu_{l}" for l in range(self.n_sls))
                                  + tuple(f"dkappa_{l}" for l in range(self.n_sls)))
        self.state_size = STATE_PER_SLS * self.n_sls
        self.numba_point = attenuating_point(type(base).numba_point, len(base.coefficient_names), self.n_sls)
        self.dt = None

    def set_time_step(self, dt: float):
        self.dt = float(dt)

    def step_constants(self, dtype=np.float64) -> np.ndarray:
        """(5, n_sls): a, B, A - B of the exponential integrator over dt, 1/3 and 1/2 (in `dtype`: the
        compiled point function then has no float literals)."""
        if self.dt is None:
            raise ValueError("the attenuating law needs its time step first (set_time_step(dt))")
        a, amb, b = step_coefficients(self.tau, self.dt)
        return np.ascontiguousarray(np.stack([a, b, amb, np.full(self.n_sls, 1.0 / 3.0), np.full(self.n_sls, 0.5)]), dtype=dtype)

    def elastic(self, omega: float = np.inf):
        """The elastic law with the real part of the moduli at the angular frequency omega (rad/s).
        omega = inf: the unrelaxed law, the step's stiffness without the memory variables (it sets
        the stability limit)."""
        if np.isinf(omega):
            return self.base.with_isotropic_increment(self.d_mu, self.d_kappa)
        relax = 1.0 / (1.0 + (omega * self.tau) ** 2)                      # Re 1 / (1 + i omega tau)
        return self.base.with_isotropic_increment(self.d_mu - np.einsum("l,l...->...", relax, self.dmu),
                                                  self.d_kappa - np.einsum("l,l...->...", relax, self.dkappa))

    def coefficients(self):
        d_lambda = self.d_kappa - 2.0 / 3.0 * self.d_mu
        return np.concatenate([self.base.coefficients(), d_lambda[None], 2.0 * self.d_mu[None],
                               2.0 * self.dmu, self.dkappa])

    def mass_density(self):
        return self.base.mass_density()

    def max_velocity(self):
        return self.elastic().max_velocity()

    def subset(self, elements):
        out = Attenuating(self.base.subset(elements), self.qmu[elements], self.qkappa[elements], self.band,
                          self.n_sls, self.reference_frequency)
        out.dt = self.dt
        return out

    def validate(self):
        pass                                                  # the base law validated itself

    def stress(self, coef, grad, state=None):
        """The stress of the step, advancing the memory variables: state = (memory (6 n_sls, ...),
        step constants (5, n_sls)); memory is updated in place. Array-generic."""
        if state is None:
            raise ValueError("the attenuating stress needs its state (memory variables, step constants)")
        mem, k = state
        nb = len(self.base.coefficient_names)
        parts = strain_parts(grad)                                     # (6, ...)
        z = 0.0 * parts
        for l in range(self.n_sls):
            rows = slice(STATE_PER_SLS * l, STATE_PER_SLS * (l + 1))
            x = mem[rows] + k[1, l] * parts
            mem[rows] = k[0, l] * x + k[2, l] * parts
            z = z + self.memory_moduli(coef, l) * x
        eps = strain(grad)
        tr = parts[5]
        out = self.base.stress(coef[:nb], grad) + coef[nb + 1][..., None, None] * eps
        for a in range(3):
            out[..., a, a] += coef[nb] * tr
        return out - memory_embed(z)

    def memory_moduli(self, coef, l):
        """(6, ...) moduli of solid l on its six memory variables: 2 dmu_l (deviator), dkappa_l (trace)."""
        nb = len(self.base.coefficient_names)
        dm, dk = coef[nb + 2 + l], coef[nb + 2 + self.n_sls + l]
        return array_module(coef).stack([dm, dm, dm, dm, dm, dk])


    def transpose_step(self, mesh, ops, f_bar, memory_bar, out_u, out_memory, batch: int = 1024):
        """The transpose of one step (u, s) -> (f, s') of the reference operator `ops` (this law's, on
        `mesh`), with p = strain_parts(grad u), x_l = s_l + B_l p, s'_l = a_l x_l + (A_l - B_l) p,
        f = G^T jw [sigma_U(grad u) - memory_embed(sum_l m_l x_l)]:
            u_bar = K_U f_bar + G^T P^T sum_l [B_l x_bar_l + (A_l - B_l) s'_bar_l],
            s_bar_l = x_bar_l = -m_l embed^T(jw G f_bar) + a_l s'_bar_l.
        f_bar, out_u (3, nglob); memory_bar, out_memory (6 n_sls, nspec * n^3) (mesh order)."""
        from ..operators.reference import (OperatorArrays, add_point_divergence, internal_forces,
                                           point_gradient)
        xp = array_module(f_bar)
        if getattr(self, "_elastic_ops", None) is None:
            self._elastic_ops = OperatorArrays.build(mesh, self.elastic(), xp=xp, dtype=ops.jw.dtype)
        internal_forces(f_bar, self._elastic_ops, out=out_u)
        k = ops.state[1]
        shape = ops.state[0].shape
        mb, om = memory_bar.reshape(shape), out_memory.reshape(shape)
        for start in range(0, ops.ibool.shape[0], batch):
            sl = slice(start, min(start + batch, ops.ibool.shape[0]))
            e = memory_embed_transpose(ops.jw[sl][..., None, None] * point_gradient(f_bar, ops, sl))
            p_bar = 0.0 * e
            for l in range(self.n_sls):
                rows = slice(STATE_PER_SLS * l, STATE_PER_SLS * (l + 1))
                x_bar = -self.memory_moduli(ops.coef[:, sl], l) * e + k[0, l] * mb[rows, sl]
                om[rows, sl] += x_bar
                p_bar = p_bar + k[1, l] * x_bar + k[2, l] * mb[rows, sl]
            add_point_divergence(strain_parts_transpose(p_bar), ops, sl, out_u, weighted=False)
        return out_u, out_memory


def strain_parts(grad):
    """(6, ...) = (dev eps_xx, dev eps_yy, eps_xy, eps_xz, eps_yz, tr eps) of eps = sym(grad),
    grad (..., 3, 3)."""
    tr = grad[..., 0, 0] + grad[..., 1, 1] + grad[..., 2, 2]
    return array_module(grad).stack([grad[..., 0, 0] - tr / 3.0, grad[..., 1, 1] - tr / 3.0, 0.5 * (grad[..., 0, 1] + grad[..., 1, 0]),
                     0.5 * (grad[..., 0, 2] + grad[..., 2, 0]), 0.5 * (grad[..., 1, 2] + grad[..., 2, 1]), tr])


def strain_parts_transpose(c):
    """The tensor field T (..., 3, 3) with sum T : G = sum c . strain_parts(G) for every G; c (6, ...)."""
    t = array_module(c).zeros(c.shape[1:] + (3, 3), dtype=c.dtype)
    mean = (c[0] + c[1]) / 3.0
    t[..., 0, 0] = c[0] - mean + c[5]
    t[..., 1, 1] = c[1] - mean + c[5]
    t[..., 2, 2] = -mean + c[5]
    for v, (i, j) in zip(c[2:5], ((0, 1), (0, 2), (1, 2))):
        t[..., i, j] = t[..., j, i] = 0.5 * v
    return t


def memory_embed(z):
    """The stress (..., 3, 3) of memory stresses z (6, ...): the deviator (z_xx, z_yy, z_xy, z_xz,
    z_yz; zz = -xx - yy) plus z_5 I."""
    t = array_module(z).zeros(z.shape[1:] + (3, 3), dtype=z.dtype)
    t[..., 0, 0] = z[0] + z[5]
    t[..., 1, 1] = z[1] + z[5]
    t[..., 2, 2] = z[5] - z[0] - z[1]
    for v, (i, j) in zip(z[2:5], ((0, 1), (0, 2), (1, 2))):
        t[..., i, j] = t[..., j, i] = v
    return t


def memory_embed_transpose(h):
    """(6, ...) with sum memory_embed(z) : h = sum z . memory_embed_transpose(h); h (..., 3, 3)."""
    return array_module(h).stack([h[..., 0, 0] - h[..., 2, 2], h[..., 1, 1] - h[..., 2, 2], h[..., 0, 1] + h[..., 1, 0],
                     h[..., 0, 2] + h[..., 2, 0], h[..., 1, 2] + h[..., 2, 1],
                     h[..., 0, 0] + h[..., 1, 1] + h[..., 2, 2]])


@functools.lru_cache(maxsize=None)
def attenuating_point(base_point, ncoef_base: int, n_sls: int):
    """The compiled point function of `Attenuating` around a base law's `numba_point` (see
    sem.physics.law); state = (memory (6 n_sls, nspec, npts), constants (5, n_sls))."""
    nb = ncoef_base

    @numba.njit(inline="always")
    def point(coef, state, e, p, g00, g01, g02, g10, g11, g12, g20, g21, g22):
        mem, k = state
        s00, s11, s22, s12, s02, s01 = base_point(coef, mem, e, p, g00, g01, g02, g10, g11, g12, g20, g21, g22)
        tr = g00 + g11 + g22
        third = tr * k[3, 0]
        e00 = g00 - third
        e11 = g11 - third
        half = k[4, 0]
        e01 = (g01 + g10) * half
        e02 = (g02 + g20) * half
        e12 = (g12 + g21) * half
        dl = coef[nb, e, p] * tr
        dm2 = coef[nb + 1, e, p]
        s00 += dl + dm2 * g00
        s11 += dl + dm2 * g11
        s22 += dl + dm2 * g22
        s12 += dm2 * e12
        s02 += dm2 * e02
        s01 += dm2 * e01
        for l in range(n_sls):
            a = k[0, l]
            b = k[1, l]
            amb = k[2, l]
            dm = coef[nb + 2 + l, e, p]
            dk = coef[nb + 2 + n_sls + l, e, p]
            r = 6 * l
            x0 = mem[r, e, p] + b * e00
            x1 = mem[r + 1, e, p] + b * e11
            x2 = mem[r + 2, e, p] + b * e01
            x3 = mem[r + 3, e, p] + b * e02
            x4 = mem[r + 4, e, p] + b * e12
            x5 = mem[r + 5, e, p] + b * tr
            mem[r, e, p] = a * x0 + amb * e00
            mem[r + 1, e, p] = a * x1 + amb * e11
            mem[r + 2, e, p] = a * x2 + amb * e01
            mem[r + 3, e, p] = a * x3 + amb * e02
            mem[r + 4, e, p] = a * x4 + amb * e12
            mem[r + 5, e, p] = a * x5 + amb * tr
            y = dk * x5
            s00 -= dm * x0 + y
            s11 -= dm * x1 + y
            s22 -= y - dm * (x0 + x1)
            s01 -= dm * x2
            s02 -= dm * x3
            s12 -= dm * x4
        return s00, s11, s22, s12, s02, s01

    return point
