import os
os.environ.setdefault("MPLBACKEND", "Agg")
# Under pytest-xdist (`-n auto` in pyproject's addopts) each worker gets one thread, so that the workers together use
# the cores once (two torch processes of two threads each on two cores run several times slower than one); the
# notebooks' kernels, started by nbdev_test as subprocesses, inherit it. Set before anything imports torch.
if os.environ.get("PYTEST_XDIST_WORKER"):
    for v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"): os.environ[v] = "1"
