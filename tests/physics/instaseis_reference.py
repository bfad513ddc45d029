"""Reference seismograms from an independent solver: AxiSEM, read through instaseis.

The issue asks for sem's global seismograms to be compared with AxiSEM for "PREM light (no crust, no
ocean, no attenuation, no gravity) at 100 s". The source distribution of instaseis 1.5.0 (PyPI) ships
an AxiSEM database of exactly that model in `tests/data/100s_db_fwd`. This module fetches it into a
cache (never into the repository), reads it with instaseis and returns reference seismograms on
sem's conventions, so that a sem run can be compared with them sample by sample.

Fetching
--------
`database_path()` runs `python -m pip download --no-binary :all: --no-deps instaseis==1.5.0` into the
cache directory `$SEM_TEST_CACHE` (default `~/.cache/sem-tests`), keeps the sdist there
(`instaseis-1.5.0/instaseis-1.5.0.tar.gz`, about 25 MB) and extracts only
`tests/data/100s_db_fwd/` (8.3 MB) to `instaseis-1.5.0/100s_db_fwd/`; later calls reuse it (a
`.lock` file there makes parallel workers fetch once). Any failure (no network, no pip, a broken
archive) becomes `pytest.skip` with the reason. Reading the database needs the `instaseis` package
(`pip install instaseis==1.5.0`, in the `test` extra); without it the tests skip. With the environment
variable `SEM_REQUIRE_REFERENCE=1` (set by `.ci/run`: CI reaches PyPI) each of these is a failure instead,
so that the comparison with the independent solver cannot silently drop out of CI.

Use
---
Tests in tests/physics import this as `instaseis_reference` (pytest puts that folder on sys.path
when it collects them; tests elsewhere add it, as tests/unit/test_instaseis_reference.py does):

    import instaseis_reference as ir
    src = ir.sem_source(lat, lon, m_rtp)           # 12 km deep, STF ir.moment_function()
    res = sem.Simulation(mesh, model, sources=[src], receivers=receivers, ...).run()  # Receiver.geographic
    keep = res.times <= ir.end_time()              # the database ends; sem's times start at -93 s
    u_ref = ir.reference(lat, lon, 12.0, m_rtp, receivers, res.times[keep])    # (nrec, 3, nt): Z, N, E
    misfit = ir.relative_l2(ir.lowpass(res.data_zne[..., keep], res.dt), ir.lowpass(u_ref, res.dt))

What the database is (read from it: `db.info`, the netCDF attributes and the sdist's inparam files)
--------------------------------------------------------------------------------------------------
- A *forward* AxiSEM database (AxiSEM 0400524, 2014-10-21): four runs, one per elemental moment
  tensor (MZZ, MXX_P_MYY, MXZ_MYZ, MXY_MXX_M_MYY), displacement stored (`displ_only`) in the shell
  6000-6371 km radius, at all distances 0-180 degrees; GLL order 4, mesh dominant period 100 s.
- Model `prem_iso_light`: isotropic PREM with the mantle extended to the surface (no crust, no
  ocean); attenuation off; AxiSEM has no self-gravitation. Spherical, radius 6371 km.
- The source depth is fixed at 12 km: a forward database cannot move its source (instaseis ignores
  any other source depth with a warning; `reference()` refuses it). Receivers may lie at depths
  0-371 km (this module takes surface receivers unless a depth is given).
- Time: the AxiSEM run has 2549 steps of 0.7064242 s; the wavefield is kept every 35 steps, so the
  database has 73 samples at dt = 24.724845 s.

The source depth: 0 km, not 12 km
----------------------------------
The database says "source depth in km = 12" (and instaseis reports 12), but that is the depth asked
for. AxiSEM's solver puts a moment-tensor source on the GLL point of the symmetry axis closest to
it (SOLVER/source.f90, find_srcloc, which prints "depth offered"). In this 100-s mesh the top
element spans 0-220 km, with axis points at depths 0, 37.99, 110, 182.01 and 220 km, so the source
was simulated at the surface. `database_info()['solver_source_depth_km']` reads that point from the
database's mesh, and `sem_source` uses it. It matters: with Mrt and Mrp non-zero, sem's seismograms
for a 12-km source differ from the database's by 5-93 % (low-passed at 150 s, 20-160 degrees), for
a 0-km source by 0.0-1.1 % (tests/physics/test_global_axisem.py, 100-s mesh, measured 2026-11-23).

The source time function and the time reference (exactly)
----------------------------------------------------------
The database's STF is `errorf` (inparam_advanced: SOURCE_FUNCTION errorf, SOURCE_PERIOD 0, so the
mesh period T0 = 100 s is used). AxiSEM's `errorf` source term is the moment tensor times

    M_ax(t) = 0.5 * (1 + erf(3.5 * (t - t_s) / T0)),    t from the start of the AxiSEM run,

with decay 3.5 and source shift t_s = 173.07391 s = 245 solver steps = 7 database samples (1.5 T0
rounded up to a whole database sample). So the moment-rate is a Gaussian of e-folding half-width
T0 / 3.5 = 28.571 s centred on t_s. `db.info.slip` is this function at the 73 sample times to 1.2e-7
(float32) and `db.info.sliprate` its derivative (peak 3.5 / (T0 sqrt(pi)) = 0.019743 1/s) to 2e-4 of
that peak.

instaseis' origin time is the centre of that STF (the moment-rate peak, t_s). `get_seismograms`
defaults: kind='displacement' (metres); remove_source_shift=True, i.e. the 7 samples before t_s
are dropped and the first sample is at the origin time (with False, the first is at
origin - 7 dt = -173.074 s); reconvolve_stf=False (the database's own STF); dt=None (the 24.72-s
samples; with a dt, instaseis resamples with obspy's `lanczos_interpolation`, a = kernelwidth = 12
database samples, window 'blackman', and cuts the last ceil(12 * 24.72 s / dt) samples, which the
kernel's end would spoil); return_obspy_stream=True.

In sem's time (zero = origin time) the reference seismograms therefore correspond to the normalised
moment function

    M(t) = 0.5 * (1 + erf(0.035 t)),  0.035 = 3.5 / 100 s,

centred on the origin time (half of the moment is released before t = 0; it starts about 60 s
before). That is exactly `sem.stf.Gaussian(half_duration=1.628 * 100 / 3.5 = 46.514 s,
time_shift=0)`, which `moment_function()` returns (sem's Gaussian uses alpha = 1.628 / half_duration,
here 0.035 1/s; its start_time is -93.0 s, where M is 1.6e-6). A sem run with this STF and the same
moment tensor is directly comparable. Limits of "exactly": AxiSEM evaluates its own erf
approximation (relative error < 1.2e-7), stores float32 values, and its displacement and STF
samples are taken at the same solver step; nothing here can check that step (0.7 s) independently.

Units and conventions
---------------------
instaseis.Source takes geocentric latitude, longitude (degrees) and the moment tensor
m_rr, m_tt, m_pp, m_rt, m_rp, m_tp in N m in (r up, theta south, phi east): the CMTSOLUTION
convention that `sem.MomentTensorSource.geographic` also uses, on the same 6371-km sphere with
latitudes taken as geocentric. The database was computed for a scalar magnitude 1e20 N m and
instaseis divides the tensor by it, so the output is displacement in metres for the tensor in N m.
Components: Z up, N north, E east (checked in the tests: an explosion moves the ground up and away
from the source at the P arrival).

Resampling
----------
`reference()` takes the raw database samples (remove_source_shift=False, dt=None: sample k at
t_k = (k - 7) * 24.7248 s after the origin) and resamples them onto the caller's uniform `times`
with instaseis' own resampler, obspy's `lanczos_interpolation` (a = 12, window 'blackman'). That is
a band-limited reconstruction, not an exact one: the 24.72-s sampling folds back what the
Gaussian STF leaves above 1/49.4 Hz (its spectrum is 3.7% at that Nyquist frequency), so raw
resampled traces differ from a finely sampled AxiSEM trace by up to a few percent at the shortest
periods. After the 150-s low-pass the reconstruction error, measured on the database's own STF
samples, is 5e-5 (relative L2) for the moment function and 1.2e-3 for the moment-rate pulse, the
shortest signal there is. Before the first sample the reference is zero (M(-173 s) ~ 1e-17). The kernel must not reach
past the last sample (1607.1 s after the origin), so `times` must end by `database_info()['end_time']`
= (65 - 12) * 24.7248 = 1310.4 s for the default kernel width; later times raise ValueError (at 160
degrees the surface waves come much later than the database's 1607 s: compare body waves there).

Comparison
----------
`lowpass(data, dt, period=150)`: 4th-order Butterworth low-pass at 1/period Hz in second-order
sections, applied forward and backward (`scipy.signal.sosfiltfilt`, default odd-extension padding)
along the last axis: zero phase, amplitude |H|^2 (-6 dB at 1/period, 8th-order roll-off). Being
zero-phase it is acausal: a short pulse spreads over about +-100 s with sidelobes of 10%, so pick no
onsets with small thresholds after it. Apply it to sem and reference alike, on the same samples.
`relative_l2(a, b)` = ||a - b|| / ||b|| along the last axis, per receiver and component, b the
reference; a component that is nodal in the reference makes it meaningless, so choose a generic
mechanism and azimuths.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np
import pytest

INSTASEIS_VERSION = "1.5.0"
DATABASE_NAME = "100s_db_fwd"
SDIST_NAME = f"instaseis-{INSTASEIS_VERSION}.tar.gz"
_MEMBER_PREFIX = f"instaseis-{INSTASEIS_VERSION}/tests/data/{DATABASE_NAME}/"
_REQUIRED = ("MZZ/Data/ordered_output.nc4", "MXX_P_MYY/Data/ordered_output.nc4",
             "MXZ_MYZ/Data/ordered_output.nc4", "MXY_MXX_M_MYY/Data/ordered_output.nc4")

SOURCE_PERIOD = 100.0
"""T0 (s): AxiSEM's source period for this database (the mesh's dominant period)."""
STF_DECAY = 3.5
"""AxiSEM's decay constant: M_ax(t) = (1 + erf(STF_DECAY (t - t_s) / T0)) / 2."""
KERNELWIDTH = 12
"""Lanczos kernel half-width in database samples (instaseis' default)."""
COMPONENTS = ("Z", "N", "E")


def cache_dir() -> Path:
    """The download cache: `$SEM_TEST_CACHE`, default `~/.cache/sem-tests`."""
    env = os.environ.get("SEM_TEST_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "sem-tests"


def _download_sdist(root: Path) -> Path:
    """The instaseis sdist in `root`, fetched with `pip download` unless it is there already."""
    sdist = root / SDIST_NAME
    if sdist.is_file() and tarfile.is_tarfile(sdist):
        return sdist
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".download-", dir=root))
    try:
        cmd = [sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps",
               "--disable-pip-version-check", "--dest", str(tmp), f"instaseis=={INSTASEIS_VERSION}"]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        got = tmp / SDIST_NAME
        if proc.returncode != 0 or not got.is_file():
            tail = (proc.stderr or proc.stdout or "").strip().splitlines()[-3:]
            raise RuntimeError(f"`{' '.join(cmd[2:])}` failed (exit {proc.returncode}): {' | '.join(tail)}")
        if not tarfile.is_tarfile(got):
            raise RuntimeError(f"{got.name} is not a tar archive")
        os.replace(got, sdist)           # atomic: a concurrent download of the same file is harmless
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return sdist


def _extract_database(sdist: Path, target: Path) -> Path:
    """Extract `tests/data/100s_db_fwd/` of the sdist (and nothing else) to `target`.

    Only regular files and directories under that folder are written, through paths checked to stay
    inside it. The folder is assembled beside `target` and renamed into place, so `target` exists
    only when complete (a concurrent extraction that wins the rename is used as it is).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".extract-", dir=target.parent))
    try:
        with tarfile.open(sdist, "r:*") as tar:
            for member in tar.getmembers():
                if not member.name.startswith(_MEMBER_PREFIX):
                    continue
                rel = member.name[len(_MEMBER_PREFIX):].strip("/")
                if not rel:
                    continue
                parts = Path(rel).parts
                if Path(rel).is_absolute() or ".." in parts:
                    raise RuntimeError(f"unsafe path in {sdist.name}: {member.name}")
                dest = tmp.joinpath(*parts)
                if member.isdir():
                    dest.mkdir(parents=True, exist_ok=True)
                elif member.isfile():
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    with tar.extractfile(member) as src, open(dest, "wb") as out:
                        shutil.copyfileobj(src, out)
                else:
                    raise RuntimeError(f"unexpected link or special file in {sdist.name}: {member.name}")
        missing = [p for p in _REQUIRED if not (tmp / p).is_file()]
        if missing:
            raise RuntimeError(f"{sdist.name} lacks {_MEMBER_PREFIX}{missing[0]}")
        tmp.chmod(0o755)                         # mkdtemp made it private
        try:
            os.rename(tmp, target)
        except OSError:
            if not all((target / p).is_file() for p in _REQUIRED):
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


@contextlib.contextmanager
def _exclusive(root: Path):
    """Hold a lock on `root/.lock` (POSIX), so that parallel test workers download once."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "a") as fh:
        try:
            import fcntl
        except ImportError:                      # no POSIX locks: the atomic renames still keep it safe
            yield
            return
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _unavailable(reason: str):
    """Skip with `reason`, or fail where the reference is required (`SEM_REQUIRE_REFERENCE=1`)."""
    if os.environ.get("SEM_REQUIRE_REFERENCE") == "1":
        pytest.fail(f"{reason} (SEM_REQUIRE_REFERENCE=1: the reference is required here)", pytrace=False)
    pytest.skip(reason)


def database_path() -> Path:
    """Path of the extracted `100s_db_fwd` folder, fetched into the cache on first use.

    Calls `_unavailable` (skip, or fail where required) with the reason when it cannot be had.
    """
    root = cache_dir() / f"instaseis-{INSTASEIS_VERSION}"
    target = root / DATABASE_NAME
    if all((target / p).is_file() for p in _REQUIRED):
        return target
    if str(root) in _FAILED:                     # tried in this process already: do not retry per test
        _unavailable(_FAILED[str(root)])
    try:
        with _exclusive(root):
            if all((target / p).is_file() for p in _REQUIRED):       # another worker fetched it meanwhile
                return target
            return _extract_database(_download_sdist(root), target)
    except Exception as exc:    # noqa: BLE001 -- any failure to fetch means: skip, saying why
        _FAILED[str(root)] = (f"AxiSEM reference database {DATABASE_NAME} from the instaseis {INSTASEIS_VERSION} "
                              f"sdist is not available (cache {root}): {type(exc).__name__}: {exc}")
        _unavailable(_FAILED[str(root)])


_FAILED: dict[str, str] = {}


@functools.lru_cache(maxsize=1)
def _open(path: str):
    import instaseis
    return instaseis.open_db(path)


def open_database():
    """The instaseis database object (skips if instaseis is missing or the data cannot be had)."""
    try:
        import instaseis  # noqa: F401
    except ImportError as exc:
        _unavailable(f"instaseis=={INSTASEIS_VERSION} (the `test` extra) is needed to read the AxiSEM reference "
                    f"database: {type(exc).__name__}: {exc}")
    return _open(str(database_path()))


def _resample(samples, times, kernelwidth: int = KERNELWIDTH) -> np.ndarray:
    """Database samples (npts,) at t_k = (k - src_shift_samples) dt_db -> values at uniform `times`.

    obspy's `lanczos_interpolation` (instaseis' resampler) with a = `kernelwidth`, window
    'blackman'. Times before the first sample give 0; `times` must be uniform, with a step no larger
    than the database's, and end by `end_time(kernelwidth)`.
    """
    from obspy.signal.interpolation import lanczos_interpolation
    info = database_info()
    times = np.asarray(times, dtype=float)
    samples = np.asarray(samples, dtype=np.float64)
    if samples.shape != (info["npts"],):
        raise ValueError(f"expected {info['npts']} database samples, got shape {samples.shape}")
    if times.ndim != 1 or len(times) < 2:
        raise ValueError("times must be a 1-D array of at least 2 samples")
    dt = float(times[1] - times[0])
    if not dt > 0 or not np.allclose(np.diff(times), dt, rtol=1e-9, atol=1e-9 * max(1.0, np.abs(times).max())):
        raise ValueError("times must be uniformly spaced and increasing")
    if dt > info["dt"] * (1 + 1e-9):
        raise ValueError(f"time step {dt} s exceeds the database's {info['dt']:.4f} s (that would need an "
                         "anti-alias filter first)")
    t_end = end_time(kernelwidth)
    if times[-1] > t_end + 1e-6:
        raise ValueError(f"times end at {times[-1]:.1f} s, after {t_end:.1f} s: the reference is reliable only up "
                         f"to {kernelwidth} database samples before its last one ({info['last_time']:.1f} s)")
    out = np.zeros(len(times))
    k0 = int(np.searchsorted(times, info["start_time"] - 1e-9))
    if k0 < len(times):
        out[k0:] = lanczos_interpolation(np.require(samples, requirements=["C"]), info["start_time"], info["dt"],
                                         float(times[k0]), dt, len(times) - k0, a=int(kernelwidth),
                                         window="blackman")
    return out


def end_time(kernelwidth: int = KERNELWIDTH) -> float:
    """Last time (s after the origin) at which `reference` is free of the record's end."""
    info = database_info()
    return info["last_time"] - kernelwidth * info["dt"]


@functools.lru_cache(maxsize=1)
def _info() -> dict:
    db = open_database()
    i = db.info
    n_shift = int(i.src_shift_samples)
    dt = float(i.dt)
    info = dict(
        name=DATABASE_NAME, instaseis_version=INSTASEIS_VERSION, path=str(database_path()),
        model=str(i.velocity_model), attenuation=bool(i.attenuation),
        planet_radius_m=float(i.planet_radius), source_depth_km=float(i.source_depth),
        receiver_depth_km=((float(i.planet_radius) - float(i.max_radius)) / 1e3,
                           (float(i.planet_radius) - float(i.min_radius)) / 1e3),
        distance_deg=(float(i.min_d), float(i.max_d)), period=float(i.period), stf=str(i.stf),
        dt=dt, npts=int(i.npts), src_shift=float(i.src_shift), src_shift_samples=n_shift,
        start_time=-n_shift * dt, last_time=(int(i.npts) - 1 - n_shift) * dt,
        solver_dt=float(np.ravel(db.parsed_mesh.f.attrs["time step in sec"])[0]),
        axisem_version=str(i.axisem_version), is_reciprocal=bool(i.is_reciprocal),
        dump_type=str(i.dump_type),
        solver_source_depth_km=_solver_source_depth_km(db.parsed_mesh.f, float(i.planet_radius),
                                                       float(i.source_depth)),
    )
    info["end_time"] = info["last_time"] - KERNELWIDTH * dt
    # This module's claims about the database, checked against the database itself.
    t = info["start_time"] + dt * np.arange(info["npts"])
    m = moment_function()(t)
    problems = []
    if info["is_reciprocal"] or info["stf"] != "errorf" or info["period"] != SOURCE_PERIOD:
        problems.append(f"a forward database with STF errorf and period {SOURCE_PERIOD} s, got "
                        f"reciprocal={info['is_reciprocal']}, stf={info['stf']}, period={info['period']}")
    if abs(info["src_shift"] - n_shift * dt) > 1e-3:
        problems.append(f"a source shift of whole samples, got {info['src_shift']} s vs dt {dt} s")
    if not np.allclose(np.asarray(i.slip, dtype=float), m, rtol=0, atol=1e-6):
        problems.append("slip = (1 + erf(3.5 t / 100 s)) / 2 at the sample times")
    if problems:
        raise RuntimeError(f"{DATABASE_NAME} is not the database this harness describes: expected "
                           + "; ".join(problems))
    return info


def _solver_source_depth_km(nc, radius_m, depth_km) -> float:
    """The depth (km) at which AxiSEM actually put the source: like its solver (find_srcloc), the
    GLL point on the symmetry axis (s = 0, northern half) closest to the requested depth. Read from
    the database's own mesh (`Mesh/mesh_S`, `Mesh/mesh_Z`, metres), which holds every GLL point of
    the stored shell, so also the ones next to the surface."""
    s = np.asarray(nc["Mesh"]["mesh_S"][:], dtype=float)
    z = np.asarray(nc["Mesh"]["mesh_Z"][:], dtype=float)
    z_axis = z[(s == 0.0) & (z >= 0.0)]
    if z_axis.size == 0:
        raise RuntimeError(f"{DATABASE_NAME}: no mesh point on the symmetry axis; cannot find the source point")
    z_src = z_axis[np.argmin(np.abs(z_axis - (radius_m - 1e3 * depth_km)))]
    return (radius_m - z_src) / 1e3


def database_info() -> dict:
    """Facts about the database, read from it (and checked against this module's assumptions).

    Keys: name, instaseis_version, path, model ('prem_iso_light'), attenuation (False),
    planet_radius_m (6371e3), source_depth_km (12.0: the depth asked for), solver_source_depth_km
    (0.0: where AxiSEM put the source, see "The source depth" above), receiver_depth_km ((0, 371)),
    distance_deg ((0, 180)), period (100 s), stf ('errorf'), dt (24.7248 s), npts (73), src_shift
    (173.074 s), src_shift_samples (7), start_time (first sample, -173.074 s after the origin),
    last_time (last sample, 1607.1 s), end_time (last time `reference` may be asked for with the
    default kernel, 1310.4 s), solver_dt (AxiSEM's step, 0.7064 s), axisem_version,
    is_reciprocal (False), dump_type.
    """
    return dict(_info())


def moment_function():
    """The normalised moment function M(t) (sem time: zero = origin) of the reference seismograms.

    `sem.stf.Gaussian(half_duration=1.628 * 100 / 3.5, time_shift=0)`, i.e. (1 + erf(0.035 t)) / 2:
    AxiSEM's errorf STF centred on instaseis' origin time (see the module docstring).
    """
    import sem
    return sem.stf.Gaussian(half_duration=1.628 * SOURCE_PERIOD / STF_DECAY, time_shift=0.0)


def sem_source(lat, lon, m_rtp):
    """A `sem.MomentTensorSource` matching `reference(lat, lon, 12.0, m_rtp, ...)`: tensor, STF and the
    depth at which AxiSEM actually simulated it (`solver_source_depth_km`, 0 km; not the 12 km asked for)."""
    import sem
    m = _tensor(m_rtp)
    return sem.MomentTensorSource.geographic(lat=lat, lon=lon, depth_km=database_info()["solver_source_depth_km"],
                                             mrr=m[0], mtt=m[1], mpp=m[2], mrt=m[3], mrp=m[4], mtp=m[5],
                                             stf=moment_function())


def _tensor(m_rtp) -> np.ndarray:
    m = np.asarray(m_rtp, dtype=float)
    if m.shape != (6,) or not np.all(np.isfinite(m)):
        raise ValueError(f"m_rtp must be 6 finite numbers (mrr, mtt, mpp, mrt, mrp, mtp) in N m, got {m_rtp!r}")
    return m


def _receiver_coordinates(receivers):
    """(lat, lon, depth_km) for each receiver: (lat, lon), (lat, lon, depth_km) or a geographic sem.Receiver."""
    out = []
    for r in receivers:
        if hasattr(r, "lat") and hasattr(r, "lon"):
            out.append((float(r.lat), float(r.lon), float(getattr(r, "depth_km", 0.0))))
            continue
        r = tuple(float(v) for v in r)
        if len(r) not in (2, 3):
            raise ValueError(f"a receiver is (lat, lon) or (lat, lon, depth_km), got {r!r}")
        out.append(r if len(r) == 3 else (r[0], r[1], 0.0))
    if not out:
        raise ValueError("no receivers")
    return out


def reference(source_lat, source_lon, depth_km, m_rtp, receivers, times, kernelwidth: int = KERNELWIDTH):
    """AxiSEM displacement (nrec, 3, nt) in metres, components (Z up, N, E), at `times` (s after origin).

    source_lat, source_lon: degrees (geocentric); depth_km must be the database's 12 km;
    m_rtp: (mrr, mtt, mpp, mrt, mrp, mtp) in N m (CMTSOLUTION convention); receivers: (lat, lon)
    or (lat, lon, depth_km) pairs or geographic `sem.Receiver`s; times: uniform, step <= 24.72 s,
    ending by `database_info()['end_time']`. The moment function is `moment_function()`.
    Resampled from the database's samples with instaseis' Lanczos resampler (module docstring).
    """
    import instaseis
    db = open_database()
    info = database_info()
    if not abs(float(depth_km) - info["source_depth_km"]) <= 1e-6:
        raise ValueError(f"the forward database's source is at {info['source_depth_km']} km depth; "
                         f"it cannot give a source at {depth_km} km")
    m = _tensor(m_rtp)
    coords = _receiver_coordinates(receivers)
    times = np.asarray(times, dtype=float)
    _resample(np.zeros(info["npts"]), times, kernelwidth)        # validates times before any work
    source = instaseis.Source(latitude=float(source_lat), longitude=float(source_lon), m_rr=m[0], m_tt=m[1],
                              m_pp=m[2], m_rt=m[3], m_rp=m[4], m_tp=m[5])
    out = np.empty((len(coords), 3, len(times)))
    for r, (lat, lon, depth) in enumerate(coords):
        receiver = instaseis.Receiver(latitude=lat, longitude=lon, depth_in_m=1000.0 * depth)
        data = db.get_seismograms(source=source, receiver=receiver, components=COMPONENTS, kind="displacement",
                                  remove_source_shift=False, reconvolve_stf=False, return_obspy_stream=False,
                                  dt=None)
        for c, comp in enumerate(COMPONENTS):
            out[r, c] = _resample(data[comp], times, kernelwidth)
    return out


def lowpass(data, dt, period: float = 150.0) -> np.ndarray:
    """Zero-phase low-pass of `data` along its last axis: order-4 Butterworth at 1/period Hz, run
    forward and backward (`scipy.signal.sosfiltfilt`, so |H|^2, -6 dB at 1/period); dt in s."""
    from scipy.signal import butter, sosfiltfilt
    if not (dt > 0 and period > 2 * dt):
        raise ValueError(f"need 0 < 2 dt < period, got dt={dt}, period={period}")
    sos = butter(4, 1.0 / period, btype="low", fs=1.0 / dt, output="sos")
    return sosfiltfilt(sos, np.asarray(data, dtype=float), axis=-1)


def relative_l2(a, b) -> np.ndarray:
    """||a - b||_2 / ||b||_2 along the last axis (b the reference): shape (nrec, 3) for (nrec, 3, nt)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    return np.linalg.norm(a - b, axis=-1) / np.linalg.norm(b, axis=-1)
