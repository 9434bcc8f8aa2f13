import os
os.environ.setdefault("MPLBACKEND", "Agg")
# Under pytest-xdist (`-n auto` in pyproject's addopts) each worker gets one thread, so that the workers together use
# the cores once (two torch processes of two threads each on two cores run several times slower than one); the
# notebooks' kernels, started by nbdev_test as subprocesses, inherit it. Set before anything imports torch.
if os.environ.get("PYTEST_XDIST_WORKER"):
    for v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"): os.environ[v] = "1"

# The longest tests first (minutes each in one measured run), handed out one at a time (`--maxschedchunk 1`), so
# that no worker starts one of them when the others are nearly done.
LONGEST = ("test_notebook[04_toy]", "test_notebook[07_neighbours]", "test_notebook[09_llm]", "test_notebook[06_ortho]",
           "test_notebook[05_splitting]", "test_sigkilled_synthbench_resumes_to_the_same_table", "test_notebook[08_activations]",
           "test_toy_panel_retrains_and_redraws_in_the_browser", "test_notebook[98_cli]", "test_a_million_rows_match_saelens",
           "test_sigkilled_saelens_budget_run_resumes_to_the_same_scores")

def pytest_collection_modifyitems(items):
    rank = {n: i for i, n in enumerate(LONGEST)}
    items.sort(key=lambda it: rank.get(it.name, len(rank)))   # stable: the rest keep their order
