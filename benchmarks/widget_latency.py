"""How long a live panel takes from a key on a slider to the redrawn plot, in a real browser: JupyterLab on 127.0.0.1
and headless Debian Chromium driven by Playwright (tests/browser.py), on this machine's cores, server, kernel and
browser together. The median over `--changes` key presses: on the toy panel's seed slider (nbs/04a_widgets), once with
the panel's default of one torch thread while it retrains and once with torch's own thread count; and on the penalty
panel's τ slider (shown in nbs/06_ortho).

    .venv/bin/python benchmarks/widget_latency.py --changes 8 > benchmarks/recorded/widget_latency_2cpu.txt
"""
import argparse, json, statistics, sys, tempfile
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def panel_notebook(panel: str, threads) -> dict:
    from browser import code_notebook
    if panel == "feature_panel": return code_notebook("from sae_nb.widgets import feature_panel, small_feature_view", "live = feature_panel(small_feature_view())")
    return code_notebook(f"import torch\nfrom sae_nb.widgets import {panel}", f"live = {panel}(threads={threads!r})")


def measure(panel: str, slider: str, threads, changes: int) -> tuple[list[float], list[float]]:
    "Seconds from key to redraw, and the retrain's (or redraw's) own seconds as the panel's status line reports them."
    from browser import move_slider, notebook_open
    word = "drawn in" if panel == "feature_panel" else "retrained"
    with tempfile.TemporaryDirectory() as d, notebook_open(Path(d), panel_notebook(panel, threads), f".widget-html-content:has-text('{word}')", name="panel.ipynb") as page:
        total, train = [], []
        for _ in range(changes):
            dt, status = move_slider(page, slider, status=word)
            total.append(dt); train.append(float(status.split(" in ", 1)[1].split("s;", 1)[0]))
        return total, train


def main(argv=None):
    import torch
    from sae_nb.core import cpu_name
    from browser import missing
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--changes", type=int, default=8)
    a = ap.parse_args(argv)
    if (why := missing()): sys.exit(why)
    print(f"# CPU {cpu_name()}, {torch.get_num_threads()} torch threads by default; torch {torch.__version__}; "
          f"JupyterLab, its kernel and headless Chromium on the same cores; {a.changes} key presses per panel")
    for panel, slider, threads, label in [("toy_panel", "seed", 1, "toy panel, seed slider, threads=1 (the default)"),
                                          ("toy_panel", "seed", None, f"toy panel, seed slider, threads=None (torch's {torch.get_num_threads()})"),
                                          ("penalty_panel", "τ (hinge)", 1, "penalty panel, τ slider, threads=1 (the default)"),
                                          ("feature_panel", "feature #", None, "per-feature panel, feature slider (a redraw)")]:
        total, train = measure(panel, slider, threads, a.changes)
        print(f"{label}: key to redrawn plot median {statistics.median(total):.2f} s (min {min(total):.2f}, max {max(total):.2f}); "
              f"{'redraw' if panel == 'feature_panel' else 'retrain'} alone median {statistics.median(train):.2f} s")
        print("  per change:", json.dumps([round(t, 3) for t in total]))


if __name__ == "__main__":
    main()
