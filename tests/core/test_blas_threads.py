"""The chunked passes run with one BLAS thread (a scoped limit), and the user's own setting is back
afterwards: OpenBLAS would otherwise split each long dot product over every core, which on a busy
machine costs several times the work (benchmarks/bench_blas.py shows the figures)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from em_tui.core import _kernels as kernels, data, em
from em_tui.core.config import FitConfig
from em_tui.core.init import kmeans_start
from em_tui.core.model import Mixture
from em_tui.core.trajectory import run_em

N = 100_000  # above kernels.SMALL_N: the chunked passes


def _numpys_blas() -> set[str]:
    """The BLAS libraries NumPy itself loads (a fresh process that imports only NumPy): the passes'
    products run there. Other libraries (scikit-learn's SciPy brings its own) are not the engine's."""
    code = ("import json, numpy, threadpoolctl; "
            "print(json.dumps([lib['filepath'] for lib in threadpoolctl.threadpool_info() if lib['user_api'] == 'blas']))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    return {os.path.realpath(p) for p in json.loads(out.stdout)}


NUMPYS_BLAS = _numpys_blas()


def blas_threads() -> list[int]:
    """The thread counts of NumPy's BLAS libraries now."""
    return [lib["num_threads"] for lib in threadpool_info()
            if lib["user_api"] == "blas" and os.path.realpath(lib["filepath"]) in NUMPYS_BLAS]


pytestmark = pytest.mark.skipif(not blas_threads(), reason="NumPy uses no BLAS that threadpoolctl can control")


def recording(monkeypatch, name: str) -> list[list[int]]:
    """Replace the pass kernels.<name> by one that records the BLAS threads it runs with."""
    seen: list[list[int]] = []
    original = getattr(kernels, name)

    def recorded(*args, **kwargs):
        seen.append(blas_threads())
        return original(*args, **kwargs)

    monkeypatch.setattr(kernels, name, recorded)
    return seen


@pytest.mark.parametrize("k, name", [(2, "pair_pass"), (3, "mixture_pass")])
def test_a_run_passes_with_one_blas_thread_and_the_users_setting_comes_back(monkeypatch, k, name):
    x = data.simulate(0, N)
    start = kmeans_start(x, k, 0)
    seen = recording(monkeypatch, name)
    with threadpool_limits(limits=2, user_api="blas"):  # the user's own setting
        run = run_em(x, start, FitConfig(tol=0.0, max_iter=3))
        after = blas_threads()
    assert run.iterations == 3
    assert len(seen) == 4 and all(threads == [1] for threads in seen)  # LL[0] and three iterations
    assert set(after) == {2}


def test_one_pass_outside_a_run_is_limited_too(monkeypatch):
    x = em.prepare(data.simulate(0, N))
    seen = recording(monkeypatch, "pair_pass")
    with threadpool_limits(limits=2, user_api="blas"):
        em.e_step(x, data.DEFAULT_START)
        em.log_likelihood(x, data.DEFAULT_START)
        after = blas_threads()
    assert seen == [[1], [1]] and set(after) == {2}


def test_passes_in_parallel_threads_leave_the_setting_as_it_was(monkeypatch):
    """Two threads whose passes overlap: the second must not save the first's limit of 1 as 'the
    user's setting' and put it back at the end."""
    x = em.prepare(data.simulate(0, N))
    inside = threading.Barrier(2)
    original = kernels.pair_pass

    def overlapping(*args, **kwargs):  # both threads are inside a pass at the same time
        inside.wait(timeout=30)
        return original(*args, **kwargs)

    monkeypatch.setattr(kernels, "pair_pass", overlapping)
    with threadpool_limits(limits=2, user_api="blas"):
        threads = [threading.Thread(target=em.e_step, args=(x, data.DEFAULT_START)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        after = blas_threads()
    assert not any(t.is_alive() for t in threads)
    assert set(after) == {2}


def test_small_data_are_not_limited(monkeypatch):
    """Up to kernels.SMALL_N points the products are too short for BLAS to thread: no limit is set (it
    would cost more than the pass)."""
    x = data.simulate(0, 200)
    seen = recording(monkeypatch, "pair_pass")
    with threadpool_limits(limits=2, user_api="blas"):
        run_em(x, Mixture.create([0.5, 0.5], [1.0, 3.0], [1.5, 1.5]), FitConfig(tol=0.0, max_iter=2))
    assert seen and all(threads == [2] for threads in seen)


def test_the_shared_sigma_em_of_k_means_vs_em_is_limited_too(monkeypatch):
    """Its E steps are the engine's passes, and the responsibilities it keeps are computed inside the
    same limit."""
    from em_tui.core import hardsoft

    passes = recording(monkeypatch, "pair_pass")
    kept: list[list[int]] = []
    original = em.responsibilities

    def recorded(*args, **kwargs):
        kept.append(blas_threads())
        return original(*args, **kwargs)

    monkeypatch.setattr(em, "responsibilities", recorded)
    x = data.simulate(0, N)
    with threadpool_limits(limits=2, user_api="blas"):
        fit = hardsoft.shared_sd_em(x, [0.0, 4.0], 1.0, max_iter=3)
        after = blas_threads()
    assert fit.iterations == 3 and len(passes) == 3 and all(threads == [1] for threads in passes)
    assert kept and all(threads == [1] for threads in kept)
    assert set(after) == {2}
