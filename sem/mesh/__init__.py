"""Hexahedral meshes: the container, generators and geometry."""

from .box import box
from .cubed_sphere import cubed_sphere, cubed_sphere_estimate
from .earth_mesh import EarthMeshInfo, gll_layers
from .mesh import Mesh, MeshError, face_point_indices
from .quality import mesh_report
from .timestep import COURANT, courant_dt

__all__ = ["Mesh", "MeshError", "box", "face_point_indices", "cubed_sphere", "cubed_sphere_estimate",
           "EarthMeshInfo", "gll_layers", "mesh_report", "COURANT", "courant_dt"]
