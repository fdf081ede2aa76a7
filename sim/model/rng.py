"""Random streams: one ``SeedSequence`` tree per seed, one named stream per source.

Replication *k* of seed *s* is ``SeedSequence(s, spawn_key=(k,))`` whatever the
executor runs first. Inside it, each source of randomness (arrivals of an item in
a town, service times, documents, ...) gets its own Generator keyed by the CRC-32
of its names, so adding a hall or an item shifts no other stream and two
scenarios run with the same seed see the same citizens (common random numbers).
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["Streams"]


class Streams:
    """Named, independent random streams of replication ``replication`` of ``seed``."""

    def __init__(self, seed: int, replication: int = 0):
        self.seed = int(seed)
        self.replication = int(replication)

    def get(self, *names: object) -> np.random.Generator:
        """The Generator for the source named by ``names`` (e.g. ``"arrivals", item, town``)."""
        key = tuple(zlib.crc32(str(name).encode("utf-8")) for name in names)
        sequence = np.random.SeedSequence(self.seed, spawn_key=(self.replication, *key))
        return np.random.Generator(np.random.PCG64(sequence))
