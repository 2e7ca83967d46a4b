"""Benchmark: mmfutils.parallel.Cluster against ipyparallel's defaults, measured in one run.

For a cluster of two local engines (and two MPI engines), time from start to a client with all
engines registered, and the stop. Runs alternate between the two so that load on the machine affects
both alike; medians and their ratios are printed and written to `nbs/_data/bench_parallel.json`
(`benchlib.record`), which the parallel page renders. Not a test: nothing is asserted.
"""
import os
import statistics
import sys
import tempfile
import time

import ipyparallel
from traitlets.config import Config

from mmfutils.parallel import Cluster

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import record  # noqa: E402

REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
MPIEXEC = os.path.join(os.path.dirname(sys.executable), "mpiexec")


def ours(ipython_dir, profile, **kwargs):
    "Seconds to start and to stop an mmfutils Cluster(n=2)."
    tic = time.perf_counter()
    cluster = Cluster(profile=profile, n=2, ipython_dir=ipython_dir, **kwargs).start()
    client = cluster.wait()
    ready = time.perf_counter()
    assert len(client.ids) == 2
    cluster.stop()
    return ready - tic, time.perf_counter() - ready


def plain(ipython_dir, profile, **kwargs):
    "Seconds to start and to stop an ipyparallel.Cluster(n=2) with its defaults."
    tic = time.perf_counter()
    cluster = ipyparallel.Cluster(n=2, profile_dir=os.path.join(ipython_dir, f"profile_{profile}"),
                                  log_level=30, **kwargs)
    client = cluster.start_and_connect_sync()
    ready = time.perf_counter()
    assert len(client.ids) == 2
    client.close()
    cluster.stop_cluster_sync()
    return ready - tic, time.perf_counter() - ready


def compare(label, ours_kwargs, plain_kwargs):
    "Medians of both, printed, as a dict for the JSON file."
    times = {"mmfutils": [], "ipyparallel": []}
    with tempfile.TemporaryDirectory() as ipython_dir:
        for i in range(REPEAT):
            times["mmfutils"].append(ours(ipython_dir, f"ours{i}", **ours_kwargs))
            times["ipyparallel"].append(plain(ipython_dir, f"plain{i}", **plain_kwargs))
    start = {k: statistics.median(t[0] for t in v) for k, v in times.items()}
    stop = {k: statistics.median(t[1] for t in v) for k, v in times.items()}
    print(f"{label}: median of {REPEAT}")
    for k in times:
        print(f"  {k:12s} start->ready {start[k]:5.2f} s   stop {stop[k]:5.2f} s")
    print(f"  ratio mmfutils/ipyparallel: start {start['mmfutils'] / start['ipyparallel']:.2f}"
          f"   stop {stop['mmfutils'] / stop['ipyparallel']:.2f}", flush=True)
    return {"engines": label, "mmfutils_start": start["mmfutils"], "ipyparallel_start": start["ipyparallel"],
            "mmfutils_stop": stop["mmfutils"], "ipyparallel_stop": stop["ipyparallel"], "runs": REPEAT}


if __name__ == "__main__":
    results = [compare("local", {}, {})]
    if os.path.exists(MPIEXEC):
        mpi_config = Config()
        mpi_config.MPILauncher.mpi_cmd = [MPIEXEC]  # ipyparallel's default, made to find mpiexec
        results.append(compare("MPI", {"engines": "mpi"}, {"engines": "mpi", "config": mpi_config}))
    record("parallel", results, packages=("ipyparallel",), notes=f"medians of {REPEAT} runs of each, alternating")
