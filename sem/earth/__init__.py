"""1-D reference Earth models for meshing and for models on a mesh.

    earth = sem.earth.PREM()                       # TI PREM with ocean, Q, at 1 s
    earth = sem.earth.PREM(isotropic=True, crust=False)
    earth = sem.earth.AK135F()                     # read from ObsPy's TauP files
    earth = sem.earth.TabularModel.from_file("model.txt")
    earth.discontinuities, earth.discontinuity_names, earth.fluid_regions
    earth.evaluate(r, side="below") / earth.evaluate(r, layer=k)   # dict of SI arrays

Units are SI (m, m/s, kg/m^3); depths in km only in the ``*_km`` helpers.
"""

from .model1d import DISCONTINUITY_RTOL, EarthModel1D, voigt_average
from .prem import PREM
from .tables import AK135F, TabularModel

__all__ = ["EarthModel1D", "PREM", "AK135F", "TabularModel", "voigt_average", "DISCONTINUITY_RTOL"]
