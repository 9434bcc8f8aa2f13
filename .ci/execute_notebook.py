#!/usr/bin/env python
"""Run notebooks top to bottom and save their outputs in place, so that every number the prose names is a cell output.

Cells flagged `#| slow` or `#| cuda` (and `#| eval: false`) are not run: they keep the outputs recorded when they last ran
(`--flags slow` runs the slow ones too). Stops at the first exception, leaving the notebook unchanged. Widgets are saved as a
line of text, not as widget state (a stale copy of a live panel). Run `nbdev_clean` afterwards.

    .venv/bin/python .ci/execute_notebook.py nbs/06_ortho.ipynb [more.ipynb ...] [--flags slow]

`--only 12 14` runs just those cells (0-based indices) in a fresh kernel and saves their outputs, for cells that stand on
their own (a figure read from a recorded file); every other cell keeps its saved output.
"""
import argparse, os, re, sys
from pathlib import Path
os.environ.setdefault("MPLBACKEND", "Agg")
from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell

WIDGET = "application/vnd.jupyter.widget-view+json"

def flags(cell) -> set:
    "The `#| slow` / `#| cuda` / `#| eval: false` directives of a code cell."
    out = set()
    for line in cell.source.splitlines():
        if not line.startswith("#|"): break
        d = line[2:].strip()
        if re.fullmatch(r"eval:\s*false", d): out.add("eval-false")
        out.update(w for w in d.split() if w in ("slow", "cuda"))
    return out

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="+"); ap.add_argument("--flags", nargs="*", default=[])
    ap.add_argument("--only", nargs="*", type=int, default=None, help="run only these cells (0-based), each self-contained")
    a = ap.parse_args()
    for p in (Path(n).resolve() for n in a.notebooks):
        nb, sh, here = read_nb(p), CaptureShell(mpl_format="png"), os.getcwd()   # 1x PNGs: retina ones made the notebooks twice the size
        sh._fname = p; sh.set_path(p.parent.resolve())
        os.chdir(p.parent)  # as nbdev_test does: paths in a notebook are relative to its folder
        n = 0
        for i, cell in enumerate(nb.cells):
            if a.only is not None and i not in a.only: continue
            if cell.cell_type != "code" or (flags(cell) - set(a.flags)): continue
            cell.outputs = []   # execnb keeps a cell's old outputs when the new run prints nothing: a stale output would survive
            sh.cell(cell); n += 1
            if sh.exc: sys.exit(f"{p}: cell failed:\n{cell.source[:500]}\n{sh.exc!r}")
        for cell in nb.cells:  # widgets: keep a line of text, not their state
            for o in cell.get("outputs", []):
                if WIDGET in o.get("data", {}): o["data"] = {"text/plain": "(a live widget: run the notebook to use it)"}
        nb.metadata.pop("widgets", None)
        os.chdir(here)
        write_nb(nb, p)
        print(f"{p}: ran {n} cells, outputs saved", flush=True)

if __name__ == "__main__": main()
