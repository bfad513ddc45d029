"""Hexahedral meshes: the container, generators and geometry."""

from .box import box
from .mesh import Mesh, MeshError, face_point_indices

__all__ = ["Mesh", "MeshError", "box", "face_point_indices"]
