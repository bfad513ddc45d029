"""Flush-to-zero / denormals-are-zero: set inside compiled code and per parallel chunk, restored after."""

import numba
import numpy as np
import pytest

from sem.operators.fpenv import (FLAGS, FTZ_DAZ, HAS_MXCSR, flush_denormals, flush_denormals_begin,
                                 flush_denormals_end, get_mxcsr, read_mxcsr)

CONTROL = 0xFFFF & ~FLAGS        # the control bits; the sticky exception flags change with any arithmetic
F32 = (np.float32(1e-38), np.float32(0.01))     # product 1e-40: float32 subnormal
F64 = (1e-308, 1e-3)                            # product 1e-311: float64 subnormal

needs_x86 = pytest.mark.skipif(not HAS_MXCSR, reason="no MXCSR (not x86): flushing is a no-op")


@numba.njit
def product(a, b):
    return a * b


@numba.njit
def product_flushed(a, b):
    old = flush_denormals_begin()
    r = a * b
    flush_denormals_end(old)
    return r


@numba.njit
def mxcsr_inside():
    old = flush_denormals_begin()
    inside = get_mxcsr()
    flush_denormals_end(old)
    return old, inside


@numba.njit(parallel=True)
def chunks(a, b, out, state, flush):
    for i in numba.prange(out.size):
        if flush:
            old = flush_denormals_begin()
            state[i] = get_mxcsr()
            out[i] = a[i] * b[i]
            flush_denormals_end(old)
        else:
            state[i] = get_mxcsr()
            out[i] = a[i] * b[i]


def control():
    return read_mxcsr() & CONTROL


def test_the_bits():
    assert FTZ_DAZ == 0x8040
    if HAS_MXCSR:
        assert control() & FTZ_DAZ == 0        # not set in the process to begin with
    else:
        assert read_mxcsr() == 0


@needs_x86
@pytest.mark.parametrize("a, b", [F32, F64], ids=["float32", "float64"])
def test_begin_end_flush_inside_compiled_code(a, b):
    assert product(a, b) != 0                   # subnormal, not flushed
    assert abs(product(a, b)) < np.finfo(type(a)).tiny
    assert product_flushed(a, b) == 0
    assert product(a, b) != 0                   # restored: subnormal again


@needs_x86
def test_end_restores_the_control_word():
    before = control()
    old, inside = mxcsr_inside()
    assert old & CONTROL == before
    assert inside & CONTROL == before | FTZ_DAZ
    assert control() == before


@needs_x86
def test_every_parallel_chunk_flushes_and_the_main_thread_is_untouched():
    n = 64
    a = np.full(n, F32[0], np.float32)
    b = np.full(n, F32[1], np.float32)
    out = np.full(n, np.nan, np.float32)
    state = np.zeros(n, np.uint32)
    before = control()
    chunks(a, b, out, state, True)
    assert np.all(out == 0)
    assert np.all(state & FTZ_DAZ == FTZ_DAZ)
    assert control() == before
    chunks(a, b, out, state, False)             # the worker threads were restored too
    assert np.all(out != 0)
    assert np.all(state & FTZ_DAZ == 0)
    assert control() == before


@needs_x86
def test_context_manager_flushes_numpy_on_the_main_thread():
    a, b = F32
    before = control()
    assert a * b != 0
    with flush_denormals():
        assert control() == before | FTZ_DAZ
        assert a * b == 0                       # numpy scalar arithmetic on this thread
        assert np.all(np.full(8, a) * np.full(8, b) == 0)
        assert product(*F64) == 0               # compiled code called from here inherits it
    assert control() == before
    assert a * b != 0


@needs_x86
def test_context_manager_restores_on_an_exception():
    before = control()
    with pytest.raises(RuntimeError):
        with flush_denormals():
            assert control() == before | FTZ_DAZ
            raise RuntimeError
    assert control() == before
    assert F32[0] * F32[1] != 0


def test_no_op_off_x86_is_callable():
    # on every machine: the helpers compile and run, in serial and parallel code
    out = np.empty(4, np.float32)
    chunks(np.ones(4, np.float32), np.ones(4, np.float32), out, np.zeros(4, np.uint32), True)
    assert np.all(out == 1)
    with flush_denormals():
        pass


@needs_x86
def test_worker_threads_started_inside_the_context_do_not_inherit_ftz():
    """A thread inherits the floating-point environment of its creator: if the first parallel kernel
    of a process ran inside flush_denormals, Numba's workers would keep FTZ/DAZ for good. Checked
    in a fresh interpreter, where the pool is not running yet."""
    import subprocess
    import sys
    code = """
import numba, numpy as np
from sem.operators.fpenv import flush_denormals

@numba.njit(parallel=True)
def products(a, b, out):
    for i in numba.prange(out.shape[0]):
        out[i] = a[i] * b[i]

n = 4 * numba.get_num_threads()
a, b = np.full(n, 1e-38, np.float32), np.full(n, 0.01, np.float32)
out = np.zeros(n, np.float32)
with flush_denormals():
    pass
with flush_denormals():
    products(a, b, out)            # the first parallel kernel of this process
products(a, b, out)
print(int(np.count_nonzero(out == 0)))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env={**__import__("os").environ, "NUMBA_NUM_THREADS": "2"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "0"
