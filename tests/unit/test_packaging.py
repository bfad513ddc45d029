"""The wheel ships every subpackage and the CUDA sources (pyproject lists packages explicitly,
because kernels/ sits outside sem/ and is mapped to sem.kernels)."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_subpackage_and_the_kernels_are_packaged():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "sem").rglob("__init__.py")}
    assert found - set(cfg["packages"]) == set()
    assert cfg["package-dir"]["sem.kernels"] == "kernels"
    assert {"*.cu", "*.cuh"} <= set(cfg["package-data"]["sem.kernels"])


def test_kernel_sources_are_found():
    from sem.operators.cuda_compile import kernel_dir
    names = {p.name for p in kernel_dir().iterdir()}
    assert {"internal_forces.cu", "time_step.cu", "isotropic.cuh", "transverse.cuh", "anisotropic.cuh",
            "acoustic.cuh"} <= names


def test_every_law_names_a_cuda_point_law():
    from sem.operators.cuda_compile import kernel_dir
    from sem.physics.acoustic import Acoustic
    from sem.physics.anisotropic import Anisotropic21
    from sem.physics.isotropic import IsotropicElastic
    from sem.physics.transverse import TransverselyIsotropic
    headers = {p.stem: p.read_text() for p in kernel_dir().glob("*.cuh")}
    for law in (IsotropicElastic, TransverselyIsotropic, Anisotropic21, Acoustic):
        module = law.__module__.rsplit(".", 1)[1]
        assert f"struct {law.cuda_law} {{" in headers[module], law.__name__
        assert f"NCOMP = {law.ncomp};" in headers[module]
        assert f"NCOEF = {len(law.coefficient_names)};" in headers[module]
