"""The command line: `sem run` / `sem mesh` on TOML files (box and cubed-sphere meshes, Earth models,
event and station files, --out); bad configs give clear errors. All events and stations are made up."""

import subprocess
import sys

import meshio
import numpy as np
import pytest

from sem.config import load, load_mesh, load_mesh_model
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
    (tmp_path / "bad.toml").write_text(CONFIG.replace("vs = 1700.0", "vs = 1700.0\nvsh = 1800.0"))
    proc = sem_cli("run", "bad.toml", cwd=tmp_path)
    assert proc.returncode == 2
    assert "[model]: unknown key(s) ['vsh']" in proc.stderr


# --- cubed-sphere meshes, Earth models, event and station files ------------------------------------
# a made-up intermediate-depth event inside the chunk below (dyne cm)
CMT = """\
 PDE 2024  7  9 11 42  5.10  -19.8000 -177.9000 310.0 6.4 0.0 MADE-UP REGION
event name:     TEST0709A
time shift:      4.2000
half duration:   6.0000
latitude:      -19.9000
longitude:    -178.0000
depth:         305.0000
Mrr:      -3.100000e+25
Mtt:       1.200000e+25
Mpp:       1.900000e+25
Mrt:       8.000000e+24
Mrp:      -1.400000e+25
Mtp:       5.000000e+24
"""
STATIONS = """\
# made-up stations inside the chunk
ST01  XT  -15.0000  -178.0000    10.0    0.0
ST02  XT  -20.0000  -170.0000     0.0  100.0
ST03  XT  -27.0000   176.0000   200.0    0.0
"""
LIGHT_PREM = """
[earth]
model = "prem"
isotropic = true
crust = false
"""
CHUNK_MESH = LIGHT_PREM + """
[mesh]
type = "cubed_sphere"
min_period = 200.0
chunk = { center = [-20.0, -178.0], width = [30.0, 30.0], depth_km = 1000.0 }
"""
CHUNK_RUN = CHUNK_MESH + """
[model]
type = "earth"

[sources]
cmtsolution = "CMTSOLUTION"
half_duration = 50.0

[receivers]
stations = "STATIONS"

[simulation]
duration = 200.0
boundaries = "absorbing"
dtype = "float32"
progress = false

[output]
hdf5 = "res/chunk.h5"
asdf = "res/chunk.asdf.h5"
"""


def write_event_files(folder):
    (folder / "CMTSOLUTION").write_text(CMT)
    (folder / "STATIONS").write_text(STATIONS)


def test_mesh_command_global_prints_report_and_exports(tmp_path):
    (tmp_path / "globe.toml").write_text(LIGHT_PREM + """
[mesh]
type = "cubed_sphere"
min_period = 600.0
order = 3

[model]
type = "earth"

[simulation]
duration = 10.0

[output]
vtu = "mesh/globe.vtu"
xdmf = "mesh/globe.xdmf"
hdf5 = "never_written.h5"
""")
    proc = sem_cli("mesh", "globe.toml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "elements of order 3" in proc.stdout and "outer_core" in proc.stdout and "dt =" in proc.stdout
    m = meshio.read(tmp_path / "mesh" / "globe.vtu")
    assert {"vp", "vs", "rho"} <= set(m.point_data)
    assert np.all(np.isfinite(m.point_data["vp"])) and m.point_data["vs"].min() == 0.0   # the fluid core
    assert (tmp_path / "mesh" / "globe.xdmf").is_file() and (tmp_path / "mesh" / "globe.xdmf.h5").is_file()
    assert not (tmp_path / "never_written.h5").exists()


def test_mesh_command_chunk_and_out_option(tmp_path):
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "chunk.toml").write_text(CHUNK_MESH + '\n[output]\nvtu = "chunk.vtu"\n')
    proc = sem_cli("mesh", "cfg/chunk.toml", "--out", "exports/new", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "elements of order 4" in proc.stdout
    assert (tmp_path / "exports" / "new" / "chunk.vtu").is_file()
    assert not (tmp_path / "cfg" / "chunk.vtu").exists()
    mesh, earth, out = load_mesh(tmp_path / "cfg" / "chunk.toml")
    assert earth.name == "PREM isotropic no crust"
    assert out == {"vtu": tmp_path / "cfg" / "chunk.vtu"}
    assert {"xi_min", "bottom", "surface"} <= set(mesh.side_sets)


def test_run_chunk_from_cmtsolution_and_stations(tmp_path):
    write_event_files(tmp_path)
    (tmp_path / "chunk.toml").write_text(CHUNK_RUN)
    proc = sem_cli("run", "chunk.toml", "--out", "elsewhere", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert not (tmp_path / "res").exists()
    res = read_result(tmp_path / "elsewhere" / "res" / "chunk.h5")
    assert [r.name for r in res.receivers] == ["ST01", "ST02", "ST03"]
    assert res.data.shape[:2] == (3, 3) and np.all(np.isfinite(res.data)) and np.abs(res.data).max() > 0
    # time zero is the centroid time of the CMTSOLUTION (PDE time + time shift)
    from obspy import UTCDateTime
    assert UTCDateTime(res.origin_time) == UTCDateTime(2024, 7, 9, 11, 42, 5.1) + 4.2
    import pyasdf
    ds = pyasdf.ASDFDataSet(str(tmp_path / "elsewhere" / "res" / "chunk.asdf.h5"), mode="r")
    try:
        assert len(ds.events) == 1 and sorted(ds.waveforms.list()) == ["XT.ST01", "XT.ST02", "XT.ST03"]
    finally:
        del ds


def test_config_geographic_lists_and_origin_time(tmp_path):
    (tmp_path / "geo.toml").write_text(CHUNK_MESH + """
[model]
type = "earth"

[[sources]]
type = "moment_tensor"
lat = -19.0
lon = -178.5
depth_km = 200.0
mrr = 1e18
mtt = -1e18
mpp = 0.0
mrt = 0.0
mrp = 0.0
mtp = 2e17
stf = { type = "gaussian", half_duration = 50.0 }

[[sources]]
type = "force"
lat = -21.0
lon = -177.0
depth_km = 100.0
force_zne = [1e15, 0.0, 0.0]
stf = { type = "gaussian", half_duration = 50.0 }

[[receivers]]
lat = -15.0
lon = -178.0
network = "XT"
station = "G01"

[[receivers]]
lat = -22.0
lon = -175.0
depth_km = 2.0
station = "G02"

[simulation]
duration = 100.0
origin_time = "2026-01-02T03:04:05"
""")
    sim, out = load(tmp_path / "geo.toml")
    assert out == {}
    from sem.geography import geographic_to_cartesian
    mt, force = sim.sources.sources
    np.testing.assert_allclose(mt.position, geographic_to_cartesian(-19.0, -178.5, 200.0), atol=1e-6)
    np.testing.assert_allclose(mt.tensor_rtp, [1e18, -1e18, 0, 0, 0, 2e17])
    np.testing.assert_allclose(force.position, geographic_to_cartesian(-21.0, -177.0, 100.0), atol=1e-6)
    up = geographic_to_cartesian(-21.0, -177.0, 0.0) / 6371e3
    np.testing.assert_allclose(force.force, 1e15 * up, atol=1e3)
    g1, g2 = sim.receivers.receivers
    assert (g1.network, g1.name, g2.network, g2.name) == ("XT", "G01", "XX", "G02")
    np.testing.assert_allclose(g2.position, geographic_to_cartesian(-22.0, -175.0, 2.0), atol=1e-6)
    assert str(sim.origin_time).startswith("2026-01-02T03:04:05")


def test_config_event_files_set_origin_time(tmp_path):
    from obspy import UTCDateTime
    from sem.io.events import event_from_sources, read_cmtsolution
    from sem.io.stations import inventory_from_receivers, read_stations
    write_event_files(tmp_path)
    cmt = read_cmtsolution(tmp_path / "CMTSOLUTION")
    from obspy.core.event import Catalog
    Catalog([event_from_sources(cmt, cmt.origin_time)]).write(str(tmp_path / "event.xml"), format="QUAKEML")
    inventory_from_receivers(read_stations(tmp_path / "STATIONS")).write(str(tmp_path / "stations.xml"),
                                                                       format="STATIONXML")
    base = CHUNK_RUN.replace("[output]", "[x]").split("[x]")[0]
    (tmp_path / "cmt.toml").write_text(base)
    (tmp_path / "qml.toml").write_text(base.replace('cmtsolution = "CMTSOLUTION"', 'quakeml = "event.xml"')
                                       .replace('stations = "STATIONS"', 'stationxml = "stations.xml"'))
    sim_c, _ = load(tmp_path / "cmt.toml")
    sim_q, _ = load(tmp_path / "qml.toml")
    assert UTCDateTime(sim_c.origin_time) == cmt.origin_time
    assert UTCDateTime(sim_q.origin_time) == cmt.origin_time
    # an explicit origin_time wins
    (tmp_path / "t0.toml").write_text(base.replace("duration = 200.0", 'duration = 200.0\norigin_time = "2000-01-01"'))
    sim_t, _ = load(tmp_path / "t0.toml")
    assert UTCDateTime(sim_t.origin_time) == UTCDateTime(2000, 1, 1)


ANISO_C = [[1.8e10, 6e9, 6e9, 0, 0, 0], [6e9, 1.8e10, 6e9, 0, 0, 0], [6e9, 6e9, 1.8e10, 0, 0, 0],
           [0, 0, 0, 6e9, 0, 0], [0, 0, 0, 0, 6e9, 0], [0, 0, 0, 0, 0, 6e9]]


@pytest.mark.parametrize("model, law", [
    ('type = "isotropic"\nvp = 3000.0\nvs = 1700.0\nrho = 2500.0', "isotropic"),
    ('type = "transversely_isotropic"\nvpv = 3000.0\nvph = 3100.0\nvsv = 1700.0\nvsh = 1750.0\n'
     'eta = 0.95\nrho = 2500.0\naxis = [0.0, 1.0, 0.0]', "transversely_isotropic"),
    (f'type = "anisotropic"\nrho = 2500.0\nc = {ANISO_C}', "anisotropic21"),
    ('type = "anisotropic"\nrho = 2500.0\nc11 = 1.8e10\nc22 = 1.8e10\nc33 = 1.8e10\nc12 = 6e9\nc13 = 6e9\n'
     'c23 = 6e9\nc44 = 6e9\nc55 = 6e9\nc66 = 6e9', "anisotropic21"),
])
def test_every_model_type(tmp_path, model, law):
    cfg = CONFIG.split("[model]")[0] + "[model]\n" + model + "\n\n[[sources]]" + CONFIG.split("[[sources]]")[1]
    (tmp_path / "m.toml").write_text(cfg)
    sim, _ = load(tmp_path / "m.toml")
    assert sim.model.law.name == law
    mesh, earth, model_, out = load_mesh_model(tmp_path / "m.toml")
    assert earth is None and model_ is not None and set(out) == {"hdf5", "asdf"}


def test_earth_model_ti_and_ak135f(tmp_path):
    ti = CHUNK_MESH.replace("isotropic = true", "isotropic = false") + '\n[model]\ntype = "earth"\n'
    (tmp_path / "ti.toml").write_text(ti)
    _, earth, model, _ = load_mesh_model(tmp_path / "ti.toml")
    assert earth.is_transversely_isotropic and model.law.name == "transversely_isotropic"
    (tmp_path / "iso.toml").write_text(ti.replace('type = "earth"', 'type = "earth"\nisotropic = true'))
    _, _, model, _ = load_mesh_model(tmp_path / "iso.toml")
    assert model.law.name == "isotropic"
    ak = CHUNK_MESH.replace('model = "prem"\nisotropic = true\ncrust = false', 'model = "ak135f"\nocean = false')
    (tmp_path / "ak.toml").write_text(ak)
    mesh, earth, _ = load_mesh(tmp_path / "ak.toml")
    assert "ak135" in earth.name.lower() and mesh.nspec > 0


def test_earth_table_file(tmp_path):
    (tmp_path / "two_layers.txt").write_text(
        "# name: two layers\n# units: km/s g/cm3\n# depth_km vp vs rho\n"
        "0 8.0 4.5 3.3\n1000 10.0 5.5 4.0\n1000 11.0 6.0 4.5\n6371 11.5 6.5 5.0\n")
    (tmp_path / "tab.toml").write_text(CHUNK_MESH.replace('model = "prem"\nisotropic = true\ncrust = false',
                                                          'model = "table"\nfile = "two_layers.txt"'))
    mesh, earth, _ = load_mesh(tmp_path / "tab.toml")
    assert earth.name == "two layers" and mesh.nspec > 0


@pytest.mark.parametrize("old, new, message", [
    ("crust = false", "crust = false\nlid = true", r"\[earth\]: unknown key\(s\) \['lid'\] for model = 'prem'"),
    ('model = "prem"', 'model = "iasp91"', r"\[earth\]: model must be one of \['ak135f', 'prem', 'table'\]"),
    ("min_period = 200.0", "min_period = 200.0\nelements = [2, 2, 2]",
     r"\[mesh\]: unknown key\(s\) \['elements'\] for type = 'cubed_sphere'"),
    ("depth_km = 1000.0", "depth_km = 1000.0, tilt = 3.0", r"\[mesh.chunk\]: unknown key\(s\) \['tilt'\]"),
    ("depth_km = 1000.0", "azimuth = 10.0", r"\[mesh.chunk\]: missing required key 'depth_km'"),
    ('cmtsolution = "CMTSOLUTION"', 'cmtsolution = "CMTSOLUTION"\nformat = "cmt"',
     r"\[sources\]: unknown key\(s\) \['format'\] with cmtsolution"),
    ('cmtsolution = "CMTSOLUTION"', 'cmtsolution = "CMTSOLUTION"\nquakeml = "x.xml"', r"names one file"),
    ('stations = "STATIONS"', 'stations = "STATIONS"\nnetwork = "XX"',
     r"\[receivers\]: unknown key\(s\) \['network'\] with stations"),
    ('type = "earth"', 'type = "earth"\nqmu = 80', r"\[model\]: unknown key\(s\) \['qmu'\] for type = 'earth'"),
    ('type = "earth"', 'type = "anisotropic"\nrho = 3000.0\nc77 = 1.0', r"\['c77'\] for type = 'anisotropic'"),
    ("duration = 200.0", "duration = 200.0\nsteps = 4", r"\[simulation\]: unknown key\(s\) \['steps'\]"),
    ('hdf5 = "res/chunk.h5"', 'hdf5 = "res/chunk.h5"\nmseed = "x.mseed"', r"\[output\]: unknown key\(s\) \['mseed'\]"),
])
def test_unknown_keys_in_the_new_tables(tmp_path, old, new, message):
    write_event_files(tmp_path)
    assert old in CHUNK_RUN
    (tmp_path / "bad.toml").write_text(CHUNK_RUN.replace(old, new, 1))
    with pytest.raises(ValueError, match=message):
        load(tmp_path / "bad.toml")


@pytest.mark.parametrize("entry, message", [
    ('[[sources]]\nlat = 1.0\nlon = 2.0\ndepth_km = 3.0\nposition = [0.0, 0.0, 0.0]\n'
     'stf = { type = "ricker", f0 = 1.0 }', "either position"),
    ('[[sources]]\nlat = -19.0\nlon = -178.0\ndepth_km = 100.0\nmrr = 1.0\nmtt = 1.0\nmpp = 1.0\nmrt = 0.0\n'
     'mrp = 0.0\nmtp = 0.0\ntensor = [1, 1, 1, 0, 0, 0]\nstf = { type = "ricker", f0 = 0.01 }',
     r"unknown key\(s\) \['tensor'\] for a geographic moment tensor"),
    ('[[receivers]]\nlat = -19.0\nlon = -178.0\nname = "A"', r"unknown key\(s\) \['name'\] for a geographic receiver"),
    ('[[receivers]]\nstation = "A"', "missing the location"),
])
def test_geographic_entry_errors(tmp_path, entry, message):
    (tmp_path / "bad.toml").write_text(CHUNK_MESH + '\n[model]\ntype = "earth"\n\n' + entry
                                       + "\n\n[simulation]\nduration = 10.0\n")
    with pytest.raises(ValueError, match=message):
        load(tmp_path / "bad.toml")


def test_config_errors_from_the_command_line(tmp_path):
    (tmp_path / "bad.toml").write_text(CHUNK_MESH.replace("min_period = 200.0", "min_period = 200.0\nnex_xi = 4"))
    proc = sem_cli("mesh", "bad.toml", cwd=tmp_path)
    assert proc.returncode == 2 and "[mesh]: unknown key(s) ['nex_xi']" in proc.stderr
    (tmp_path / "nofile.toml").write_text(CHUNK_RUN)
    proc = sem_cli("run", "nofile.toml", cwd=tmp_path)
    assert proc.returncode == 2 and "CMTSOLUTION" in proc.stderr and "not found" in proc.stderr
    (tmp_path / "noearth.toml").write_text("[mesh]" + CHUNK_MESH.split("[mesh]")[1])
    proc = sem_cli("mesh", "noearth.toml", cwd=tmp_path)
    assert proc.returncode == 2 and "needs an [earth] table" in proc.stderr


def test_demo_copies_the_packaged_file_unchanged(tmp_path, monkeypatch):
    from importlib import resources

    import sem.cli
    seen = {}
    monkeypatch.setattr(sem.cli, "run", lambda args: seen.update(config=args.config, out=args.out) or 0)
    assert sem.cli.main(["demo", "--out", str(tmp_path / "d")]) == 0
    packaged = (resources.files("sem.examples") / "demo.toml").read_text()
    assert (tmp_path / "d" / "demo.toml").read_text() == packaged
    assert seen == {"config": str(tmp_path / "d" / "demo.toml"), "out": str(tmp_path / "d")}
    _, out = load(tmp_path / "d" / "demo.toml", out_dir=tmp_path / "elsewhere")
    assert all(p.parent == tmp_path / "elsewhere" for p in out.values())
