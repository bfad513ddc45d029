"""The stiffness operator, compiled CPU fast path (Numba).

    f = K u:  gather -> reference gradient -> physical gradient -> law stress -> weighted flux
              -> divergence (transpose of the gradient) -> scatter-add

Same semantics as the reference `sem.operators.reference.internal_forces` (the oracle), written once
as a skeleton kernel and specialised, at compile time, for

- the law: its compiled point function (the class attribute `numba_point`, see sem.physics.law), inlined
  into the point loop. Adding a law means writing that function, never copying this kernel;
- the number of field components: 3 (displacement, the elastic laws) or 1 (the fluid potential,
  whose point function returns the flux grad(chi) / rho). Gather, contractions, divergence and
  scatter loop over the components (a constant, so they unroll); only the thin point adapter that
  hands the 3 * ncomp gradient terms to the law and its ncomp x 3 stress back differs;
- the polynomial order: the GLL derivative matrix is a constant array baked into the machine code,
  so every loop has a constant trip count and the short contraction loops unroll;
- the dtype (float32 or float64): all arithmetic is done in the arrays' precision.

Subnormal numbers: every block runs with flush-to-zero and denormals-are-zero set on its thread
(sem.operators.fpenv), as the wavefield's quiet tails would otherwise be subnormal in a run from rest.

Parallelism: elements are cut into blocks of consecutive elements (mesh order, which is spatially
coherent), and the blocks are coloured so that no two blocks of one colour share a global point.
Blocks of one colour run in a `prange` and scatter-add without atomics; colours run one after the
other. (Colouring single elements instead, as `Mesh.colors` does, sweeps u and f once per colour
and measured about 1.5x slower on one thread.) Element data are stored in that processing order
(per element: one contiguous block of geometry, one contiguous row per coefficient), so the
kernel streams through memory, and it prefetches the next element's data while it computes.

Usage:
    op = NumbaOperator.build(mesh, law, dtype=np.float32)
    f = op.internal_forces(u)          # u (ncomp, nglob) C-contiguous float32; or internal_forces(u, out)
"""

from __future__ import annotations

import functools

import numba
import numpy as np
from llvmlite import binding as llvm_binding
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic
from scipy import sparse

from .. import basis
from .element_arrays import GEOMETRY_ROWS, bytes_per_element, element_arrays
from .fpenv import flush_denormals_begin, flush_denormals_end

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


def law_point_function(law):
    """The compiled point function of a law: its `numba_point` (a class attribute, or the instance's
    for laws built around another, see sem.physics.attenuating; the signature, which depends on
    `law.ncomp`, is in sem.physics.law)."""
    fn = law.numba_point
    if fn is None:
        raise TypeError(f"law {type(law).__name__} names no compiled point function (numba_point)")
    return fn


def make_internal_forces_kernel(stress_point, order: int, dtype=np.float64, ncomp: int = 3):
    """The skeleton specialised for one law point function, one polynomial order, one dtype and
    one number of field components (3: displacement, elastic laws; 1: potential, the fluid).

    Returns kernel(u, out, ibool, geom, coef, state, block_starts, color_starts) that adds K u into out:
      u, out        (ncomp, nglob) in `dtype`, C-contiguous;
      ibool         (nspec, n**3) int32, element points in processing order;
      geom          (nspec, 10, n**3): rows 0..8 dxi_b/dx_a at row b*3+a, row 9 jw;
      coef          (ncoef, nspec, n**3) law coefficients;
      state         the law's point state as its point function reads it: (nstate, nspec, n**3)
                    ((0, 1, 1) for laws without), or a tuple led by that array (sem.physics.attenuating);
      block_starts  (nblocks + 1,) int64, element ranges of the blocks, blocks ordered by colour;
      color_starts  (ncolors + 1,) int64, block ranges of the colours.
    `stress_point` has the signature for `ncomp` given in sem.physics.law.
    Kernels are cached per (stress_point, order, dtype, ncomp) for the process; each takes a few
    seconds to compile on its first call (closures over constants cannot use Numba's on-disk cache).
    """
    return _make_kernel(stress_point, int(order), np.dtype(dtype).name, int(ncomp))


# ---- the point stage: physical gradient -> law -> weighted flux, at one GLL point p ----------
# The only part of the operator that depends on the number of field components: the law's point
# function takes the 3 * ncomp gradient components and returns the ncomp x 3 stress (or flux).
# Each variant is a thin adapter around two shared transforms; the skeleton loops over p.

@numba.njit(inline="always")
def _inverse_jacobian(geom, e, p):
    """The nine dxi_r/dx_a at point p of element e, as a tuple (row r*3+a)."""
    return (geom[e, 0, p], geom[e, 1, p], geom[e, 2, p], geom[e, 3, p], geom[e, 4, p], geom[e, 5, p],
            geom[e, 6, p], geom[e, 7, p], geom[e, 8, p])


@numba.njit(inline="always")
def _to_physical(inv, t0, t1, t2):
    """Physical gradient g_a = sum_r t_r dxi_r/dx_a of one component from its reference one t_r."""
    return (t0 * inv[0] + t1 * inv[3] + t2 * inv[6],
            t0 * inv[1] + t1 * inv[4] + t2 * inv[7],
            t0 * inv[2] + t1 * inv[5] + t2 * inv[8])


@numba.njit(inline="always")
def _to_reference(inv, s0, s1, s2):
    """Reference flux F_r = sum_a s_a dxi_r/dx_a of one row s_a of the stress (transpose of above)."""
    return (s0 * inv[0] + s1 * inv[1] + s2 * inv[2],
            s0 * inv[3] + s1 * inv[4] + s2 * inv[5],
            s0 * inv[6] + s1 * inv[7] + s2 * inv[8])


def _point_stage(stress_point, ncomp: int):
    """point(w, geom, coef, state, e, p): replace the reference gradient du_c/dxi_r in rows ncomp + 3c + r
    of the scratch w by the weighted flux F_cr = jw sum_a sigma_ca dxi_r/dx_a, at point p."""
    if ncomp == 3:
        @numba.njit(inline="always")
        def point(w, geom, coef, state, e, p):
            inv = _inverse_jacobian(geom, e, p)
            jw = geom[e, 9, p]
            g00, g01, g02 = _to_physical(inv, w[3, p], w[4, p], w[5, p])
            g10, g11, g12 = _to_physical(inv, w[6, p], w[7, p], w[8, p])
            g20, g21, g22 = _to_physical(inv, w[9, p], w[10, p], w[11, p])
            s00, s11, s22, s12, s02, s01 = stress_point(coef, state, e, p, g00, g01, g02,
                                                        g10, g11, g12, g20, g21, g22)
            s00 *= jw
            s11 *= jw
            s22 *= jw
            s12 *= jw
            s02 *= jw
            s01 *= jw
            w[3, p], w[4, p], w[5, p] = _to_reference(inv, s00, s01, s02)
            w[6, p], w[7, p], w[8, p] = _to_reference(inv, s01, s11, s12)
            w[9, p], w[10, p], w[11, p] = _to_reference(inv, s02, s12, s22)
    elif ncomp == 1:
        @numba.njit(inline="always")
        def point(w, geom, coef, state, e, p):
            inv = _inverse_jacobian(geom, e, p)
            jw = geom[e, 9, p]
            g0, g1, g2 = _to_physical(inv, w[1, p], w[2, p], w[3, p])
            f0, f1, f2 = stress_point(coef, state, e, p, g0, g1, g2)
            w[1, p], w[2, p], w[3, p] = _to_reference(inv, f0 * jw, f1 * jw, f2 * jw)
    else:
        raise ValueError(f"ncomp must be 1 or 3, got {ncomp}")
    return point


@functools.lru_cache(maxsize=None)
def _make_kernel(stress_point, order: int, dtype_name: str, ncomp: int = 3):
    dtype = np.dtype(dtype_name).type
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype_name}")
    point = _point_stage(stress_point, ncomp)
    n = order + 1
    n2 = n * n
    n3 = n2 * n
    d = np.ascontiguousarray(basis.derivative_matrix(order), dtype=dtype)   # D[i, l] = l'_l(x_i)
    dt = np.ascontiguousarray(d.T)                                          # DT[i, l] = D[l, i]
    # scratch rows: U.. gathered field, G + 3c + r du_c/dxi_r then the flux F_cr, F.. forces
    U, G, F = 0, ncomp, 4 * ncomp
    nrows = 5 * ncomp

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

    # Software prefetch of the next element's geometry and coefficients, in `parts` parts spread
    # over the contractions (issued all at once they saturate the miss buffers and gain nothing):
    # with three components, one part before each component's gradient and divergence; with one,
    # one part before each of its six contractions. The hardware prefetcher alone leaves this
    # stream latency-bound: 1.9 -> 1.45 us/element measured (isotropic, float32, one thread).
    line = 64 // np.dtype(dtype).itemsize
    geom_lines = (GEOMETRY_ROWS * n3 + line - 1) // line
    coef_lines = (n3 + line - 1) // line
    parts = 6
    per_direction = ncomp == 1          # one part per contraction, else one per component

    @numba.njit(inline="always")
    def prefetch_element(geom_flat, coef_flat, e, nspec, ncoef, part):
        total = geom_lines + ncoef * coef_lines
        for q in range(part * total // parts, (part + 1) * total // parts):
            if q < geom_lines:
                prefetch(geom_flat, e * (GEOMETRY_ROWS * n3) + q * line)
            else:
                m = (q - geom_lines) // coef_lines
                prefetch(coef_flat, (m * nspec + e) * n3 + (q - geom_lines - m * coef_lines) * line)

    @numba.njit(parallel=True, fastmath=True, boundscheck=False, error_model="numpy", nogil=True)
    def kernel(u, out, ibool, geom, coef, state, block_starts, color_starts):
        nspec = geom.shape[0]
        ncoef = coef.shape[0]
        geom_flat = geom.reshape(-1)
        coef_flat = coef.reshape(-1)
        for color in range(color_starts.shape[0] - 1):
            for blk in numba.prange(color_starts[color], color_starts[color + 1]):
                mxcsr = flush_denormals_begin()       # FTZ/DAZ on this thread for the block
                w = np.empty((nrows, n3), dtype)      # scratch, once per block (never per element)
                tmp = np.empty(n3, dtype)
                for e in range(block_starts[blk], block_starts[blk + 1]):
                    for p in range(n3):                                   # gather
                        g = ibool[e, p]
                        for c in range(ncomp):
                            w[U + c, p] = u[c, g]
                    ahead = e + 1 < nspec
                    for c in range(ncomp):                                # reference gradient
                        if ahead:
                            prefetch_element(geom_flat, coef_flat, e + 1, nspec, ncoef,
                                             3 * c if per_direction else c)
                        along_xi(w[U + c], w[G + 3 * c], d)
                        if ahead and per_direction:
                            prefetch_element(geom_flat, coef_flat, e + 1, nspec, ncoef, 1)
                        along_eta(w[U + c], w[G + 1 + 3 * c], d)
                        if ahead and per_direction:
                            prefetch_element(geom_flat, coef_flat, e + 1, nspec, ncoef, 2)
                        along_zeta(w[U + c], w[G + 2 + 3 * c], d)
                    for p in range(n3):                                   # point loop (SIMD over p)
                        point(w, geom, coef, state, e, p)
                    for c in range(ncomp):                                # divergence = D^T contractions
                        if ahead:
                            prefetch_element(geom_flat, coef_flat, e + 1, nspec, ncoef,
                                             3 if per_direction else 3 + c)
                        along_xi(w[G + 3 * c], w[F + c], dt)
                        if ahead and per_direction:
                            prefetch_element(geom_flat, coef_flat, e + 1, nspec, ncoef, 4)
                        along_eta(w[G + 1 + 3 * c], tmp, dt)   # via a separate row: measured faster
                        for p in range(n3):                    # than accumulating into w in place
                            w[F + c, p] += tmp[p]
                        if ahead and per_direction:
                            prefetch_element(geom_flat, coef_flat, e + 1, nspec, ncoef, 5)
                        along_zeta(w[G + 2 + 3 * c], tmp, dt)
                        for p in range(n3):
                            w[F + c, p] += tmp[p]
                    for p in range(n3):                                   # scatter-add, no atomics
                        g = ibool[e, p]
                        for c in range(ncomp):
                            out[c, g] += w[F + c, p]
                flush_denormals_end(mxcsr)

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

    def __init__(self, *, ibool, geom, coef, block_starts, color_starts, order, nglob, stress_point,
                 ncomp=3, state=None):
        """Use `build`. Arrays in the kernel's layout (see make_internal_forces_kernel), in the
        processing order of `block_starts` / `color_starts`; ncomp field components (3 or 1);
        state: the law's point state (see make_internal_forces_kernel) or None (a law without)."""
        self.ibool = ibool
        self.geom = geom
        self.coef = coef
        self.state = np.zeros((0, 1, 1), dtype=geom.dtype) if state is None else state
        self.block_starts = block_starts
        self.color_starts = color_starts
        self.order = int(order)
        self.nglob = int(nglob)
        self.dtype = geom.dtype
        self.nspec = ibool.shape[0]
        self.ncoef = coef.shape[0]
        self.ncomp = int(ncomp)
        self.stress_point = stress_point
        self.kernel = make_internal_forces_kernel(stress_point, self.order, self.dtype, self.ncomp)

    @classmethod
    def build(cls, mesh, law, dtype=np.float64, block_size: int | None = None):
        """Prepare the arrays for `mesh` and `law` in `dtype` (float32 or float64); the field has
        `law.ncomp` components (3: displacement of an elastic law; 1: potential of the fluid).

        Layout (all in the processing order, so the kernel streams through them):
          geom  (nspec, 10, n**3): per element, the nine dxi_b/dx_a rows (row b*3+a) and jw,
                each row contiguous over the element's points (structure of arrays per element);
          coef  (ncoef, nspec, n**3): the law's coefficients, contiguous over the points;
          ibool (nspec, n**3) int32.
        block_size: elements per parallel block (consecutive in mesh order). By default about
        nspec / (16 threads), between 16 and 1024: enough blocks per colour to balance the threads,
        and long runs of neighbouring elements (fewer colours, hence fewer barriers, and more reuse
        of shared points in cache; 1024 measured best on a 30k-element box).
        """
        if block_size is None:
            block_size = int(np.clip(mesh.nspec // (16 * numba.config.NUMBA_NUM_THREADS), 16, 1024))
        perm, block_starts, color_starts = block_coloring(mesh.ibool, mesh.nglob, block_size)
        ibool, geom, coef = element_arrays(mesh, law, dtype, perm)
        op = cls(ibool=ibool, geom=geom, coef=coef, block_starts=block_starts, color_starts=color_starts,
                 order=mesh.order, nglob=mesh.nglob, stress_point=law_point_function(law), ncomp=law.ncomp)
        op.perm = perm
        if law.state_size:                          # memory variables, in processing order, from rest
            op.state = (np.zeros((law.state_size, mesh.nspec, ibool.shape[1]), dtype=dtype),
                        law.step_constants(dtype))
        return op

    @property
    def memory(self):
        """The law's per-point state (nstate, nspec, n**3) in processing order (`perm`), or None."""
        return self.state[0] if isinstance(self.state, tuple) else None

    def internal_forces(self, u, out=None, memory=None):
        """K u for u (ncomp, nglob) C-contiguous in the operator dtype; added into `out` if given.
        memory: for a law with memory variables, the array (nstate, nspec * n**3) (processing
        order) that the step reads and updates, instead of the operator's own."""
        if u.shape != (self.ncomp, self.nglob) or u.dtype != self.dtype or not u.flags.c_contiguous:
            raise ValueError(f"u must be a C-contiguous ({self.ncomp}, {self.nglob}) {self.dtype} array, "
                             f"got {u.shape} {u.dtype}")
        if out is None:
            out = np.zeros_like(u)
        elif out.shape != u.shape or out.dtype != self.dtype or not out.flags.c_contiguous:
            raise ValueError(f"out must be a C-contiguous ({self.ncomp}, {self.nglob}) {self.dtype} array")
        state = self.state
        if memory is not None:
            nstate = self.state[0].shape[0]
            if memory.shape != (nstate, self.ibool.size) or memory.dtype != self.dtype or not memory.flags.c_contiguous:
                raise ValueError(f"memory must be a C-contiguous ({nstate}, {self.ibool.size}) {self.dtype} array")
            state = (memory.reshape(self.state[0].shape), self.state[1])
        self.kernel(u, out, self.ibool, self.geom, self.coef, state, self.block_starts, self.color_starts)
        return out

    def bytes_per_element(self) -> float:
        """Bytes one application must move per element at the memory minimum (see element_arrays)."""
        return bytes_per_element(self.order, self.ncoef, self.ncomp, self.nglob / self.nspec, self.dtype.itemsize)
