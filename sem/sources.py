"""Point sources: forces and moment tensors anywhere inside an element.

A source is located with `sem.interp.locate` and injected with the Lagrange basis functions at
its exact position: a force F contributes F_a phi(x_s) to component a of every node of its
element; a moment tensor M contributes M_ab d(phi)/dx_b (x_s) (the weak form of f = -M . grad delta).
"""

from __future__ import annotations

import numpy as np

from . import interp
from .geography import EARTH_RADIUS
from .stf import SourceTimeFunction


def _vector(value, size, name):
    arr = np.asarray(value, dtype=float)
    if arr.shape != (size,) or not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be {size} finite numbers, got {value!r}")
    return arr


def _check_stf(stf):
    if not isinstance(stf, SourceTimeFunction) and not callable(stf):
        raise ValueError(f"stf must be a sem.stf time function, got {stf!r}")
    return stf


class ForceSource:
    """A point force (N) in Cartesian components (fx, fy, fz) at `position` (m)."""

    def __init__(self, position, force, stf):
        self.position = _vector(position, 3, "source position")
        self.force = _vector(force, 3, "force")
        self.stf = _check_stf(stf)

    @classmethod
    def geographic(cls, lat, lon, depth_km, force_zne, stf, radius: float = EARTH_RADIUS):
        """A force at (lat, lon) in degrees and depth_km below the surface of a spherical Earth.

        `force_zne` is (up, north, east) in N at the source; it is rotated to Cartesian (x, y, z).
        Latitudes are geocentric (ellipticity off). The result keeps `.lat`, `.lon`, `.depth_km`,
        `.radius` and `.force_zne`.
        """
        from .geography import geographic_to_cartesian, local_basis
        fzne = _vector(force_zne, 3, "force (up, north, east)")
        src = cls(geographic_to_cartesian(lat, lon, depth_km, radius=radius), local_basis(lat, lon).T @ fzne, stf)
        src.lat, src.lon, src.depth_km, src.radius = float(lat), float(lon), float(depth_km), float(radius)
        src.force_zne = fzne
        return src

    def weights(self, mesh, element, xi):
        """Global indices (npts,) and nodal force weights (3, npts) for this source in `element`."""
        idx, h = interp.interpolation_weights(mesh, element[None], xi[None])
        return idx[0], self.force[:, None] * h[0][None, :]

    def __repr__(self):
        return f"ForceSource(position={self.position.tolist()}, force={self.force.tolist()}, stf={self.stf!r})"


class MomentTensorSource:
    """A point moment tensor (N m) given as (mxx, myy, mzz, mxy, mxz, myz) at `position` (m)."""

    def __init__(self, position, tensor, stf):
        self.position = _vector(position, 3, "source position")
        t = np.asarray(tensor, dtype=float)
        if t.shape == (3, 3):
            if not np.allclose(t, t.T):
                raise ValueError("a moment tensor given as a 3x3 matrix must be symmetric")
            t = t[[0, 1, 2, 0, 0, 1], [0, 1, 2, 1, 2, 2]]
        self.tensor = _vector(t, 6, "moment tensor (mxx, myy, mzz, mxy, mxz, myz)")
        self.stf = _check_stf(stf)

    @classmethod
    def geographic(cls, lat, lon, depth_km, mrr, mtt, mpp, mrt, mrp, mtp, stf, radius: float = EARTH_RADIUS):
        """A moment tensor (N m) in the CMTSOLUTION convention (r up, theta south, phi east) at (lat, lon)
        in degrees and depth_km below the surface of a spherical Earth of radius `radius` (m).

        Position and tensor are converted to Cartesian by the local rotation at the source
        (`sem.geography`). Latitudes are geocentric (ellipticity off). The result keeps `.lat`,
        `.lon`, `.depth_km`, `.radius` and `.tensor_rtp` (mrr, mtt, mpp, mrt, mrp, mtp) for provenance.
        """
        from .geography import geographic_to_cartesian, rtp_to_cartesian_tensor
        rtp = _vector([mrr, mtt, mpp, mrt, mrp, mtp], 6, "moment tensor (mrr, mtt, mpp, mrt, mrp, mtp)")
        tensor = [float(v) for v in rtp_to_cartesian_tensor(*rtp, lat, lon)]
        src = cls(geographic_to_cartesian(lat, lon, depth_km, radius=radius), tensor, stf)
        src.lat, src.lon, src.depth_km, src.radius = float(lat), float(lon), float(depth_km), float(radius)
        src.tensor_rtp = rtp
        return src

    @property
    def matrix(self) -> np.ndarray:
        xx, yy, zz, xy, xz, yz = self.tensor
        return np.array([[xx, xy, xz], [xy, yy, yz], [xz, yz, zz]])

    def weights(self, mesh, element, xi):
        idx, dphi = interp.gradient_weights(mesh, element[None], xi[None])
        return idx[0], np.einsum("ab,pb->ap", self.matrix, dphi[0])

    def __repr__(self):
        return (f"MomentTensorSource(position={self.position.tolist()}, tensor={self.tensor.tolist()}, "
                f"stf={self.stf!r})")


def _shared_weights(source, mesh):
    """The weights of a source that uses the gradient of the basis (a moment tensor): where the point
    lies on a face, edge or corner shared by several elements the gradient jumps, so the source is
    the mean of its weights in every element that holds the point (inside one element: that one)."""
    elements, xi = interp.containing_elements(mesh, source.position)
    parts = [source.weights(mesh, e, x) for e, x in zip(elements, xi)]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts], axis=1) / len(parts)


class SourceArray:
    """All sources of a simulation as one sparse injection: f(t) = sum_s stf_s(t) * F_s.

    idx (nnz,) global indices, w (3, nnz) weights, owner (nnz,) source index. A force uses the
    (continuous) basis in the element that holds it; a moment tensor on a face, edge or corner shared
    by several elements is the mean over those elements (its basis gradient jumps there).
    """

    def __init__(self, mesh, sources):
        self.sources = list(sources)
        if not self.sources:
            self.idx = np.zeros(0, dtype=np.int64)
            self.w = np.zeros((3, 0))
            self.owner = np.zeros(0, dtype=np.int64)
            return
        pos = np.array([s.position for s in self.sources])
        elements, xi = interp.locate(mesh, pos, what="source")
        parts = [s.weights(mesh, elements[i], xi[i]) if isinstance(s, ForceSource) else _shared_weights(s, mesh)
                 for i, s in enumerate(self.sources)]
        self.elements, self.xi = elements, xi
        self.idx = np.concatenate([p[0] for p in parts])
        self.w = np.concatenate([p[1] for p in parts], axis=1)
        self.owner = np.concatenate([np.full(len(p[0]), i) for i, p in enumerate(parts)])

    def time_functions(self, times):
        """Sampled time functions, shape (nsrc, nt)."""
        return np.array([np.broadcast_to(s.stf(times), times.shape) for s in self.sources]).reshape(
            len(self.sources), len(times))

    def start_time(self) -> float:
        return min([getattr(s.stf, "start_time", 0.0) for s in self.sources] + [0.0])
