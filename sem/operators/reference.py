"""The spectral-element stiffness operator, reference (array) path.

    f = K u:  gather -> reference gradient -> physical gradient -> law.stress -> weighted flux
              -> divergence (transpose of the gradient) -> scatter-add

It is written once for every elastic law and works with numpy or cupy arrays (`xp` is taken
from the inputs). It loops over batches of elements only, never over elements or GLL points.
This is the oracle that the Numba and CUDA kernels are tested against.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import basis
from ..basis import array_module, reference_divergence, reference_gradient


def scatter_add(out, index, values):
    """out[index] += values, summing repeated indices (out 1-D, index and values flat; numpy or cupy)."""
    xp = array_module(out)
    if xp is np:
        if len(index) * 8 < out.shape[0]:                 # few points: no full-length temporary
            np.add.at(out, index, values)
        else:
            out += np.bincount(index, weights=values, minlength=out.shape[0])
    else:                                              # pragma: no cover - GPU only
        import cupyx
        cupyx.scatter_add(out, index, values)
    return out


@dataclass
class OperatorArrays:
    """What the operator needs of the mesh and material, on the compute device, in one dtype.

    ibool (nspec, n, n, n) int64; inv_jacobian (nspec, n, n, n, 3, 3) as [..., b, a] = dxi_b/dx_a;
    jw (nspec, n, n, n) = |J| w_i w_j w_k; coef (ncoef, nspec, n, n, n); d (n, n) GLL derivative matrix.
    """

    ibool: object
    inv_jacobian: object
    jw: object
    coef: object
    d: object
    stress: object            # the law's point-wise stress(coef, grad, state) function
    nglob: int
    state: object = None      # the law's point state: (memory (nstate, nspec, n, n, n), constants) or None

    @classmethod
    def build(cls, mesh, law, xp=np, dtype=np.float64):
        return cls(ibool=xp.asarray(mesh.ibool),
                   inv_jacobian=xp.asarray(mesh.inv_jacobian, dtype=dtype),
                   jw=xp.asarray(mesh.quadrature_weights, dtype=dtype),
                   coef=xp.asarray(law.coefficients(), dtype=dtype),
                   d=xp.asarray(basis.derivative_matrix(mesh.order), dtype=dtype),
                   stress=law.stress, nglob=mesh.nglob,
                   state=None if not law.state_size else
                   (xp.zeros((law.state_size,) + mesh.coords.shape[:4], dtype=dtype),
                    xp.asarray(law.step_constants(np.float64), dtype=dtype)))


def point_gradient(u, ops: OperatorArrays, sl):
    """du_c/dx_a at the GLL points of the elements `sl`, (nb, n, n, n, ncomp, 3)."""
    xp = array_module(u)
    ue = xp.moveaxis(u[:, ops.ibool[sl]], 0, -1)              # (nb, n, n, n, ncomp)
    dref = reference_gradient(ue, ops.d)                       # (nb, n, n, n, ncomp, 3r)
    return xp.einsum("...cr,...ra->...ca", dref, ops.inv_jacobian[sl])


def add_point_divergence(sigma, ops: OperatorArrays, sl, out, weighted: bool = True):
    """out += G^T (w sigma): the transpose of `point_gradient` applied to a tensor field sigma
    (nb, n, n, n, ncomp, 3) at the points of the elements `sl`, with w = jw (the stiffness: f from
    the stress) or w = 1 (`weighted=False`)."""
    xp = array_module(sigma)
    inv = ops.inv_jacobian[sl]
    flux = xp.einsum("...ca,...ra->...cr", sigma, inv)
    if weighted:
        flux = ops.jw[sl][..., None, None] * flux
    fe = reference_divergence(flux, ops.d)                    # (nb, n, n, n, ncomp)
    idx = ops.ibool[sl].ravel()
    for c in range(out.shape[0]):
        scatter_add(out[c], idx, fe[..., c].ravel())
    return out


def internal_forces(u, ops: OperatorArrays, out=None, batch: int = 1024, memory=None):
    """K u for a field u (ncomp, nglob) (displacement, or the fluid potential with ncomp = 1);
    returns (ncomp, nglob), added into `out` if given. memory: for a law with memory variables,
    the array (nstate, nspec * n**3) (mesh order) the step reads and updates, instead of ops.state's."""
    xp = array_module(u)
    if out is None:
        out = xp.zeros_like(u)
    mem = None if ops.state is None else ops.state[0]
    if memory is not None:
        mem = memory.reshape(ops.state[0].shape)
    nspec = ops.ibool.shape[0]
    for start in range(0, nspec, batch):                     # loop over element batches only
        sl = slice(start, min(start + batch, nspec))
        grad = point_gradient(u, ops, sl)
        state = None if mem is None else (mem[:, sl], ops.state[1])          # a view: updated in place
        add_point_divergence(ops.stress(ops.coef[:, sl], grad, state), ops, sl, out)
    return out


class ReferenceOperator:
    """K u through the array reference path; same interface as the compiled operators. For a law
    with memory variables it also has the transpose of its step (`transpose_with_memory`)."""

    def __init__(self, ops: OperatorArrays, mesh=None, law=None):
        self.ops = ops
        self.nglob = ops.nglob
        self.mesh, self.law = mesh, law

    @classmethod
    def build(cls, mesh, law, xp=np, dtype=np.float64):
        return cls(OperatorArrays.build(mesh, law, xp=xp, dtype=dtype), mesh, law)

    def internal_forces(self, u, out=None, memory=None):
        return internal_forces(u, self.ops, out=out, memory=memory)

    def transpose_with_memory(self, f_bar, memory_bar, out_u, out_memory):
        """The transpose of one step of a law with memory variables, (u, memory) -> (K u, memory'):
        out_u += (d/du)^T, out_memory += (d/dmemory)^T of (f_bar, memory_bar) (see the law's
        `transpose_step`)."""
        if self.law is None or not self.law.state_size:
            raise ValueError("transpose_with_memory needs a law with memory variables")
        return self.law.transpose_step(self.mesh, self.ops, f_bar, memory_bar, out_u, out_memory)
