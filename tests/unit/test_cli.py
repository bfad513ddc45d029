"""The command line: `sem run config.toml` writes the outputs; bad configs give clear errors."""

import subprocess
import sys

import numpy as np

from sem.io.hdf5 import read_result

CONFIG = """
[mesh]
size = [1000.0, 1000.0, 1000.0]
elements = [3, 3, 3]
order = 3

[model]
vp = 3000.0
vs = 1700.0
rho = 2500.0

[[sources]]
type = "force"
position = [500.0, 500.0, 500.0]
force = [0.0, 0.0, 1e9]
stf = { type = "ricker", f0 = 10.0 }

[[receivers]]
name = "A"
position = [700.0, 500.0, 1000.0]

[simulation]
duration = 0.2
boundaries = "absorbing"

[output]
hdf5 = "out/seis.h5"
asdf = "out/seis.asdf.h5"
"""


def sem_cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "sem", *args], cwd=cwd, capture_output=True, text=True)


def test_run_config(tmp_path):
    (tmp_path / "run.toml").write_text(CONFIG)
    proc = sem_cli("run", "run.toml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "ns per element per step" in proc.stdout
    res = read_result(tmp_path / "out" / "seis.h5")
    assert res.data.shape[:2] == (1, 3) and np.abs(res.data).max() > 0
    assert (tmp_path / "out" / "seis.asdf.h5").stat().st_size > 0


def test_unknown_key_is_a_clear_error(tmp_path):
    (tmp_path / "bad.toml").write_text(CONFIG.replace("vs = 1700.0", "vs = 1700.0\nqmu = 80"))
    proc = sem_cli("run", "bad.toml", cwd=tmp_path)
    assert proc.returncode == 2
    assert "[model]: unknown key(s) ['qmu']" in proc.stderr
