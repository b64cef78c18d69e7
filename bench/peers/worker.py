"""The pandas+numpy peer's worker (bench/peers/python.ts starts it): one process per
suite, JSON lines over stdin/stdout, one response per request.

  {"op": "info"}                                  -> versions and the BLAS numpy uses
  {"op": "load", "workload": W, "files": {...}}   -> reads the tables (Arrow IPC, .npy, JSON)
  {"op": "run", "workload": W, "module": M, "params": {...}}
        -> runs W of module M (default pandas_workloads) once on the loaded tables
  {"op": "memory", "workload": W, "files": {...}, "params": {...}}
        -> in this (fresh) process: load, then the high-water RSS around one run
  {"op": "drop"}                                  -> forgets the loaded tables

Every response has "ok"; errors come back as {"ok": false, "error": ...}. The worker
times itself: "seconds" is the run's wall time in this process, "phases" its parts.
"""
import gc
import importlib
import json
import platform
import sys
import time
import traceback

import numpy as np
import pandas as pd

from arrow_ipc import read_arrow_file
import pandas_workloads  # noqa: F401 (imported before any timed run; the other modules on first use)

MIB = 2**20

# Modules of workloads a request may name; imported on first use (sklearn_workloads needs scikit-learn).
WORKLOAD_MODULES = {"pandas_workloads", "sklearn_workloads"}


def sklearn_version():
    try:
        import sklearn
    except ImportError:
        return None
    return sklearn.__version__


def blas_info():
    """Which BLAS numpy calls, from threadpoolctl when present, else numpy.show_config()."""
    try:
        from threadpoolctl import threadpool_info

        blas = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        if blas:
            p = blas[0]
            return {"source": "threadpoolctl", "library": p.get("internal_api"), "version": p.get("version"), "kernel": p.get("architecture"), "threads": p.get("num_threads"), "path": p.get("filepath")}
    except ImportError:
        pass
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        np.show_config()
    libraries = [line.split("=", 1)[1].strip() for line in out.getvalue().splitlines() if "libraries" in line]
    return {"source": "numpy.show_config()", "library": libraries[0] if libraries else "unknown", "kernel": "unknown (threadpoolctl not installed)"}


def high_water_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise OSError("no VmHWM in /proc/self/status")


def reset_high_water():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class Worker:
    def __init__(self):
        self.tables = {}
        self.reader = None

    def load(self, files):
        start = time.perf_counter()
        self.tables = {}
        for name, path in files.items():
            if path.endswith(".npy"):  # a dense matrix (bench/peers/python.ts writes them)
                self.tables[name] = np.load(path)
            elif path.endswith(".json"):  # {column: [values]}, nulls as null: rows the Arrow reader cannot hold
                with open(path) as f:
                    self.tables[name] = pd.DataFrame(json.load(f))
            else:
                self.tables[name], self.reader = read_arrow_file(path)
        return {"load_s": time.perf_counter() - start, "reader": self.reader, "rows": {n: len(t) for n, t in self.tables.items()}}

    def run(self, workload, params, module="pandas_workloads"):
        if module not in WORKLOAD_MODULES:
            raise ValueError(f"unknown workload module '{module}'")
        fn = getattr(importlib.import_module(module), workload)
        phases = {}
        start = time.perf_counter()
        result = fn(self.tables, params, phases)
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "phases": phases, "result": result}

    def handle(self, req):
        op = req["op"]
        if op == "info":
            return {"python": platform.python_version(), "numpy": np.__version__, "pandas": pd.__version__, "sklearn": sklearn_version(), "blas": blas_info()}
        if op == "load":
            return self.load(req["files"])
        if op == "run":
            return self.run(req["workload"], req.get("params", {}), req.get("module", "pandas_workloads"))
        if op == "drop":
            self.tables = {}
            gc.collect()
            return {}
        if op == "memory":
            self.load(req["files"])
            gc.collect()
            loaded_peak = high_water_bytes()
            reset = reset_high_water()
            baseline = high_water_bytes() if reset else loaded_peak
            self.run(req["workload"], req.get("params", {}), req.get("module", "pandas_workloads"))
            after = high_water_bytes()
            return {"peak_rss_mb": max(loaded_peak, after) / MIB, "run_peak_growth_mb": max(0, after - baseline) / MIB, "reset": reset}
        raise ValueError(f"unknown op '{op}'")


def main():
    worker = Worker()
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            response = {"ok": True, **worker.handle(req)}
        except Exception as e:  # reported to the caller, which fails the system
            response = {"ok": False, "error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc(limit=5)}
        sys.stdout.write(json.dumps(response) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
