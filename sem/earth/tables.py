"""Tabulated 1-D Earth models: user tables and ak135-f.

A table is a list of rows ``depth_km vp vs rho [qmu qkappa]``, depth increasing downwards. Parameters
are interpolated linearly in radius between consecutive rows. A depth given twice is a discontinuity:
the first row is the value above it, the second the value below. (Two rows at the same depth with
identical values are merged: that is a node, not a discontinuity.) Q is interpolated linearly in Q,
or in 1/Q where a layer mixes finite and infinite Q.

Text format read by :meth:`TabularModel.from_file` and written by :meth:`TabularModel.to_file`::

    # name: my model                  (optional)
    # units: km/s g/cm3               (required: km/s or m/s, then g/cm3 or kg/m3)
    # radius_km: 6371.0               (optional; default 6371)
    # discontinuity: 35 moho          (optional, repeatable: names the discontinuity at 35 km)
    # depth_km vp vs rho qmu qkappa   (any other '#' line is a comment)
    0.0    5.80  3.46  2.72  600  inf
    20.0   5.80  3.46  2.72  600  inf
    20.0   6.50  3.85  2.92  600  inf
    ...

Every data line has 4 columns (no Q: Q is unknown, NaN) or 6 (with ``qmu qkappa``; ``inf`` is
allowed, and ``qmu = 0`` is accepted for fluid rows, vs = 0, where it is stored as ``inf``).
Errors name the offending line.

Unnamed discontinuities are named by their depth in km ('410', '2891.5'); the surface is 'surface';
in a whole-Earth table the top and bottom of the deepest fluid region (deeper than 1000 km) are
'cmb' and 'icb'.
"""

from __future__ import annotations

import importlib.util
import math
import os
import tempfile
from pathlib import Path

import numpy as np

from .model1d import DISCONTINUITY_RTOL, EarthModel1D

__all__ = ["TabularModel", "AK135F", "obspy_taup_data_dir"]

_VEL_UNITS = {"km/s": 1e3, "m/s": 1.0}
_RHO_UNITS = {"g/cm3": 1e3, "g/cm^3": 1e3, "g/cc": 1e3, "kg/m3": 1.0, "kg/m^3": 1.0}


class TabularModel(EarthModel1D):
    """A 1-D model given as a table; see the module docstring. Build it with :meth:`from_table` or
    :meth:`from_file`."""

    def __init__(self, depth_km, vp, vs, rho, qmu=None, qkappa=None, *, radius=6371e3,
                 name="user table", units="SI", names=None, row_labels=None):
        if isinstance(units, tuple):                   # (velocity scale, density scale) to SI
            vscale, rscale = (float(u) for u in units)
        elif units in ("SI", "si", "m/s"):
            vscale, rscale = 1.0, 1.0
        elif units == "km/s":
            vscale, rscale = 1e3, 1e3
        else:
            raise ValueError(f"units must be 'SI' (m/s, kg/m^3) or 'km/s' (km/s, g/cm^3), not {units!r}")
        radius = float(radius)
        if not (math.isfinite(radius) and radius > 0):
            raise ValueError(f"radius must be a positive number of metres, not {radius!r}")
        cols = {"depth_km": depth_km, "vp": vp, "vs": vs, "rho": rho}
        has_q = qmu is not None or qkappa is not None
        if has_q:
            if qmu is None or qkappa is None:
                raise ValueError("give both qmu and qkappa, or neither")
            cols.update(qmu=qmu, qkappa=qkappa)
        arr = {}
        for key, val in cols.items():
            a = np.asarray(val, dtype=float)
            if a.ndim != 1:
                raise ValueError(f"{key} must be a 1-D sequence")
            arr[key] = a
        n = arr["depth_km"].size
        if any(a.size != n for a in arr.values()):
            raise ValueError("all columns must have the same length: "
                             + ", ".join(f"{k}={a.size}" for k, a in arr.items()))
        if n < 2:
            raise ValueError("a table needs at least two rows (the surface and a depth below it)")
        labels = list(row_labels) if row_labels is not None else [f"row {i}" for i in range(n)]

        def fail(i, msg):
            raise ValueError(f"{labels[i]} (depth {arr['depth_km'][i]:g} km): {msg}")

        d, vp_, vs_, rho_ = arr["depth_km"], arr["vp"], arr["vs"], arr["rho"]
        for i in range(n):
            for key in ("depth_km", "vp", "vs", "rho"):
                if not math.isfinite(arr[key][i]):
                    fail(i, f"{key} is {arr[key][i]} (must be a finite number)")
            if has_q:
                for key in ("qmu", "qkappa"):
                    if math.isnan(arr[key][i]):
                        fail(i, f"{key} is NaN (leave out both Q columns if Q is unknown)")
        if d[0] != 0.0:
            fail(0, "the table must start at the surface, depth 0")
        for i in range(1, n):
            if d[i] < d[i - 1]:
                fail(i, f"depth is less than the previous row's {d[i - 1]:g} km: depths must increase downwards")
            if i >= 2 and d[i] == d[i - 1] == d[i - 2]:
                fail(i, "a depth may appear at most twice (above and below a discontinuity)")
        if d[-1] > radius / 1e3 * (1 + DISCONTINUITY_RTOL):
            fail(n - 1, f"deeper than the centre (radius {radius / 1e3:g} km)")
        for i in range(n):
            if vp_[i] <= 0:
                fail(i, f"vp = {vp_[i]:g} must be positive")
            if vs_[i] < 0:
                fail(i, f"vs = {vs_[i]:g} is negative")
            if rho_[i] <= 0:
                fail(i, f"rho = {rho_[i]:g} must be positive")
            if vp_[i] ** 2 <= 4.0 / 3.0 * vs_[i] ** 2:
                fail(i, f"vp = {vp_[i]:g}, vs = {vs_[i]:g} give a negative bulk modulus (vp^2 <= 4/3 vs^2)")
            if has_q:
                if arr["qkappa"][i] <= 0:
                    fail(i, f"qkappa = {arr['qkappa'][i]:g} must be positive (inf: no bulk loss)")
                if arr["qmu"][i] < 0 or (arr["qmu"][i] == 0 and vs_[i] > 0):
                    fail(i, f"qmu = {arr['qmu'][i]:g} must be positive in a solid (0 is read as inf in a fluid)")
        vmax = vp_.max() * vscale
        if vmax < 100.0:
            raise ValueError(f"the largest vp is {vmax:g} m/s: the velocities look like km/s "
                             "(from_table: pass units='km/s'; a file: '# units: km/s g/cm3')")
        if vmax > 1e5:
            raise ValueError(f"the largest vp is {vmax:g} m/s: the velocities look like m/s "
                             "(from_table: pass units='SI'; a file: '# units: m/s kg/m3')")

        # SI copies; merge identical repeated rows; split into layers at repeated depths
        si = dict(depth_km=d.copy(), vp=vp_ * vscale, vs=vs_ * vscale, rho=rho_ * rscale)
        if has_q:
            qm = arr["qmu"].copy()
            qm[(qm == 0) & (vs_ == 0)] = np.inf
            si.update(qmu=qm, qkappa=arr["qkappa"].copy())
        keep = np.ones(n, dtype=bool)
        for i in range(1, n):
            if d[i] == d[i - 1] and all(si[k][i] == si[k][i - 1] for k in si):
                keep[i] = False
        si = {k: v[keep] for k, v in si.items()}
        labels = [lab for lab, kp in zip(labels, keep) if kp]
        d = si["depth_km"]
        splits = [0] + [i for i in range(1, d.size) if d[i] == d[i - 1]] + [d.size]
        layers = []
        for a, b in zip(splits[:-1], splits[1:]):
            if b - a < 2:
                raise ValueError(f"{labels[a]} (depth {d[a]:g} km): a layer of zero thickness "
                                 "(a discontinuity at the surface or the bottom of the table)")
            sl = slice(a, b)
            vs_l = si["vs"][sl]
            if np.any(vs_l == 0) and np.any(vs_l > 0):
                i = a + int(np.flatnonzero(vs_l == 0)[0] if vs_l[0] > 0 else np.flatnonzero(vs_l > 0)[0])
                raise ValueError(f"{labels[i]} (depth {d[i]:g} km): vs changes between zero and non-zero "
                                 "inside a layer; repeat the depth to make the fluid boundary a discontinuity")
            layers.append({k: v[sl][::-1].copy() for k, v in si.items()})   # ascending radius
        for lay in layers:
            lay["r"] = radius - 1e3 * lay.pop("depth_km")
        layers.reverse()                               # from the bottom layer up
        self._table = si
        self._has_q = has_q
        self._tlayers = layers
        r_min = layers[0]["r"][0]
        if r_min < DISCONTINUITY_RTOL * radius:
            r_min = 0.0
        tops = [lay["r"][-1] for lay in layers]
        tops[-1] = radius

        # names
        disc_depth = [(radius - t) / 1e3 for t in tops]
        auto = [f"{x:g}" for x in disc_depth]
        auto[-1] = "surface"
        fluid = [bool(np.all(lay["vs"] == 0)) for lay in layers]
        deep_fluid = [k for k in range(len(layers)) if fluid[k] and k < len(layers) - 1
                      and not fluid[k + 1] and disc_depth[k] > 1000.0]
        if deep_fluid and r_min == 0.0:
            k = deep_fluid[0]
            auto[k] = "cmb"
            j = k
            while j > 0 and fluid[j - 1]:
                j -= 1
            if j > 0:
                auto[j - 1] = "icb"
        for depth, nm in (names or {}).items():
            m = [i for i, x in enumerate(disc_depth) if abs(x - float(depth)) <= 1e-6 * max(1.0, abs(x))]
            if not m:
                raise ValueError(f"named discontinuity {nm!r} at {depth} km: the table has no discontinuity there "
                                 f"(it has {', '.join(f'{x:g}' for x in disc_depth[::-1])} km)")
            auto[m[0]] = str(nm)
        self.name = str(name)
        self._set_layers(radius, tops, auto, r_min=r_min)

    # --- construction -------------------------------------------------------------------------------
    @classmethod
    def from_table(cls, depth_km, vp, vs, rho, qmu=None, qkappa=None, radius=6371e3, name="user table",
                   units="SI", names=None):
        """A model from columns: depth (km, from 0 at the surface, increasing; a repeated depth is a
        discontinuity), vp, vs, rho in ``units`` ('SI': m/s and kg/m^3; 'km/s': km/s and g/cm^3),
        optional qmu and qkappa (both or neither), the planet radius in m, a name, and optional
        discontinuity names ``{depth_km: name}``. Bad input raises ``ValueError`` naming the row."""
        return TabularModel(depth_km, vp, vs, rho, qmu, qkappa, radius=radius, name=name, units=units,
                            names=names)

    @classmethod
    def from_file(cls, path):
        """Read the text format of the module docstring."""
        path = Path(path)
        name, units, radius_km, names = path.stem, None, 6371.0, {}
        rows, labels, ncol = [], [], None
        with open(path, encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                s = line.strip()
                if not s:
                    continue
                where = f"{path.name}, line {lineno}"
                if s.startswith("#"):
                    body = s.lstrip("#").strip()
                    key, _, val = body.partition(":")
                    key, val = key.strip().lower(), val.strip()
                    if not _:
                        continue
                    if key == "units":
                        toks = val.replace(",", " ").split()
                        vel = [t for t in toks if t.lower() in _VEL_UNITS]
                        den = [t for t in toks if t.lower() in _RHO_UNITS]
                        if len(vel) != 1 or len(den) != 1 or len(toks) != 2:
                            raise ValueError(f"{where}: units must name one velocity unit ({', '.join(_VEL_UNITS)}) "
                                             f"and one density unit ({', '.join(_RHO_UNITS)}), got {val!r}")
                        units = (_VEL_UNITS[vel[0].lower()], _RHO_UNITS[den[0].lower()])
                    elif key == "name":
                        name = val
                    elif key == "radius_km":
                        try:
                            radius_km = float(val)
                        except ValueError:
                            raise ValueError(f"{where}: radius_km {val!r} is not a number") from None
                    elif key == "discontinuity":
                        parts = val.split(None, 1)
                        try:
                            names[float(parts[0])] = parts[1].strip()
                        except (ValueError, IndexError):
                            raise ValueError(f"{where}: expected '# discontinuity: <depth_km> <name>'") from None
                    continue
                toks = s.split()
                if len(toks) not in (4, 6):
                    raise ValueError(f"{where}: expected 4 columns (depth_km vp vs rho) or 6 (... qmu qkappa), "
                                     f"got {len(toks)}")
                if ncol is None:
                    ncol = len(toks)
                elif len(toks) != ncol:
                    raise ValueError(f"{where}: {len(toks)} columns where the lines above have {ncol}")
                try:
                    rows.append([float(t) for t in toks])
                except ValueError:
                    raise ValueError(f"{where}: cannot read {s!r} as numbers") from None
                labels.append(where)
        if units is None:
            raise ValueError(f"{path}: no units header; add a line such as '# units: km/s g/cm3' "
                             "(or '# units: m/s kg/m3')")
        if not rows:
            raise ValueError(f"{path}: no data lines")
        a = np.array(rows)
        q = (a[:, 4], a[:, 5]) if ncol == 6 else (None, None)
        return TabularModel(a[:, 0], a[:, 1], a[:, 2], a[:, 3], *q, radius=radius_km * 1e3, name=name,
                            units=units, names=names, row_labels=labels)

    def to_table(self) -> dict:
        """The rows (SI, identical repeated rows merged): depth_km, vp, vs, rho and, when known, qmu
        and qkappa (qmu is inf in fluids)."""
        return {k: v.copy() for k, v in self._table.items()}

    def to_file(self, path, units="km/s"):
        """Write the model in the text format (written to a temporary name, then renamed)."""
        if units not in ("km/s", "SI"):
            raise ValueError("units must be 'km/s' (km/s, g/cm^3) or 'SI' (m/s, kg/m^3)")
        scale = 1e-3 if units == "km/s" else 1.0
        t = self._table
        path = Path(path)
        lines = [f"# name: {self.name}",
                 "# units: km/s g/cm3" if units == "km/s" else "# units: m/s kg/m3",
                 f"# radius_km: {float(self.radius / 1e3)!r}"]
        for nm, dep in self.discontinuity_depths_km().items():
            if nm != "surface":
                lines.append(f"# discontinuity: {float(dep)!r} {nm}")
        lines.append("# depth_km vp vs rho" + (" qmu qkappa" if self._has_q else ""))
        for i in range(t["depth_km"].size):
            vals = [t["depth_km"][i], t["vp"][i] * scale, t["vs"][i] * scale, t["rho"][i] * scale]
            if self._has_q:
                vals += [t["qmu"][i], t["qkappa"][i]]
            lines.append(" ".join(repr(float(v)) for v in vals))
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write("\n".join(lines) + "\n")
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    # --- evaluation -----------------------------------------------------------------------------
    def _layer_breakpoints(self, k):
        return self._tlayers[k]["r"][1:-1]

    def _eval_layer(self, k, r):
        lay = self._tlayers[k]
        rr = lay["r"]
        out = {key: np.interp(r, rr, lay[key]) for key in ("vp", "vs", "rho")}
        for key in ("qmu", "qkappa"):
            if not self._has_q:
                out[key] = np.full(r.shape, np.nan)
            elif np.all(np.isfinite(lay[key])):
                out[key] = np.interp(r, rr, lay[key])
            else:
                with np.errstate(divide="ignore"):
                    out[key] = 1.0 / np.interp(r, rr, 1.0 / lay[key])
        if not self._has_q and lay["vs"][0] == 0:
            out["qmu"][:] = np.inf                   # fluid layer: no shear loss
        return out


# --- ak135-f -------------------------------------------------------------------------------------------

def obspy_taup_data_dir() -> Path:
    """ObsPy's TauP model directory (found without importing ObsPy)."""
    spec = importlib.util.find_spec("obspy")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("ObsPy is not installed: ak135-f is read from its TauP model files "
                                "(obspy/taup/data/ak135f*.nd)")
    return Path(spec.origin).parent / "taup" / "data"


def _read_nd(path):
    """Rows of a TauP '.nd' file (depth vp vs rho col5 col6); named-discontinuity lines are skipped."""
    rows = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            toks = line.split()
            if not toks:
                continue
            try:
                vals = [float(t) for t in toks]
            except ValueError:
                continue                      # 'mantle', 'outer-core', 'inner-core' labels
            if len(vals) != 6:
                raise ValueError(f"{path}: expected 6 columns in {line.strip()!r}")
            rows.append(vals)
    return np.array(rows)


_AK135F_FILES = {"full": "ak135f._nd", "no_mud": "ak135f_no_mud.nd"}
_AK135F_NAMES = {
    "full": {3.0: "seafloor", 3.3: "basement", 10.0: "midcrust", 18.0: "moho", 80.0: "80", 210.0: "210",
             410.0: "410", 660.0: "660", 2740.0: "d_double_prime", 2891.5: "cmb", 5153.5: "icb"},
    "no_mud": {20.0: "midcrust", 35.0: "moho", 210.0: "210", 410.0: "410", 660.0: "660",
               2740.0: "d_double_prime", 2891.5: "cmb", 5153.5: "icb"},
}


class AK135F(TabularModel):
    """ak135-f: the ak135 velocities (Kennett, Engdahl & Buland 1995, GJI 122, 108-124) with the
    density and Q of Montagner & Kennett (1996, GJI 125, 229-248).

    No table is shipped with sem: the rows are read at run time from ObsPy's TauP model files
    (``obspy/taup/data/``), linearly interpolated between the tabulated depths.

    ``variant='full'`` (default): the published ak135-f average model, file ``ak135f._nd``: a 3-km
    ocean, 0.3 km of sediment, a crust of 5.8 km/s to 10 km and 6.8 km/s to the Moho at 18 km.
    ``variant='no_mud'``: file ``ak135f_no_mud.nd``, ak135's continental crust (5.8 km/s to 20 km,
    6.5 km/s to the Moho at 35 km) with the same mantle and core, no ocean or sediment.
    ``ocean=False`` (full variant only) removes the ocean and the sediment and extends the 3.3-10 km
    crust (5.8 km/s, 3.2 km/s, 2.6 g/cm^3) to the surface.

    Q: the files' fifth column (labelled Q_kappa in the distributed ak135-f tables) is in fact
    Q_alpha = (3/4)(vp/vs)^2 Q_mu in the solid (Montagner & Kennett did not invert for Q_kappa and take
    1/Q_kappa ~ 0 outside the fluid core; the IRIS EMC page records the same finding). So here
    ``qmu`` is the sixth column (``inf`` in fluids) and ``qkappa`` is ``inf`` in the solid and the fifth
    column (Q_alpha = Q_kappa when mu = 0) in the fluids. The loader checks this relation below 40 km and
    refuses a file where it does not hold.
    """

    def __init__(self, variant="full", ocean=True):
        if variant not in _AK135F_FILES:
            raise ValueError(f"variant must be one of {list(_AK135F_FILES)}, not {variant!r}")
        path = obspy_taup_data_dir() / _AK135F_FILES[variant]
        if not path.is_file():
            raise FileNotFoundError(f"ak135-f ({variant}) not found: ObsPy has no {path}")
        a = _read_nd(path)
        depth, vp, vs, rho, qalpha, qmu = a.T
        solid = vs > 0
        deep = solid & (depth > 40.0)
        ratio = qalpha[deep] / (0.75 * (vp[deep] / vs[deep]) ** 2 * qmu[deep])
        if deep.sum() < 10 or np.max(np.abs(ratio - 1.0)) > 1e-3:
            raise ValueError(f"{path}: its Q columns do not follow Q_alpha = (3/4)(vp/vs)^2 Q_mu; "
                             "sem does not know how to read Q from this file")
        qkappa = np.where(solid, np.inf, qalpha)
        qmu = np.where(solid, qmu, np.inf)
        names = dict(_AK135F_NAMES[variant])
        if variant == "full" and not ocean:
            i = int(np.flatnonzero((depth == 3.3) & (vs == 3.2))[0])   # top row of the crust
            depth, vp, vs, rho, qmu, qkappa = (c[i:].copy() for c in (depth, vp, vs, rho, qmu, qkappa))
            depth[0] = 0.0
            del names[3.0], names[3.3]
        self.variant, self.ocean = variant, bool(ocean) and variant == "full"
        suffix = "" if variant == "full" and ocean else (" no ocean" if variant == "full" else " no mud")
        super().__init__(depth, vp, vs, rho, qmu, qkappa, radius=6371e3, name="ak135-f" + suffix,
                         units="km/s", names=names, row_labels=[f"{path.name} row {j}" for j in range(depth.size)])
