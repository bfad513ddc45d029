"""Flush-to-zero (FTZ) and denormals-are-zero (DAZ) for the compiled CPU kernels.

Subnormal floats (below 1.2e-38 in float32, 2.2e-308 in float64) take a slow path on many x86
CPUs (a microcode assist per operation on Intel cores).
A run from rest fills the wavefield's quiet tails with them, so every element-step pays that cost.
FTZ (MXCSR bit 15, 0x8000) writes subnormal results as zero; DAZ (bit 6, 0x0040) reads subnormal
inputs as zero. MXCSR is per thread, so a kernel sets both bits at the top of each parallel chunk
and restores the thread's old value at the bottom:

    for b in numba.prange(nblocks):
        old = flush_denormals_begin()
        ...                                  # work on block b
        flush_denormals_end(old)

and `with flush_denormals():` does the same for the calling thread (numpy work between kernels).
On other machines (no MXCSR) everything here is a no-op and get_mxcsr() returns 0.

Only arithmetic done at run time is affected: expressions of constants are folded when compiled,
and register arithmetic on a function's arguments may be moved across the MXCSR writes; values
loaded from arrays after flush_denormals_begin are computed with it.
"""

import contextlib
import platform

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

FTZ = 0x8000
DAZ = 0x0040
FTZ_DAZ = FTZ | DAZ
FLAGS = 0x003F          # MXCSR bits 0-5: the sticky exception flags; the rest is the control word

HAS_MXCSR = platform.machine() in ("x86_64", "AMD64", "i686")

_I8P = ir.IntType(8).as_pointer()
_I32 = ir.IntType(32)
_MXCSR_FNTY = ir.FunctionType(ir.VoidType(), [_I8P])


def _mxcsr_slot(builder):
    """A 4-byte stack slot and its i8* for stmxcsr/ldmxcsr."""
    slot = cgutils.alloca_once(builder, _I32)
    return slot, builder.bitcast(slot, _I8P)


@intrinsic
def get_mxcsr(typingctx):
    """The calling thread's MXCSR as a uint32 (0 without MXCSR)."""
    def codegen(context, builder, signature, args):
        if not HAS_MXCSR:
            return ir.Constant(_I32, 0)
        slot, ptr = _mxcsr_slot(builder)
        fn = cgutils.get_or_insert_function(builder.module, _MXCSR_FNTY, "llvm.x86.sse.stmxcsr")
        builder.call(fn, [ptr])
        return builder.load(slot)
    return types.uint32(), codegen


@intrinsic
def set_mxcsr(typingctx, value):
    """Load `value` (any integer, used as uint32) into the calling thread's MXCSR (no-op without)."""
    if not isinstance(value, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        if HAS_MXCSR:
            word = context.cast(builder, args[0], signature.args[0], types.uint32)
            slot, ptr = _mxcsr_slot(builder)
            builder.store(word, slot)
            fn = cgutils.get_or_insert_function(builder.module, _MXCSR_FNTY, "llvm.x86.sse.ldmxcsr")
            builder.call(fn, [ptr])
        return context.get_dummy_value()
    return types.void(value), codegen


@numba.njit(inline="always")
def flush_denormals_begin():
    """Set FTZ and DAZ on the calling thread; returns its old MXCSR for flush_denormals_end."""
    old = get_mxcsr()
    set_mxcsr(old | numba.uint32(FTZ_DAZ))
    return old


@numba.njit(inline="always")
def flush_denormals_end(old):
    """Restore the control bits of the MXCSR that flush_denormals_begin returned, keeping the
    exception flags raised since."""
    set_mxcsr((old & numba.uint32(~FLAGS & 0xFFFFFFFF)) | (get_mxcsr() & numba.uint32(FLAGS)))


@numba.njit
def _enter():
    return flush_denormals_begin()


@numba.njit
def _exit(old):
    flush_denormals_end(old)


@numba.njit
def read_mxcsr():
    """The calling thread's MXCSR, from Python (0 without MXCSR)."""
    return get_mxcsr()


@numba.njit(parallel=True, cache=True)
def _touch_worker_threads(out):
    for i in numba.prange(out.shape[0]):
        out[i] = i


def start_worker_threads():
    """Start Numba's worker threads now, if they are not running yet. A new thread inherits the
    floating-point environment of the thread that creates it, so the pool must not be started
    from inside `flush_denormals`: its workers would keep FTZ/DAZ for good."""
    _touch_worker_threads(np.zeros(2 * numba.get_num_threads(), dtype=np.int64))


@contextlib.contextmanager
def flush_denormals():
    """FTZ and DAZ on the calling thread for the body of the with-block (numpy, and compiled code
    run on this thread); the old control bits are restored on exit, also on an exception. The
    worker threads of parallel kernels are not touched (they are started first, with this thread's
    old environment): kernels call begin/end per chunk."""
    start_worker_threads()
    old = _enter()
    try:
        yield
    finally:
        _exit(old)
