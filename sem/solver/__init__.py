"""Time stepping: the State, the terms of a step, the stepper, outputs on a schedule, Simulation."""

from .outputs import Callback, Checkpoints, Progress, Schedule, Snapshots
from .simulation import RunLog, Simulation
from .state import State
from .stepper import InstabilityError, Stepper

__all__ = ["Simulation", "State", "Stepper", "InstabilityError", "RunLog", "Schedule", "Snapshots", "Checkpoints",
           "Progress", "Callback"]
