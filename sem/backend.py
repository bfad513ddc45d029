"""Array-module choice (numpy | cupy), dtypes and the few array operations that differ between them."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

BACKENDS = ("numpy", "numba", "cupy")


def get_xp(backend: str):
    """The array module for a backend name: numpy for 'numpy' and 'numba', cupy for 'cupy'."""
    if backend in ("numpy", "numba"):
        return np
    if backend == "cupy":
        try:
            import cupy
        except ImportError as exc:                     # pragma: no cover - depends on machine
            raise ValueError("backend='cupy' needs CuPy (pip install 'sem[gpu]')") from exc
        return cupy
    raise ValueError(f"unknown backend {backend!r}; choose one of {BACKENDS}")


def array_module(a):
    """numpy or cupy, whichever owns array `a`."""
    mod = type(a).__module__
    if mod.startswith("cupy"):
        import cupy
        return cupy
    return np


def scatter_add(out, index, values):
    """out[index] += values, summing repeated indices (out 1-D, index and values flat)."""
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


def to_numpy(a):
    """A host numpy copy of `a` (no copy when it already is one)."""
    return a.get() if hasattr(a, "get") else np.asarray(a)


def resolve_dtype(dtype, backend: str):
    """float64 by default on CPU, float32 by default on GPU."""
    if dtype is None:
        return np.dtype(np.float32 if backend == "cupy" else np.float64)
    dt = np.dtype(dtype)
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype must be float32 or float64, got {dtype!r}")
    return dt


def gpu_available() -> bool:
    """Whether CuPy is installed and sees at least one CUDA device."""
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:                                  # ImportError, or CUDA errors without a driver
        return False


def kernel_dir() -> Path:
    """The folder of the CUDA sources: kernels/ of a source checkout, else sem.kernels of a wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "kernels", here / "kernels"):
        if (candidate / "internal_forces.cu").is_file():
            return candidate
    from importlib.resources import files
    return Path(str(files("sem.kernels")))


@functools.lru_cache(maxsize=None)
def cuda_module(filename: str, name_expressions: tuple[str, ...], options: tuple[str, ...] = ()):
    """The CuPy RawModule of kernels/`filename`, compiled by NVRTC for the current device with the
    given template instantiations (e.g. "internal_forces<float,5,Isotropic<float>>") and extra
    compiler options (e.g. "-DSEM_FORCES_MIN_BLOCKS=12"); cached per process."""
    import cupy
    folder = kernel_dir()
    return cupy.RawModule(code=(folder / filename).read_text(), options=("-std=c++17", f"-I{folder}", *options),
                          name_expressions=tuple(name_expressions))


def cuda_type(dtype) -> str:
    """The C type name of a float dtype: 'float' or 'double'."""
    return {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}[np.dtype(dtype)]
