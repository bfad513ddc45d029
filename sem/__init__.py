"""sem: a spectral-element seismic wave solver for CPUs and GPUs.

    mesh -> model on the mesh -> simulation (forward | adjoint) -> seismograms | gradients
"""

from . import basis, earth, geography, mesh, stf
from .model import Model
from .physics.attenuation import Attenuation
from .receivers import Receiver
from .result import Result
from .solver import Callback, Checkpoints, InstabilityError, Simulation, Snapshots, State
from .sources import ForceSource, MomentTensorSource

__version__ = "0.1.0"

__all__ = ["basis", "earth", "geography", "mesh", "stf", "Model", "Receiver", "Result", "Simulation", "InstabilityError",
           "ForceSource", "MomentTensorSource", "State", "Snapshots", "Checkpoints", "Callback",
           "Attenuation"]
