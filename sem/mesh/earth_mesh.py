"""What a mesh made for a 1-D Earth model knows about it: `EarthMeshInfo`, and `gll_layers`.

A cubed-sphere mesh (`sem.mesh.cubed_sphere`) carries one in ``mesh.earth_info``; other meshes have
``mesh.earth_info = None``. `Mesh.subset` keeps it, with the per-element arrays of the kept elements.

This module imports neither the mesh container nor the mesher, so that both (and the quality report)
can import it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

__all__ = ["EarthMeshInfo", "gll_layers"]


@dataclass(frozen=True, eq=False)
class EarthMeshInfo:
    """Earth-model metadata of a mesh (the fields cannot be reassigned; the arrays are not copied).

    Per element (nspec = the mesh's element count):

    element_layer : (nspec,) int64, the earth layer (index into the model's layers) of each element.
    element_crosses_discontinuity : (nspec,) bool, True where an element spans a discontinuity that
        the mesh leaves out (``honour``); such elements are evaluated point by point (`gll_layers`).
    element_region : (nspec,) int8, region code of each element, an index into ``region_names``.

    Whole mesh:

    region_names : tuple of str, the names of the region codes.
    earth_radius : float, m, the radius of the model's surface.
    honoured_discontinuities : dict name -> radius (m) of the discontinuities that are element
        faces, from the surface down.
    nex : int (global mesh) or (nxi, neta) (chunk), elements along a chunk edge at the surface.
    nex_central_cube : int or None, elements along an edge of the central cube (None: no cube).
    doubling_radii : list of float, m, the top radius of each lateral doubling zone, top down.
    radial_levels : (nlevels,) float array, m, radii of the radial mesh levels, bottom to top.
    min_period : float, s, the shortest period the mesh was sized for.
    points_per_wavelength : float, the size rule's GLL points per shortest wavelength.
    chunk : dict(lat, lon, azimuth, width, depth_km) of a regional chunk (degrees, km), or None
        for the whole globe.
    estimated_bytes : int or None, bytes the mesher estimated it needed to build the mesh.
    """

    element_layer: np.ndarray
    element_crosses_discontinuity: np.ndarray
    element_region: np.ndarray
    region_names: tuple
    earth_radius: float
    honoured_discontinuities: dict
    nex: int | tuple
    nex_central_cube: int | None
    doubling_radii: list
    radial_levels: np.ndarray
    min_period: float
    points_per_wavelength: float
    chunk: dict | None = None
    estimated_bytes: int | None = None

    def __post_init__(self):
        layer = np.asarray(self.element_layer, dtype=np.int64).reshape(-1)
        cross = np.asarray(self.element_crosses_discontinuity, dtype=bool).reshape(-1)
        region = np.asarray(self.element_region, dtype=np.int8).reshape(-1)
        if not (layer.shape == cross.shape == region.shape):
            raise ValueError(f"EarthMeshInfo per-element arrays differ in length: element_layer {layer.shape}, "
                             f"element_crosses_discontinuity {cross.shape}, element_region {region.shape}")
        for name, value in (("element_layer", layer), ("element_crosses_discontinuity", cross),
                            ("element_region", region), ("region_names", tuple(self.region_names)),
                            ("radial_levels", np.asarray(self.radial_levels, dtype=np.float64))):
            object.__setattr__(self, name, value)

    @property
    def nspec(self) -> int:
        """Number of elements the per-element arrays describe."""
        return len(self.element_layer)

    def subset(self, elements) -> "EarthMeshInfo":
        """A copy for the elements `elements` (an index array, in that order): the per-element
        arrays indexed by it, every other field unchanged."""
        elements = np.asarray(elements, dtype=np.int64)
        return dataclasses.replace(self, element_layer=self.element_layer[elements],
                                   element_crosses_discontinuity=self.element_crosses_discontinuity[elements],
                                   element_region=self.element_region[elements],
                                   honoured_discontinuities=dict(self.honoured_discontinuities),
                                   doubling_radii=list(self.doubling_radii))


def gll_layers(mesh, earth) -> np.ndarray:
    """The earth layer to evaluate at every GLL point, (nspec, n, n, n) int: the element's layer, or,
    in an element that crosses a discontinuity left out of the mesh (``honour``), the layer at each
    point (the deeper side on the discontinuity itself). `mesh` must carry ``mesh.earth_info``."""
    info = mesh.earth_info
    if info is None:
        raise ValueError("gll_layers needs a mesh made for an Earth model (e.g. sem.mesh.cubed_sphere), "
                         "which records the earth layer of every element (mesh.earth_info)")
    out = np.broadcast_to(info.element_layer[:, None, None, None], mesh.coords.shape[:4]).copy()
    cross = np.flatnonzero(info.element_crosses_discontinuity)
    if cross.size:
        r = np.linalg.norm(mesh.coords[cross], axis=-1)
        r = np.clip(r, getattr(earth, "r_min", 0.0), earth.radius)
        out[cross] = earth.layer_index(r, side="below")
    return out
