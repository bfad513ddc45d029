"""TOML run configurations: parse a file into an Earth model, a mesh, a model, sources, receivers and a
Simulation.

Every table and key is checked; an unknown key is an error that lists the valid ones. Tables:

[earth]       1-D Earth model (sem.earth): model = "prem" (isotropic, crust, ocean, reference_period),
              "ak135f" (variant, ocean) or "table" (file = a TabularModel text file). Used by a
              cubed-sphere mesh and by [model] type = "earth".
[mesh]        type = "box" (size, elements, order, origin) or "cubed_sphere" (min_period, order,
              points_per_wavelength, nex, doubling, honour, chunk = {center, width, azimuth, depth_km}).
[model]       type = "isotropic" (vp, vs, rho), "transversely_isotropic" (vpv, vph, vsv, vsh, eta, rho,
              axis), "anisotropic" (c: a 6x6 Voigt matrix, or c11 .. c66; and rho) or "earth" (the
              [earth] model on the mesh: isotropic; fluid layers become fluid elements; its Q); the
              first three also take qmu, qkappa (quality factors, for attenuation).
[[sources]]   type = "moment_tensor" (position + tensor, or lat + lon + depth_km + mrr .. mtp) or
              "force" (position + force, or lat + lon + depth_km + force_zne), each with an stf table;
              or one table sources = { cmtsolution = FILE } / { quakeml = FILE }.
[[receivers]] position (+ name, network, location), or lat + lon (+ depth_km, station, network,
              location); or one table receivers = { stations = FILE } / { stationxml = FILE }.
[simulation]  the keyword arguments of sem.Simulation (SIM_KEYS); attenuation = true, or a table of
              sem.Attenuation's arguments { n_sls, band = [min_period, max_period], reference_frequency }.
[output]      hdf5, asdf, plot (seismograms of a run) and vtu, xdmf (the mesh and model for ParaView).

Paths of input files (CMTSOLUTION, STATIONS, ...) are relative to the TOML file; relative output
paths are relative to `out_dir` when given (the command line's --out), else to the TOML file.
Geographic sources and receivers sit on a sphere of the [earth] model's radius (6371 km without one).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np

from . import Simulation
from . import earth as earthmod
from . import mesh as meshmod
from . import stf as stfmod
from .geography import EARTH_RADIUS
from .io.events import EventSources, read_cmtsolution, read_quakeml
from .io.stations import read_stations, read_stationxml
from .model import Model
from .physics.attenuation import Attenuation
from .physics.anisotropic import CIJ_NAMES
from .receivers import Receiver
from .sources import ForceSource, MomentTensorSource

STF_TYPES = {"ricker": stfmod.Ricker, "gaussian": stfmod.Gaussian,
             "smoothed_heaviside": stfmod.SmoothedHeaviside}

TOP_KEYS = ("earth", "mesh", "model", "sources", "receivers", "simulation", "output")
SIM_KEYS = {"duration", "dt", "boundaries", "backend", "dtype", "record", "courant", "progress", "origin_time",
            "attenuation"}
OUTPUT_KEYS = {"hdf5", "asdf", "plot", "vtu", "xdmf"}
#: outputs of the mesh and model (written by `sem mesh` and by `sem run`)
MESH_OUTPUTS = ("vtu", "xdmf")

EARTH_KEYS = {"prem": {"model", "isotropic", "crust", "ocean", "reference_period"},
              "ak135f": {"model", "variant", "ocean"},
              "table": {"model", "file"}}
BOX_KEYS = {"type", "size", "elements", "order", "origin"}
CUBED_SPHERE_KEYS = {"type", "min_period", "order", "points_per_wavelength", "nex", "doubling", "honour", "chunk"}
CHUNK_KEYS = {"center", "width", "azimuth", "depth_km"}
Q_KEYS = {"qmu", "qkappa"}
MODEL_KEYS = {"isotropic": {"type", "vp", "vs", "rho", *Q_KEYS},
              "transversely_isotropic": {"type", "vpv", "vph", "vsv", "vsh", "eta", "rho", "axis", *Q_KEYS},
              "anisotropic": {"type", "c", "rho", *CIJ_NAMES, *Q_KEYS},
              "earth": {"type", "isotropic"}}
ATTENUATION_KEYS = {"n_sls", "band", "reference_frequency"}
SOURCE_FILE_KEYS = {"cmtsolution": {"cmtsolution", "time_zero", "half_duration"},
                    "quakeml": {"quakeml", "event", "half_duration"}}
RECEIVER_FILE_KEYS = {"stations": {"stations"}, "stationxml": {"stationxml"}}
MOMENT_RTP = ("mrr", "mtt", "mpp", "mrt", "mrp", "mtp")
GEO = ("lat", "lon", "depth_km")


def _table(table, where):
    if not isinstance(table, dict):
        raise ValueError(f"[{where}]: expected a table, got {table!r}")
    return table


def _keys(table, allowed, where, note=""):
    """Refuse keys of `table` outside `allowed`; `note` says which kind of table it is (e.g.
    " for model = 'prem'") where the valid keys depend on the kind."""
    _table(table, where)
    unknown = set(table) - set(allowed)
    if unknown:
        raise ValueError(f"[{where}]: unknown key(s) {sorted(unknown)}{note}; valid keys are {sorted(allowed)}")


def _need(table, key, where):
    if key not in table:
        raise ValueError(f"[{where}]: missing required key {key!r}")
    return table[key]


def _choice(table, key, choices, where, default=None):
    value = table.get(key, default) if default is not None else _need(table, key, where)
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"[{where}]: {key} must be one of {sorted(choices)}, got {value!r}")
    return value


def _bool(table, key, default, where):
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ValueError(f"[{where}]: {key} must be true or false, got {value!r}")
    return value


def _file(base, value, where, key):
    if not isinstance(value, str) or not value:
        raise ValueError(f"[{where}]: {key} must be a file name, got {value!r}")
    path = Path(base) / value
    if not path.is_file():
        raise FileNotFoundError(f"[{where}]: {key} file {str(path)!r} not found")
    return path


def _call(where, fn, *args, **kwargs):
    """fn(*args, **kwargs), with a bad argument reported as a ValueError naming the table."""
    try:
        return fn(*args, **kwargs)
    except TypeError as exc:
        raise ValueError(f"[{where}]: {exc}") from None


# --- earth, mesh, model --------------------------------------------------------------------------
def build_earth(t, base="."):
    """The 1-D model of an [earth] table (sem.earth); `base` is the folder of a table file's path."""
    kind = _choice(_table(t, "earth"), "model", EARTH_KEYS, "earth")
    _keys(t, EARTH_KEYS[kind], "earth", f" for model = {kind!r}")
    if kind == "prem":
        return _call("earth", earthmod.PREM, isotropic=_bool(t, "isotropic", False, "earth"),
                     crust=_bool(t, "crust", True, "earth"), ocean=_bool(t, "ocean", True, "earth"),
                     reference_period=t.get("reference_period", 1.0))
    if kind == "ak135f":
        return _call("earth", earthmod.AK135F, variant=t.get("variant", "full"),
                     ocean=_bool(t, "ocean", True, "earth"))
    return earthmod.TabularModel.from_file(_file(base, _need(t, "file", "earth"), "earth", "file"))


def _chunk(t):
    _keys(t, CHUNK_KEYS, "mesh.chunk")
    for k in ("center", "width"):
        v = _need(t, k, "mesh.chunk")
        if not (isinstance(v, list) and len(v) == 2):
            raise ValueError(f"[mesh.chunk]: {k} must be two numbers (degrees), got {v!r}")
    return dict(center=tuple(t["center"]), width=tuple(t["width"]), azimuth=t.get("azimuth", 0.0),
                depth_km=_need(t, "depth_km", "mesh.chunk"))


def build_mesh(t, earth=None):
    """The mesh of a [mesh] table; a cubed sphere needs the `earth` model of the [earth] table."""
    kind = _choice(_table(t, "mesh"), "type", ("box", "cubed_sphere"), "mesh", default="box")
    if kind == "box":
        _keys(t, BOX_KEYS, "mesh", " for type = 'box'")
        return _call("mesh", meshmod.box, size=_need(t, "size", "mesh"), elements=_need(t, "elements", "mesh"),
                     order=t.get("order", 4), origin=t.get("origin", (0.0, 0.0, 0.0)))
    _keys(t, CUBED_SPHERE_KEYS, "mesh", " for type = 'cubed_sphere'")
    if earth is None:
        raise ValueError("[mesh]: type 'cubed_sphere' needs an [earth] table (the 1-D model it is built for)")
    nex = t.get("nex")
    if isinstance(nex, list):
        nex = tuple(nex)
    return _call("mesh", meshmod.cubed_sphere, earth, _need(t, "min_period", "mesh"), order=t.get("order", 4),
                 chunk=_chunk(t["chunk"]) if "chunk" in t else None,
                 points_per_wavelength=t.get("points_per_wavelength", 5.0), nex=nex,
                 doubling=t.get("doubling", True), honour=t.get("honour"))


def _model_kind(t):
    kind = _choice(_table(t, "model"), "type", MODEL_KEYS, "model", default="isotropic")
    _keys(t, MODEL_KEYS[kind], "model", f" for type = {kind!r}")
    return kind


def build_model(mesh, t, earth=None):
    """The model of a [model] table on `mesh`; type "earth" needs the `earth` of the [earth] table."""
    kind = _model_kind(t)
    params = {k: v for k, v in t.items() if k != "type" and k not in Q_KEYS}
    q = {k: t[k] for k in Q_KEYS if k in t}
    if kind == "isotropic":
        return Model.isotropic(mesh, **{k: _need(params, k, "model") for k in ("vp", "vs", "rho")}, **q)
    if kind == "transversely_isotropic":
        for k in ("vpv", "vph", "vsv", "vsh", "eta", "rho"):
            _need(params, k, "model")
        return Model.transversely_isotropic(mesh, **params, **q)
    if kind == "anisotropic":
        rho = _need(params, "rho", "model")
        cij = {k: v for k, v in params.items() if k in CIJ_NAMES}
        if "c" in params:
            if cij:
                raise ValueError(f"[model]: give either c (a 6x6 matrix) or c11 .. c66, not both "
                                 f"(found c and {sorted(cij)})")
            c = np.asarray(params["c"], dtype=float)
            if c.shape != (6, 6):
                raise ValueError(f"[model]: c must be a 6x6 Voigt matrix (Pa), a list of 6 rows of 6, "
                                 f"got shape {c.shape}")
            return Model.anisotropic(mesh, c, rho, **q)
        if not cij:
            raise ValueError("[model]: type 'anisotropic' needs c (a 6x6 Voigt matrix, Pa) or the "
                             f"coefficients {', '.join(CIJ_NAMES)} (those left out are 0)")
        return Model.anisotropic(mesh, {k: cij.get(k, 0.0) for k in CIJ_NAMES}, rho, **q)
    if earth is None:
        raise ValueError("[model]: type 'earth' needs an [earth] table")
    return Model.from_earth(mesh, earth, isotropic=_bool(params, "isotropic", False, "model"))


# --- sources and receivers -----------------------------------------------------------------------
def build_stf(t, where):
    if not isinstance(t, dict):
        raise ValueError(f"[{where}.stf]: expected a table such as {{ type = \"gaussian\", half_duration = 1.0 }}, "
                         f"got {t!r}")
    t = dict(t)
    kind = t.pop("type", None)
    if kind not in STF_TYPES:
        raise ValueError(f"[{where}.stf]: type must be one of {sorted(STF_TYPES)}, got {kind!r}")
    return _call(f"{where}.stf", STF_TYPES[kind], **t)


def _geographic(t, where):
    """True for a geographic entry (lat, lon, ...), False for a Cartesian one (position)."""
    geo = [k for k in GEO if k in t]
    if "position" in t and geo:
        raise ValueError(f"[{where}]: give either position (Cartesian, m) or {', '.join(GEO)} (geographic), "
                         f"not both (found position and {', '.join(geo)})")
    if "position" not in t and not geo:
        raise ValueError(f"[{where}]: missing the location: position = [x, y, z] (m, Cartesian) or "
                         f"lat, lon, depth_km (geographic)")
    return bool(geo)


def build_source(t, i, radius=EARTH_RADIUS):
    where = f"sources[{i}]"
    kind = _choice(_table(t, where), "type", ("moment_tensor", "force"), where, default="moment_tensor")
    if kind == "moment_tensor":
        if _geographic(t, where):
            _keys(t, {"type", *GEO, *MOMENT_RTP, "stf"}, where,
                  " for a geographic moment tensor (lat, lon, depth_km)")
            return _call(where, MomentTensorSource.geographic, *(_need(t, k, where) for k in GEO + MOMENT_RTP),
                         stf=build_stf(_need(t, "stf", where), where), radius=radius)
        _keys(t, {"type", "position", "tensor", "stf"}, where, " for a Cartesian moment tensor (position)")
        return MomentTensorSource(_need(t, "position", where), _need(t, "tensor", where),
                                  build_stf(_need(t, "stf", where), where))
    if _geographic(t, where):
        _keys(t, {"type", *GEO, "force_zne", "stf"}, where, " for a geographic force (lat, lon, depth_km)")
        return _call(where, ForceSource.geographic, *(_need(t, k, where) for k in GEO),
                     _need(t, "force_zne", where), build_stf(_need(t, "stf", where), where), radius=radius)
    _keys(t, {"type", "position", "force", "stf"}, where, " for a Cartesian force (position)")
    return ForceSource(_need(t, "position", where), _need(t, "force", where),
                       build_stf(_need(t, "stf", where), where))


def _source_file(t, base, radius):
    """The sources of a CMTSOLUTION or QuakeML file (an EventSources list with origin_time)."""
    kinds = [k for k in SOURCE_FILE_KEYS if k in t]
    if len(kinds) != 1:
        raise ValueError(f"[sources]: a sources table names one file, cmtsolution = \"FILE\" or quakeml = \"FILE\" "
                         f"(or use a [[sources]] list); got keys {sorted(t)}")
    kind = kinds[0]
    _keys(t, SOURCE_FILE_KEYS[kind], "sources", f" with {kind}")
    path = _file(base, t[kind], "sources", kind)
    hdur = t.get("half_duration")
    if hdur is not None and not (isinstance(hdur, (int, float)) and hdur >= 0):
        raise ValueError(f"[sources]: half_duration must be a number of seconds >= 0, got {hdur!r}")
    if kind == "cmtsolution":
        srcs = read_cmtsolution(path, radius=radius,
                                time_zero=_choice(t, "time_zero", ("centroid", "hypocentre", "hypocenter"),
                                                  "sources", default="centroid"))
    else:
        srcs = read_quakeml(path, radius=radius, half_duration=hdur)
        if "event" in t:
            k = t["event"]
            if not (isinstance(k, int) and 0 <= k < len(srcs)):
                raise ValueError(f"[sources]: event must be an index 0 .. {len(srcs) - 1} into the events of "
                                 f"{path}, got {k!r}")
            srcs = EventSources([srcs[k]], origin_time=srcs[k].origin_time)
        elif len(srcs) > 1:
            raise ValueError(f"[sources]: {path} holds {len(srcs)} events, which are separate runs; choose one "
                             f"with event = 0 .. {len(srcs) - 1}")
    if hdur is not None:                          # the same moment functions, widened or narrowed
        for s in srcs:
            s.stf = stfmod.Gaussian(float(hdur), s.stf.time_shift)
            s.half_duration = float(hdur)
    return srcs


def build_sources(value, base=".", radius=EARTH_RADIUS):
    """The sources of the `sources` key: a list of tables, or one table naming a file."""
    if isinstance(value, dict):
        return _source_file(value, base, radius)
    if not isinstance(value, list):
        raise ValueError(f"[sources]: expected [[sources]] tables or sources = {{ cmtsolution = \"FILE\" }}, "
                         f"got {value!r}")
    return [build_source(t, i, radius) for i, t in enumerate(value)]


def build_receiver(t, i, radius=EARTH_RADIUS):
    where = f"receivers[{i}]"
    if _geographic(_table(t, where), where):
        _keys(t, {*GEO, "station", "network", "location"}, where, " for a geographic receiver (lat, lon)")
        return _call(where, Receiver.geographic, _need(t, "lat", where), _need(t, "lon", where),
                     depth_km=t.get("depth_km", 0.0), network=t.get("network", "XX"),
                     station=t.get("station", f"R{i:03d}"), location=t.get("location", ""), radius=radius)
    _keys(t, {"name", "network", "location", "position"}, where, " for a Cartesian receiver (position)")
    return Receiver(_need(t, "position", where), name=t.get("name", f"R{i:03d}"), network=t.get("network", "XX"),
                    location=t.get("location", ""))


def build_receivers(value, base=".", radius=EARTH_RADIUS):
    """The receivers of the `receivers` key: a list of tables, or one table naming a file."""
    if isinstance(value, dict):
        kinds = [k for k in RECEIVER_FILE_KEYS if k in value]
        if len(kinds) != 1:
            raise ValueError("[receivers]: a receivers table names one file, stations = \"FILE\" (SPECFEM STATIONS) "
                             f"or stationxml = \"FILE\" (or use a [[receivers]] list); got keys {sorted(value)}")
        kind = kinds[0]
        _keys(value, RECEIVER_FILE_KEYS[kind], "receivers", f" with {kind}")
        path = _file(base, value[kind], "receivers", kind)
        reader = read_stations if kind == "stations" else read_stationxml
        return reader(path, radius=radius)
    if not isinstance(value, list):
        raise ValueError(f"[receivers]: expected [[receivers]] tables or receivers = {{ stations = \"FILE\" }}, "
                         f"got {value!r}")
    return [build_receiver(t, i, radius) for i, t in enumerate(value)]


# --- files ---------------------------------------------------------------------------------------
def _read(path):
    path = Path(path)
    with open(path, "rb") as f:
        try:
            cfg = tomllib.load(f)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{path}: not valid TOML ({exc})") from None
    _keys(cfg, TOP_KEYS, "top level")
    return path, cfg


def build_output(t, base):
    """The [output] table with every path resolved against `base` (absolute paths stay)."""
    _keys(t, OUTPUT_KEYS, "output")
    out = {}
    for k, v in t.items():
        if not isinstance(v, str) or not v:
            raise ValueError(f"[output]: {k} must be a file name, got {v!r}")
        out[k] = Path(base) / v
    return out


def _out_base(path, out_dir):
    return Path(out_dir) if out_dir is not None else path.parent


def load(path, out_dir=None):
    """Read a TOML configuration; returns (Simulation, output table: name -> Path).

    Relative output paths are resolved against `out_dir` when given, else the TOML file's folder.
    The cheap tables (earth, output, simulation keys, sources, receivers) are read and checked
    before the mesh is built."""
    path, cfg = _read(path)
    earth = build_earth(cfg["earth"], path.parent) if "earth" in cfg else None
    out = build_output(cfg.get("output", {}), _out_base(path, out_dir))
    simt = dict(_need(cfg, "simulation", "top level"))
    _keys(simt, SIM_KEYS, "simulation")
    if isinstance(simt.get("attenuation"), dict):               # attenuation = { n_sls = 3, band = [...] }
        att = simt["attenuation"]
        _keys(att, ATTENUATION_KEYS, "simulation.attenuation")
        simt["attenuation"] = _call("simulation.attenuation", Attenuation, **att)
    radius = float(earth.radius) if earth is not None else EARTH_RADIUS
    sources = build_sources(cfg.get("sources", []), path.parent, radius)
    receivers = build_receivers(cfg.get("receivers", []), path.parent, radius)
    model_table = _need(cfg, "model", "top level")
    _model_kind(model_table)
    mesh = build_mesh(_need(cfg, "mesh", "top level"), earth)
    model = build_model(mesh, model_table, earth)
    if simt.get("origin_time") is None and getattr(sources, "origin_time", None) is not None:
        simt["origin_time"] = sources.origin_time          # time zero of a CMTSOLUTION / QuakeML file
    sim = _call("simulation", Simulation, mesh, model, sources, receivers, **simt)
    return sim, out


def load_mesh(path, out_dir=None):
    """Read only the [earth] and [mesh] tables (and [output]) of a TOML configuration; returns
    (mesh, earth model or None, output table). The other tables are not read."""
    mesh, earth, _, out = _load_mesh(path, out_dir, with_model=False)
    return mesh, earth, out


def load_mesh_model(path, out_dir=None):
    """Like `load_mesh`, plus the model of the [model] table (None without one); returns
    (mesh, earth or None, model or None, output table)."""
    return _load_mesh(path, out_dir, with_model=True)


def _load_mesh(path, out_dir, with_model):
    path, cfg = _read(path)
    earth = build_earth(cfg["earth"], path.parent) if "earth" in cfg else None
    out = build_output(cfg.get("output", {}), _out_base(path, out_dir))
    mesh = build_mesh(_need(cfg, "mesh", "top level"), earth)
    model = build_model(mesh, cfg["model"], earth) if with_model and "model" in cfg else None
    return mesh, earth, model, out
