"""Receivers: points anywhere in the mesh where the wavefield is interpolated and recorded."""

from __future__ import annotations

import numpy as np

from . import interp
from .geography import EARTH_RADIUS


class Receiver:
    """A receiver at `position` (m, Cartesian). `name` is the station code; `network` its network code."""

    def __init__(self, position, name: str = "R", network: str = "XX", location: str = ""):
        pos = np.asarray(position, dtype=float)
        if pos.shape != (3,) or not np.all(np.isfinite(pos)):
            raise ValueError(f"receiver position must be 3 finite numbers, got {position!r}")
        self.position = pos
        self.name = str(name)
        self.network = str(network)
        self.location = str(location)
        self.rotation = None            # (3, 3) rows Z, N, E for geographic receivers

    @classmethod
    def geographic(cls, lat, lon, depth_km=0.0, network: str = "XX", station: str = "A00", location: str = "",
                   radius: float = EARTH_RADIUS):
        """A receiver at (lat, lon) in degrees, depth_km below the surface of a spherical Earth (m radius).

        Latitudes are geocentric (ellipticity off). It records Cartesian (x, y, z) like any receiver;
        `.rotation` (3, 3), rows the unit vectors (Z up, N, E), turns that into (Z, N, E) for output.
        """
        from .geography import geographic_to_cartesian, local_basis
        rec = cls(geographic_to_cartesian(lat, lon, depth_km, radius=radius), name=station, network=network,
                  location=location)
        rec.lat, rec.lon, rec.depth_km, rec.radius = float(lat), float(lon), float(depth_km), float(radius)
        rec.rotation = local_basis(lat, lon)
        return rec

    @property
    def station(self) -> str:
        return self.name

    def __repr__(self):
        return f"Receiver({self.network}.{self.name}, position={self.position.tolist()})"


class ReceiverArray:
    """Interpolation of the wavefield at all receivers: idx (nrec, n^3), weights (nrec, n^3)."""

    def __init__(self, mesh, receivers):
        self.receivers = list(receivers)
        names = [f"{r.network}.{r.name}.{r.location}" for r in self.receivers]
        if len(set(names)) != len(names):
            dup = sorted({n for n in names if names.count(n) > 1})
            raise ValueError(f"receiver names must be unique; repeated: {dup}")
        if self.receivers:
            pos = np.array([r.position for r in self.receivers])
            self.elements, self.xi = interp.locate(mesh, pos, what="receiver")
            self.idx, self.w = interp.interpolation_weights(mesh, self.elements, self.xi)
        else:
            self.idx = np.zeros((0, mesh.ngll**3), dtype=np.int64)
            self.w = np.zeros((0, mesh.ngll**3))

    def __len__(self):
        return len(self.receivers)

    def sample(self, field, xp=np):
        """Values (nrec, ncomp) of a field (ncomp, nglob) at the receivers."""
        return (field[:, self.idx] * self.w[None]).sum(-1).T
