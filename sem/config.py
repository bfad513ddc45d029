"""TOML run configurations: parse a file into a mesh, model, sources, receivers and a Simulation.

Every table and key is checked; an unknown key is an error that lists the valid ones.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from . import mesh as meshmod
from . import stf as stfmod
from .model import Model
from .receivers import Receiver
from .simulation import Simulation
from .sources import ForceSource, MomentTensorSource

STF_TYPES = {"ricker": stfmod.Ricker, "gaussian": stfmod.Gaussian,
             "smoothed_heaviside": stfmod.SmoothedHeaviside}


def _keys(table, allowed, where):
    unknown = set(table) - set(allowed)
    if unknown:
        raise ValueError(f"[{where}]: unknown key(s) {sorted(unknown)}; valid keys are {sorted(allowed)}")


def _need(table, key, where):
    if key not in table:
        raise ValueError(f"[{where}]: missing required key {key!r}")
    return table[key]


def build_mesh(t):
    _keys(t, {"type", "size", "elements", "order", "origin"}, "mesh")
    kind = t.get("type", "box")
    if kind != "box":
        raise ValueError(f"[mesh]: unknown type {kind!r}; available: 'box'")
    return meshmod.box(size=_need(t, "size", "mesh"), elements=_need(t, "elements", "mesh"),
                       order=t.get("order", 4), origin=t.get("origin", (0.0, 0.0, 0.0)))


def build_model(mesh, t):
    kind = t.get("type", "isotropic")
    params = {k: v for k, v in t.items() if k != "type"}
    if kind == "isotropic":
        _keys(params, {"vp", "vs", "rho"}, "model")
        return Model.isotropic(mesh, **{k: _need(params, k, "model") for k in ("vp", "vs", "rho")})
    if kind == "transversely_isotropic":
        _keys(params, {"vpv", "vph", "vsv", "vsh", "eta", "rho", "axis"}, "model")
        return Model.transversely_isotropic(mesh, **params)
    raise ValueError(f"[model]: unknown type {kind!r}; available: 'isotropic', 'transversely_isotropic'")


def build_stf(t, where):
    t = dict(t)
    kind = t.pop("type", None)
    if kind not in STF_TYPES:
        raise ValueError(f"[{where}.stf]: type must be one of {sorted(STF_TYPES)}, got {kind!r}")
    try:
        return STF_TYPES[kind](**t)
    except TypeError as exc:
        raise ValueError(f"[{where}.stf]: {exc}") from None


def build_source(t, i):
    where = f"sources[{i}]"
    kind = t.get("type", "moment_tensor")
    if kind == "moment_tensor":
        _keys(t, {"type", "position", "tensor", "stf"}, where)
        return MomentTensorSource(_need(t, "position", where), _need(t, "tensor", where),
                                  build_stf(_need(t, "stf", where), where))
    if kind == "force":
        _keys(t, {"type", "position", "force", "stf"}, where)
        return ForceSource(_need(t, "position", where), _need(t, "force", where),
                           build_stf(_need(t, "stf", where), where))
    raise ValueError(f"[{where}]: type must be 'moment_tensor' or 'force', got {kind!r}")


def build_receiver(t, i):
    where = f"receivers[{i}]"
    _keys(t, {"name", "network", "position"}, where)
    return Receiver(_need(t, "position", where), name=t.get("name", f"R{i:03d}"), network=t.get("network", "XX"))


SIM_KEYS = {"duration", "dt", "boundaries", "backend", "dtype", "record", "courant", "progress", "origin_time"}


def load(path):
    """Read a TOML configuration; returns (Simulation, output table)."""
    path = Path(path)
    with open(path, "rb") as f:
        cfg = tomllib.load(f)
    _keys(cfg, {"mesh", "model", "sources", "receivers", "simulation", "output"}, "top level")
    mesh = build_mesh(_need(cfg, "mesh", "top level"))
    model = build_model(mesh, _need(cfg, "model", "top level"))
    sources = [build_source(t, i) for i, t in enumerate(cfg.get("sources", []))]
    receivers = [build_receiver(t, i) for i, t in enumerate(cfg.get("receivers", []))]
    simt = _need(cfg, "simulation", "top level")
    _keys(simt, SIM_KEYS, "simulation")
    sim = Simulation(mesh, model, sources, receivers, **simt)
    out = cfg.get("output", {})
    _keys(out, {"hdf5", "asdf", "plot"}, "output")
    out = {k: (path.parent / v) for k, v in out.items()}
    return sim, out
