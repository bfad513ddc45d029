"""The CUDA kernels compile with NVRTC for every law, order, dtype and geometry form, on machines
without a GPU (NVRTC is a compiler library; the nvidia-cuda-nvrtc wheel of the test extra ships it).
A syntax or template error in kernels/*.cu(h) then fails here, not first on a GPU machine.
The GPU tests (tests/gpu) check what the kernels compute."""

import ctypes

import pytest

from sem.operators.cuda_compile import kernel_dir

LAWS = ("Isotropic", "TransverselyIsotropic", "Anisotropic", "Acoustic")


@pytest.fixture(scope="module")
def nvrtc():
    nv = pytest.importorskip("nvidia.cuda_nvrtc", reason="the nvidia-cuda-nvrtc wheel is not installed")
    from pathlib import Path
    libs = sorted((Path(list(nv.__path__)[0]) / "lib").glob("libnvrtc.so*"))
    if not libs:
        pytest.skip("no libnvrtc in the nvidia-cuda-nvrtc wheel")
    return ctypes.CDLL(str(libs[0]))


def compile_all(lib, filename, expressions, folder=None):
    """(ok, log) of compiling folder/filename (default kernels/) with the given template instantiations."""
    folder = kernel_dir() if folder is None else folder
    prog = ctypes.c_void_p()
    assert lib.nvrtcCreateProgram(ctypes.byref(prog), (folder / filename).read_bytes(), filename.encode(),
                                  0, None, None) == 0
    for e in expressions:
        assert lib.nvrtcAddNameExpression(prog, e.encode()) == 0
    opts = [b"-std=c++17", f"-I{folder}".encode(), b"--gpu-architecture=compute_80"]
    status = lib.nvrtcCompileProgram(prog, len(opts), (ctypes.c_char_p * len(opts))(*opts))
    size = ctypes.c_size_t()
    lib.nvrtcGetProgramLogSize(prog, ctypes.byref(size))
    log = ctypes.create_string_buffer(size.value)
    lib.nvrtcGetProgramLog(prog, log)
    lib.nvrtcDestroyProgram(ctypes.byref(prog))
    return status == 0, log.value.decode(errors="replace")


def test_internal_forces_compiles_for_every_law_order_and_dtype(nvrtc):
    from sem.operators.cuda_operator import kernel_name
    exprs = [kernel_name(law, order, dtype, affine) for law in LAWS for order in range(1, 9)
             for dtype in ("float32", "float64") for affine in (False, True)]
    ok, log = compile_all(nvrtc, "internal_forces.cu", exprs)
    assert ok, log


def test_time_step_passes_compile(nvrtc):
    from sem.operators import cuda_passes
    exprs = [f"{k}<{t}>" for t in ("float", "double") for k in cuda_passes.KERNELS if k != "newmark_correct"]
    exprs += [f"newmark_correct<{t},{nc}>" for t in ("float", "double") for nc in (1, 3)] + ["advance_step"]
    ok, log = compile_all(nvrtc, "time_step.cu", exprs)
    assert ok, log


def test_a_broken_kernel_is_caught(nvrtc, tmp_path):
    """The check can fail: a law struct without its stress function does not compile."""
    import shutil
    for p in kernel_dir().iterdir():
        shutil.copy(p, tmp_path / p.name)
    text = (tmp_path / "isotropic.cuh").read_text().replace("static void stress(", "static void stress_missing(")
    (tmp_path / "isotropic.cuh").write_text(text)
    ok, log = compile_all(nvrtc, "internal_forces.cu", ["internal_forces<float,5,Isotropic<float>,false>"], tmp_path)
    assert not ok and "stress" in log
