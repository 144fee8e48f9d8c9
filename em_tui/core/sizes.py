"""How big the engine's pieces of work are: the data sizes at which a pass changes its way.

These are public so that what depends on them can name them: a test that wants the chunked
passes draws more than SMALL_N points, a test that wants many chunks lowers CHUNK_ELEMENTS,
and a benchmark reports which way its sizes ran. The passes themselves
(:mod:`em_tui.core._kernels`) and the prepared data (:mod:`em_tui.core.prepared`) read them here.
"""

from __future__ import annotations

#: Up to this many points, a pass is one chunk with fewer, larger NumPy calls (and runs without a
#: BLAS limit: its products are too short for BLAS to thread); above it the chunked passes run.
SMALL_N = 4096
#: Elements of (K, chunk) scratch per chunk (about 1 MB of float64).
CHUNK_ELEMENTS = 131072
#: Chunk length of the two-component pass.
PAIR_CHUNK = 65536
#: Up to this many points the prepared data keep their rows (u^2, u, 1) (at most 1.5 MB), so that a
#: pass builds nothing: one chunk for K = 2, slices of the rows for more components.
BASIS_MAX = PAIR_CHUNK
#: The data's spacing (:func:`~em_tui.core.prepared.spacing_of`) is measured on at most this many points:
#: every n-th point of larger data.
SPACING_SAMPLE = 65536


def chunk_size(k: int, least: int = 1024, elements: int | None = None) -> int:
    """Points per chunk for a (k, chunk) scratch array of about ``elements`` (CHUNK_ELEMENTS) numbers."""
    return max(least, (CHUNK_ELEMENTS if elements is None else elements) // max(k, 1))
