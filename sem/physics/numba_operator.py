"""The stiffness operator, compiled CPU fast path (Numba).

    f = K u:  gather -> reference gradient -> physical gradient -> law stress -> weighted flux
              -> divergence (transpose of the gradient) -> scatter-add

Same semantics as the reference `sem.physics.operator.internal_forces` (the oracle), written once
as a skeleton kernel and specialised, at compile time, for

- the law: its Numba point function `stress_point` (the last function of the law's module), inlined
  into the point loop. Adding a law means writing that function, never copying this kernel;
- the polynomial order: the GLL derivative matrix is a constant array baked into the machine code,
  so every loop has a constant trip count and the short contraction loops unroll;
- the dtype (float32 or float64): all arithmetic is done in the arrays' precision.

Parallelism: elements are cut into blocks of consecutive elements (mesh order, which is spatially
coherent), and the blocks are coloured so that no two blocks of one colour share a global point.
Blocks of one colour run in a `prange` and scatter-add without atomics; colours run one after the
other. (Colouring single elements instead, as `Mesh.colors` does, sweeps u and f once per colour
and measured about 1.5x slower on one thread.) Element data are stored in that processing order
(per element: one contiguous block of geometry, one contiguous row per coefficient), so the
kernel streams through memory, and it prefetches the next element's data while it computes.

Usage:
    op = NumbaOperator.build(mesh, law, dtype=np.float32)
    f = op.internal_forces(u)          # u (3, nglob) C-contiguous float32; or internal_forces(u, out)
"""

from __future__ import annotations

import functools
import sys

import numba
import numpy as np
from llvmlite import binding as llvm_binding
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic
from scipy import sparse

from .. import basis

#: number of geometry rows per GLL point: the nine dxi_b/dx_a (row b*3+a) and jw = |J| w_i w_j w_k
GEOMETRY_ROWS = 10


_PREFETCH = "llvm.prefetch.p0" if llvm_binding.llvm_version_info >= (15,) else "llvm.prefetch.p0i8"


@intrinsic
def prefetch(typingctx, arr, index):
    """Software prefetch (read, to all cache levels) of the cache line holding arr.flat[index]
    (arr C-contiguous). A hint only: it never faults and changes no value."""
    if not isinstance(arr, types.Array) or not isinstance(index, types.Integer):
        return None

    def codegen(context, builder, sig, args):
        ary = context.make_array(sig.args[0])(context, builder, args[0])
        idx = context.cast(builder, args[1], sig.args[1], types.intp)
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]),
                                            _PREFETCH)
        builder.call(fn, [builder.bitcast(builder.gep(ary.data, [idx]), i8p),
                          ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return types.void(arr, index), codegen


def law_stress_point(law):
    """The Numba point function of a law: `stress_point` of the module that defines its class.

    Signature: stress_point(coef, e, i, j, k, g00, g01, g02, g10, g11, g12, g20, g21, g22) ->
    (s00, s11, s22, s12, s02, s01), with g_ac = du_a/dx_c and coef indexed [m, e, i, j, k] in the
    order of `law.coefficients()`. The skeleton passes coef as a (ncoef, nspec, 1, 1, n**3) view,
    so i = j = 0 and k runs over the flattened points of the element.
    """
    for cls in type(law).__mro__:
        fn = getattr(sys.modules.get(cls.__module__), "stress_point", None)
        if fn is not None:
            return fn
    raise TypeError(f"law {type(law).__name__} has no Numba point function `stress_point` in its module")


def make_internal_forces_kernel(stress_point, order: int, dtype=np.float64):
    """The skeleton specialised for one law point function, one polynomial order and one dtype.

    Returns kernel(u, out, ibool, geom, coef, block_starts, color_starts) that adds K u into out:
      u, out        (3, nglob) in `dtype`, C-contiguous;
      ibool         (nspec, n**3) int32, element points in processing order;
      geom          (nspec, 10, n**3): rows 0..8 dxi_b/dx_a at row b*3+a, row 9 jw;
      coef          (ncoef, nspec, 1, 1, n**3) law coefficients;
      block_starts  (nblocks + 1,) int64, element ranges of the blocks, blocks ordered by colour;
      color_starts  (ncolors + 1,) int64, block ranges of the colours.
    Kernels are cached per (stress_point, order, dtype) for the process; each takes a few seconds
    to compile on its first call (closures over constants cannot use Numba's on-disk cache).
    """
    return _make_kernel(stress_point, int(order), np.dtype(dtype).name)


@functools.lru_cache(maxsize=None)
def _make_kernel(stress_point, order: int, dtype_name: str):
    dtype = np.dtype(dtype_name).type
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype_name}")
    n = order + 1
    n2 = n * n
    n3 = n2 * n
    d = np.ascontiguousarray(basis.derivative_matrix(order), dtype=dtype)   # D[i, l] = l'_l(x_i)
    dt = np.ascontiguousarray(d.T)                                          # DT[i, l] = D[l, i]

    # The three contractions of an element field (n**3 values, flat, last index fastest) with a
    # constant n x n matrix m along one reference direction: dst[.. i ..] = sum_l m[i, l] src[.. l ..].
    # xi runs over rows of n*n contiguous values (SIMD over (j, k)); eta and zeta over rows of n.
    @numba.njit(inline="always")
    def along_xi(src, dst, m):
        for i in range(n):
            for jk in range(n2):
                s = m[i, 0] * src[jk]
                for l in range(1, n):
                    s += m[i, l] * src[l * n2 + jk]
                dst[i * n2 + jk] = s

    @numba.njit(inline="always")
    def along_eta(src, dst, m):
        for i in range(n):
            for k in range(n):              # (j innermost measured ~10% faster than k innermost)
                b = i * n2 + k
                for j in range(n):
                    s = m[j, 0] * src[b]
                    for l in range(1, n):
                        s += m[j, l] * src[b + l * n]
                    dst[b + j * n] = s

    @numba.njit(inline="always")
    def along_zeta(src, dst, m):
        for ij in range(n2):
            for k in range(n):
                s = m[k, 0] * src[ij * n]
                for l in range(1, n):
                    s += m[k, l] * src[ij * n + l]
                dst[ij * n + k] = s

    # Software prefetch of the next element's geometry and coefficients, in six parts spread over
    # the contractions (issued all at once they saturate the miss buffers and gain nothing). The
    # hardware prefetcher alone leaves this stream latency-bound: 1.9 -> 1.45 us/element measured.
    line = 64 // np.dtype(dtype).itemsize
    geom_lines = (GEOMETRY_ROWS * n3 + line - 1) // line
    coef_lines = (n3 + line - 1) // line

    @numba.njit(inline="always")
    def prefetch_element(geom_flat, coef_flat, e, nspec, ncoef, part):
        total = geom_lines + ncoef * coef_lines
        for q in range(part * total // 6, (part + 1) * total // 6):
            if q < geom_lines:
                prefetch(geom_flat, e * (GEOMETRY_ROWS * n3) + q * line)
            else:
                m = (q - geom_lines) // coef_lines
                prefetch(coef_flat, (m * nspec + e) * n3 + (q - geom_lines - m * coef_lines) * line)

    @numba.njit(parallel=True, fastmath=True, boundscheck=False, error_model="numpy", nogil=True)
    def kernel(u, out, ibool, geom, coef, block_starts, color_starts):
        nspec = geom.shape[0]
        ncoef = coef.shape[0]
        geom_flat = geom.reshape(-1)
        coef_flat = coef.reshape(-1)
        for color in range(color_starts.shape[0] - 1):
            for blk in numba.prange(color_starts[color], color_starts[color + 1]):
                # scratch, once per block (never inside the element loop):
                # rows 0..2 gathered u, 3..11 du_c/dxi_r then the flux (row 3 + 3c + r), 12..14 forces
                w = np.empty((15, n3), dtype)
                tmp = np.empty(n3, dtype)
                for e in range(block_starts[blk], block_starts[blk + 1]):
                    for p in range(n3):                                   # gather
                        g = ibool[e, p]
                        w[0, p] = u[0, g]
                        w[1, p] = u[1, g]
                        w[2, p] = u[2, g]
                    ahead = e + 1 < nspec
                    for c in range(3):                                    # reference gradient
                        if ahead:
                            prefetch_element(geom_flat, coef_flat, e + 1, nspec, ncoef, c)
                        along_xi(w[c], w[3 + 3 * c], d)
                        along_eta(w[c], w[4 + 3 * c], d)
                        along_zeta(w[c], w[5 + 3 * c], d)
                    for p in range(n3):                                   # point loop (SIMD over p)
                        i00 = geom[e, 0, p]
                        i01 = geom[e, 1, p]
                        i02 = geom[e, 2, p]
                        i10 = geom[e, 3, p]
                        i11 = geom[e, 4, p]
                        i12 = geom[e, 5, p]
                        i20 = geom[e, 6, p]
                        i21 = geom[e, 7, p]
                        i22 = geom[e, 8, p]
                        jw = geom[e, 9, p]
                        # physical gradient g_ca = sum_r du_c/dxi_r dxi_r/dx_a
                        t0, t1, t2 = w[3, p], w[4, p], w[5, p]
                        g00 = t0 * i00 + t1 * i10 + t2 * i20
                        g01 = t0 * i01 + t1 * i11 + t2 * i21
                        g02 = t0 * i02 + t1 * i12 + t2 * i22
                        t0, t1, t2 = w[6, p], w[7, p], w[8, p]
                        g10 = t0 * i00 + t1 * i10 + t2 * i20
                        g11 = t0 * i01 + t1 * i11 + t2 * i21
                        g12 = t0 * i02 + t1 * i12 + t2 * i22
                        t0, t1, t2 = w[9, p], w[10, p], w[11, p]
                        g20 = t0 * i00 + t1 * i10 + t2 * i20
                        g21 = t0 * i01 + t1 * i11 + t2 * i21
                        g22 = t0 * i02 + t1 * i12 + t2 * i22
                        s00, s11, s22, s12, s02, s01 = stress_point(coef, e, 0, 0, p, g00, g01, g02,
                                                                    g10, g11, g12, g20, g21, g22)
                        s00 *= jw
                        s11 *= jw
                        s22 *= jw
                        s12 *= jw
                        s02 *= jw
                        s01 *= jw
                        # flux F_cr = jw sum_a sigma_ca dxi_r/dx_a
                        w[3, p] = s00 * i00 + s01 * i01 + s02 * i02
                        w[4, p] = s00 * i10 + s01 * i11 + s02 * i12
                        w[5, p] = s00 * i20 + s01 * i21 + s02 * i22
                        w[6, p] = s01 * i00 + s11 * i01 + s12 * i02
                        w[7, p] = s01 * i10 + s11 * i11 + s12 * i12
                        w[8, p] = s01 * i20 + s11 * i21 + s12 * i22
                        w[9, p] = s02 * i00 + s12 * i01 + s22 * i02
                        w[10, p] = s02 * i10 + s12 * i11 + s22 * i12
                        w[11, p] = s02 * i20 + s12 * i21 + s22 * i22
                    for c in range(3):                                    # divergence = D^T contractions
                        if ahead:
                            prefetch_element(geom_flat, coef_flat, e + 1, nspec, ncoef, 3 + c)
                        along_xi(w[3 + 3 * c], w[12 + c], dt)
                        along_eta(w[4 + 3 * c], tmp, dt)   # via a separate row: measured faster than
                        for p in range(n3):                # accumulating into w in place
                            w[12 + c, p] += tmp[p]
                        along_zeta(w[5 + 3 * c], tmp, dt)
                        for p in range(n3):
                            w[12 + c, p] += tmp[p]
                    for p in range(n3):                                   # scatter-add, no atomics
                        g = ibool[e, p]
                        out[0, g] += w[12, p]
                        out[1, g] += w[13, p]
                        out[2, g] += w[14, p]

    return kernel


def block_coloring(ibool: np.ndarray, nglob: int, block_size: int):
    """Cut elements (in mesh order) into blocks of about `block_size` and colour the blocks greedily.

    Returns (perm, block_starts, color_starts): `perm` (nspec,) the element processing order
    (blocks grouped by colour, the elements of a block in mesh order), the element ranges of the
    blocks in `perm` and the block ranges of the colours. No two blocks of one colour share a
    global point, so blocks of one colour may scatter-add concurrently.
    """
    nspec = ibool.shape[0]
    nblocks = max(1, -(-nspec // max(1, int(block_size))))
    bounds = np.linspace(0, nspec, nblocks + 1).round().astype(np.int64)
    npts = int(np.prod(ibool.shape[1:]))
    block_of_elem = np.repeat(np.arange(nblocks), np.diff(bounds))
    # block x point incidence (int32: counts of shared points must not wrap), then block adjacency
    inc = sparse.csr_matrix((np.ones(nspec * npts, dtype=np.int32),
                             (np.repeat(block_of_elem, npts), ibool.reshape(-1))), shape=(nblocks, nglob))
    inc.data[:] = 1
    adj = (inc @ inc.T).tocsr()
    colors = np.full(nblocks, -1, dtype=np.int64)
    for b in range(nblocks):
        used = set(colors[adj.indices[adj.indptr[b]:adj.indptr[b + 1]]].tolist())
        c = 0
        while c in used:
            c += 1
        colors[b] = c
    border = np.argsort(colors, kind="stable")
    perm = np.concatenate([np.arange(bounds[b], bounds[b + 1]) for b in border])
    block_starts = np.concatenate([[0], np.cumsum(np.diff(bounds)[border])]).astype(np.int64)
    color_starts = np.searchsorted(colors[border], np.arange(colors.max() + 2)).astype(np.int64)
    return perm, block_starts, color_starts


class NumbaOperator:
    """K u for one mesh and one law, compiled with Numba; same semantics as the reference path."""

    def __init__(self, *, ibool, geom, coef, block_starts, color_starts, order, nglob, stress_point):
        """Use `build`. Arrays in the kernel's layout (see make_internal_forces_kernel), in the
        processing order of `block_starts` / `color_starts`."""
        self.ibool = ibool
        self.geom = geom
        self.coef = coef
        self.block_starts = block_starts
        self.color_starts = color_starts
        self.order = int(order)
        self.nglob = int(nglob)
        self.dtype = geom.dtype
        self.nspec = ibool.shape[0]
        self.ncoef = coef.shape[0]
        self.stress_point = stress_point
        self.kernel = make_internal_forces_kernel(stress_point, self.order, self.dtype)

    @classmethod
    def build(cls, mesh, law, dtype=np.float64, block_size: int | None = None):
        """Prepare the arrays for `mesh` and `law` in `dtype` (float32 or float64).

        Layout (all in the processing order, so the kernel streams through them):
          geom  (nspec, 10, n**3): per element, the nine dxi_b/dx_a rows (row b*3+a) and jw,
                each row contiguous over the element's points (structure of arrays per element);
          coef  (ncoef, nspec, 1, 1, n**3): the law's coefficients, contiguous over the points;
          ibool (nspec, n**3) int32.
        block_size: elements per parallel block (consecutive in mesh order). By default about
        nspec / (16 threads), between 16 and 1024: enough blocks per colour to balance the threads,
        and long runs of neighbouring elements (fewer colours, hence fewer barriers, and more reuse
        of shared points in cache; 1024 measured best on a 30k-element box).
        """
        dtype = np.dtype(dtype)
        if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise ValueError(f"dtype must be float32 or float64, got {dtype}")
        if block_size is None:
            block_size = int(np.clip(mesh.nspec // (16 * numba.config.NUMBA_NUM_THREADS), 16, 1024))
        nspec, n3 = mesh.nspec, (mesh.order + 1) ** 3
        if mesh.nglob >= 2**31:
            raise ValueError("more than 2**31 global points: the int32 numbering would overflow")
        perm, block_starts, color_starts = block_coloring(mesh.ibool, mesh.nglob, block_size)
        ibool = np.ascontiguousarray(mesh.ibool.reshape(nspec, n3)[perm], dtype=np.int32)
        geom = np.empty((nspec, GEOMETRY_ROWS, n3), dtype=dtype)
        geom[:, :9, :] = mesh.inv_jacobian.reshape(nspec, n3, 9)[perm].transpose(0, 2, 1)
        geom[:, 9, :] = mesh.quadrature_weights.reshape(nspec, n3)[perm]
        c = np.asarray(law.coefficients(), dtype=np.float64)
        ncoef = c.shape[0]
        c = c.reshape((ncoef,) + (1,) * (4 - (c.ndim - 1)) + c.shape[1:])
        try:
            c = np.broadcast_to(c, (ncoef,) + mesh.ibool.shape)
        except ValueError:
            raise ValueError(f"law coefficients of shape {c.shape[1:]} do not fit the mesh "
                             f"{mesh.ibool.shape}") from None
        coef = np.ascontiguousarray(c.reshape(ncoef, nspec, n3)[:, perm], dtype=dtype)
        return cls(ibool=ibool, geom=geom, coef=coef.reshape(ncoef, nspec, 1, 1, n3),
                   block_starts=block_starts, color_starts=color_starts, order=mesh.order,
                   nglob=mesh.nglob, stress_point=law_stress_point(law))

    def internal_forces(self, u, out=None):
        """K u for u (3, nglob) C-contiguous in the operator dtype; added into `out` if given."""
        if u.shape != (3, self.nglob) or u.dtype != self.dtype or not u.flags.c_contiguous:
            raise ValueError(f"u must be a C-contiguous ({3}, {self.nglob}) {self.dtype} array, "
                             f"got {u.shape} {u.dtype}")
        if out is None:
            out = np.zeros_like(u)
        elif out.shape != u.shape or out.dtype != self.dtype or not out.flags.c_contiguous:
            raise ValueError(f"out must be a C-contiguous (3, {self.nglob}) {self.dtype} array")
        self.kernel(u, out, self.ibool, self.geom, self.coef, self.block_starts, self.color_starts)
        return out

    def bytes_per_element(self) -> float:
        """Bytes one application must move per element, at the memory minimum: geometry (9 inverse
        Jacobian terms and jw), coefficients and ibool read once per element point; u read once
        and f read and written once per global point (nglob / nspec points per element)."""
        s = self.dtype.itemsize
        n3 = (self.order + 1) ** 3
        per_point = (GEOMETRY_ROWS + self.ncoef) * s + 4
        return n3 * per_point + self.nglob / self.nspec * 3 * s * 3
