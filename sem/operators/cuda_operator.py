"""The stiffness operator, GPU fast path: kernels/internal_forces.cu through CuPy.

One fused kernel per (law, order, dtype): gather, reference gradient, physical gradient, the law's
point function (kernels/<law>.cuh, selected by `law.cuda_law`), weighted flux, divergence and an
atomic scatter-add. Same semantics as the reference `sem.operators.reference.internal_forces` (the
oracle, tests/gpu/test_kernels.py). The element arrays share the Numba operator's layout
(sem.operators.element_arrays), in mesh order.

Usage:
    op = CudaOperator.build(mesh, law, dtype=np.float32)
    f = op.internal_forces(u)          # u (ncomp, nglob) C-contiguous cupy array; or internal_forces(u, out)
"""

from __future__ import annotations

import numpy as np

from .. import basis
from .cuda_compile import cuda_module, cuda_type
from .element_arrays import affine_geometry, bytes_per_element, element_arrays


def kernel_name(law_struct: str, order: int, dtype, affine: bool = False) -> str:
    """The template instantiation, e.g. 'internal_forces<float,5,Isotropic<float>,false>'."""
    t = cuda_type(dtype)
    return f"internal_forces<{t},{order + 1},{law_struct}<{t}>,{'true' if affine else 'false'}>"


class CudaOperator:
    """K u for one mesh and one law on the GPU; arrays on the current CuPy device."""

    def __init__(self, *, ibool, geom, coef, d, order, nglob, law_struct, ncomp, options=(), state=None):
        """Use `build`. geom (nspec, 10, n**3) per point, or (nspec, 10) per affine element; state
        (nstate, nspec, n**3) the law's per-point state, or None for a law without."""
        import cupy
        self.ibool, self.geom, self.coef, self.d = ibool, geom, coef, d
        self.state = cupy.zeros(1, dtype=geom.dtype) if state is None else state
        self.affine = geom.ndim == 2
        w = basis.gll_weights(order)
        self.w3 = cupy.asarray(np.einsum("i,j,k->ijk", w, w, w).ravel(), dtype=geom.dtype)
        self.order, self.nglob, self.ncomp = int(order), int(nglob), int(ncomp)
        self.nspec = int(ibool.shape[0])
        self.ncoef = int(coef.shape[0])
        self.dtype = np.dtype(geom.dtype)
        self.name = kernel_name(law_struct, self.order, self.dtype, self.affine)
        self.kernel = cuda_module("internal_forces.cu", (self.name,), tuple(options)).get_function(self.name)
        self._xp = cupy

    @classmethod
    def build(cls, mesh, law, dtype=np.float32, geometry: str = "auto"):
        """Copy the element arrays of `mesh` and `law` to the device in `dtype` (float32 or float64).
        geometry: "stored" (10 values per point), "affine" (10 per element; every element must be a
        parallelepiped) or "auto" (affine where the whole mesh is)."""
        import cupy
        if law.cuda_law is None:
            raise ValueError(f"law {type(law).__name__} has no CUDA point law (cuda_law); use backend 'numpy'")
        if not 1 <= mesh.order <= 8:
            raise ValueError(f"the CUDA operator supports orders 1..8, got {mesh.order}")
        if geometry not in ("auto", "stored", "affine"):
            raise ValueError(f"geometry must be 'auto', 'stored' or 'affine', got {geometry!r}")
        ibool, geom, coef = element_arrays(mesh, law, dtype)
        if geometry != "stored":
            per_element = affine_geometry(mesh, dtype)
            if per_element is not None:
                geom = per_element
            elif geometry == "affine":
                raise ValueError("geometry='affine' needs every element to be a parallelepiped (constant Jacobian)")
        d = basis.derivative_matrix(mesh.order).astype(dtype)
        return cls(ibool=cupy.asarray(ibool), geom=cupy.asarray(geom), coef=cupy.asarray(coef),
                   d=cupy.asarray(d), order=mesh.order, nglob=mesh.nglob, law_struct=law.cuda_law,
                   ncomp=law.ncomp)

    def internal_forces(self, u, out=None):
        """K u for u (ncomp, rows) C-contiguous on the device, in the operator dtype, rows >= nglob the
        row stride (the points beyond nglob are padding, untouched); added into `out` if given."""
        xp = self._xp
        for name, arr in (("u", u), ("out", out)):
            if arr is None:
                continue
            if (not isinstance(arr, xp.ndarray) or arr.ndim != 2 or arr.shape[0] != self.ncomp
                    or arr.shape[1] < self.nglob or arr.shape != u.shape or arr.dtype != self.dtype
                    or not arr.flags.c_contiguous):
                raise ValueError(f"{name} must be a C-contiguous ({self.ncomp}, >= {self.nglob}) {self.dtype} cupy "
                                 f"array shaped like u, got {type(arr).__name__} {getattr(arr, 'shape', None)} "
                                 f"{getattr(arr, 'dtype', None)}")
        if out is None:
            out = xp.zeros_like(u)
        n3 = (self.order + 1) ** 3
        self.kernel((self.nspec,), (n3,), (u, out, self.ibool, self.geom, self.coef, self.state, self.d, self.w3,
                                           np.int32(self.nspec), np.int64(u.shape[1])))
        return out

    def bytes_per_element(self) -> float:
        """Bytes one application must move per element at the memory minimum (see element_arrays)."""
        return bytes_per_element(self.order, self.ncoef, self.ncomp, self.nglob / self.nspec, self.dtype.itemsize,
                                 affine=self.affine)
