"""The model core: a validated scenario and a seed in, records of one replication out.

Pure and light: numpy, simpy and the scenario's own distribution types only — no files,
no printing, no pandas, YAML, SciPy or matplotlib (``tests/test_purity.py`` checks it).
"""

from sim.model.records import Records
from sim.model.simulate import COMPLETED, IN_SYSTEM, ONLINE_DONE, STATION_DONE, simulate

__all__ = ["COMPLETED", "IN_SYSTEM", "ONLINE_DONE", "STATION_DONE", "Records", "simulate"]
