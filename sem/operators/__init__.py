"""The stiffness operator three ways (array reference, Numba, CUDA), the element arrays the fast
paths share, and the per-point passes of a time step on the CPU and the GPU."""
