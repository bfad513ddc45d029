"""Cost of subnormal float32 arithmetic in a compiled parallel loop, with and without FTZ/DAZ.

y = 0.5*y + c*x over --n float32 elements (4M), in a prange over blocks, one thread. With y and x
subnormal (1e-40) and no flushing every input and result stays subnormal; with flush_denormals_begin
and flush_denormals_end around each block they read and write as zero. The normal-range line
(y and x of 1) is the reference speed. Prints ns per element; asserts nothing. At 4M elements the
loop is memory-bound; --n 262144 keeps it in cache, where the arithmetic itself dominates.

    .venv/bin/python benchmarks/denormals.py [--n ELEMENTS] [--repeats R]
"""

import argparse
import time

import numba
import numpy as np

from sem.operators.fpenv import HAS_MXCSR, flush_denormals_begin, flush_denormals_end, read_mxcsr

BLOCK = 4096            # elements per prange iteration (a block of elements in a kernel)


@numba.njit(parallel=True)
def axpy_plain(y, x, c):
    nblock = (y.size + BLOCK - 1) // BLOCK
    for b in numba.prange(nblock):
        yb = y[b * BLOCK:(b + 1) * BLOCK]     # a view: indices from 0, so the loop vectorizes
        xb = x[b * BLOCK:(b + 1) * BLOCK]
        for i in range(yb.size):
            yb[i] = np.float32(0.5) * yb[i] + xb[i] * c


@numba.njit(parallel=True)
def axpy_flushed(y, x, c):
    nblock = (y.size + BLOCK - 1) // BLOCK
    for b in numba.prange(nblock):
        old = flush_denormals_begin()
        yb = y[b * BLOCK:(b + 1) * BLOCK]     # a view: indices from 0, so the loop vectorizes
        xb = x[b * BLOCK:(b + 1) * BLOCK]
        for i in range(yb.size):
            yb[i] = np.float32(0.5) * yb[i] + xb[i] * c
        flush_denormals_end(old)


def ns_per_element(kernel, fill, n, repeats):
    """Best of `repeats` passes over n elements, y and x refilled with `fill` before each (outside
    the timing)."""
    y = np.empty(n, np.float32)
    x = np.empty(n, np.float32)
    c = np.float32(0.5)
    kernel(y[:BLOCK], x[:BLOCK], c)                      # compile
    best = np.inf
    for _ in range(repeats):
        y.fill(fill)
        x.fill(fill)
        t = time.perf_counter()
        kernel(y, x, c)
        best = min(best, time.perf_counter() - t)
    return 1e9 * best / n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=4 * 1024 * 1024, help="float32 elements (default 4M)")
    ap.add_argument("--repeats", type=int, default=20, help="timed passes, best kept (default 20)")
    args = ap.parse_args()
    numba.set_num_threads(1)
    sub = np.float32(1e-40)
    print(f"{args.n} float32 elements, blocks of {BLOCK}, 1 thread, best of {args.repeats}; MXCSR "
          f"{read_mxcsr():#06x}{'' if HAS_MXCSR else ' (not x86: flushing is a no-op)'}")
    rows = [("normal values (1.0), no flush", axpy_plain, np.float32(1.0)),
            ("normal values (1.0), flushed", axpy_flushed, np.float32(1.0)),
            ("subnormal (1e-40), no flush", axpy_plain, sub),
            ("subnormal (1e-40), flushed", axpy_flushed, sub)]
    for label, kernel, fill in rows:
        print(f"  {label:32s} {ns_per_element(kernel, fill, args.n, args.repeats):8.3f} ns/element")


if __name__ == "__main__":
    main()
