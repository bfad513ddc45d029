"""Hexahedral meshes: the container, generators and geometry."""

from .box import box
from .cubed_sphere import cubed_sphere, cubed_sphere_estimate, gll_layers
from .mesh import Mesh, MeshError, face_point_indices
from .quality import mesh_report

__all__ = ["Mesh", "MeshError", "box", "face_point_indices", "cubed_sphere", "cubed_sphere_estimate",
           "gll_layers", "mesh_report"]
