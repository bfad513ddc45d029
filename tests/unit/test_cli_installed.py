"""The packaged global example runs from an installed wheel, not from the source checkout.

A wheel is built from a copy of the checkout, installed with `pip install --target` into a private
folder, and `sem mesh` / `sem run` are run on the installed `sem/examples/global.toml` in
subprocesses whose only path to sem is that folder (PYTHONPATH, a working folder outside the
checkout, PYTHONSAFEPATH). This checks that the wheel ships the example and the CMTSOLUTION and
STATIONS files beside it (pyproject.toml package-data), and that the example's relative input paths
and the --out option work wherever the package lies.
"""

import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

from sem.io.hdf5 import read_result

ROOT = Path(__file__).resolve().parents[2]
BUILD_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.nbi", "*.nbc", "*.egg-info", "build", "dist")


def _setuptools_major():
    try:
        return int(metadata.version("setuptools").split(".")[0])
    except (metadata.PackageNotFoundError, ValueError):
        return 0


def _run(cmd, cwd, env=None, timeout=900):
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(site folder holding the installed sem, environment whose only sem is that one)."""
    tmp = tmp_path_factory.mktemp("installed")
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for name in ("sem", "kernels"):
        shutil.copytree(ROOT / name, src / name, ignore=BUILD_IGNORE)
    # without isolation the build uses this environment's setuptools (offline) when it is new enough
    # for pyproject.toml (>= 77); otherwise pip fetches one for an isolated build
    isolation = ["--no-build-isolation"] if _setuptools_major() >= 77 else []
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation, "-w", str(tmp / "dist"), str(src)], cwd=tmp)
    wheels = sorted((tmp / "dist").glob("sem-*.whl"))
    assert len(wheels) == 1, wheels
    site = tmp / "site"
    _run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-compile", "--target", str(site),
          str(wheels[0])], cwd=tmp)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST"))}
    env.update(PYTHONPATH=str(site), PYTHONSAFEPATH="1", PYTHONNOUSERSITE="1")
    return site, env


def test_installed_package_is_the_one_imported(installed, tmp_path):
    site, env = installed
    proc = _run([sys.executable, "-c", "import sem, sem.cli; print(sem.__file__)"], cwd=tmp_path, env=env)
    path = Path(proc.stdout.strip())
    assert path.is_relative_to(site), path
    assert not path.is_relative_to(ROOT)
    for name in ("global.toml", "CMTSOLUTION", "STATIONS", "demo.toml"):
        assert (site / "sem" / "examples" / name).is_file(), f"the wheel does not ship sem/examples/{name}"


def test_installed_global_example_mesh_and_run(installed, tmp_path):
    site, env = installed
    example = site / "sem" / "examples" / "global.toml"
    before = sorted(p.name for p in example.parent.iterdir())
    proc = _run([sys.executable, "-m", "sem", "mesh", str(example), "--out", "out"], cwd=tmp_path, env=env)
    assert "elements of order 4" in proc.stdout and "outer_core" in proc.stdout
    assert (tmp_path / "out" / "global_mesh.vtu").stat().st_size > 0
    proc = _run([sys.executable, "-m", "sem", "run", str(example), "--out", "out"], cwd=tmp_path, env=env)
    assert "ns per element per step" in proc.stdout
    res = read_result(tmp_path / "out" / "global_seismograms.h5")
    assert len(res.receivers) >= 3 and res.geographic
    assert np.all(np.isfinite(res.data)) and np.all(np.abs(res.data).max(axis=(1, 2)) > 0)
    assert res.origin_time is not None
    assert (tmp_path / "out" / "global.asdf.h5").stat().st_size > 0
    # nothing was written beside the installed example
    assert sorted(p.name for p in example.parent.iterdir() if p.name != "__pycache__") == \
        [n for n in before if n != "__pycache__"]
