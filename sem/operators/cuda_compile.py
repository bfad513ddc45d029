"""Where the CUDA sources are and how they are compiled (NVRTC through CuPy), cached per process."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np


def kernel_dir() -> Path:
    """The folder of the CUDA sources: kernels/ of a source checkout, else sem.kernels of a wheel."""
    package = Path(__file__).resolve().parents[1]                # sem/
    for candidate in (package.parent / "kernels", package / "kernels"):
        if (candidate / "internal_forces.cu").is_file():
            return candidate
    from importlib.resources import files
    return Path(str(files("sem.kernels")))


@functools.lru_cache(maxsize=None)
def cuda_module(filename: str, name_expressions: tuple[str, ...], options: tuple[str, ...] = ()):
    """The CuPy RawModule of kernels/`filename`, compiled by NVRTC for the current device with the
    given template instantiations (e.g. "internal_forces<float,5,Isotropic<float>,false>") and extra
    compiler options (e.g. "-DSEM_FORCES_MIN_BLOCKS=12"); cached per process."""
    import cupy
    folder = kernel_dir()
    return cupy.RawModule(code=(folder / filename).read_text(), options=("-std=c++17", f"-I{folder}", *options),
                          name_expressions=tuple(name_expressions))


def cuda_type(dtype) -> str:
    """The C type name of a float dtype: 'float' or 'double'."""
    return {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}[np.dtype(dtype)]
