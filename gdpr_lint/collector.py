"""Python's cycle collector during a scan.

Parsing builds millions of objects: libcst's and ``ast``'s trees, which hold no reference cycles
and die by reference counting as soon as a file is done.  The collector would walk them again and
again while they live, for nothing (a tenth of a scan's CPU at the default thresholds): it runs
less often for the whole scan (:func:`fewer_collections`) and not at all while one file's trees
are built and read (:func:`paused`); whatever cyclic garbage a file leaves is collected after it.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager


def fewer_collections() -> None:
    """Run the collector less often: memory is unchanged, as the trees die by reference counting."""
    gen0, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(max(gen0, 200_000), max(gen1, 50), max(gen2, 50))


@contextmanager
def paused():
    """No collection while one file's (or one part's) trees are built and read; the collector is
    back as it was afterwards, whatever happened inside."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
