"""Run every notebook through nbdev's own test runner, so `tst_flags` (notest slow cuda) are honoured."""
import shutil, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
NBS = sorted(p for p in (ROOT / "nbs").glob("*.ipynb") if not p.name.startswith("_"))

def _nbdev_test():
    exe = Path(sys.executable).with_name("nbdev_test")
    return str(exe) if exe.exists() else shutil.which("nbdev_test")

def test_notebooks_found():
    assert len(NBS) >= 5, NBS

@pytest.mark.parametrize("nb", NBS, ids=[p.stem for p in NBS])
def test_notebook(nb):
    exe = _nbdev_test()
    if exe is None: pytest.skip("nbdev not installed (pip install -e '.[dev]')")
    r = subprocess.run([exe, "--path", str(nb), "--n_workers", "0"], cwd=ROOT, capture_output=True, text=True,
                       env={**__import__("os").environ, "MPLBACKEND": "Agg"})
    assert r.returncode == 0, r.stdout[-5000:] + r.stderr[-5000:]

def test_notebooks_hold_no_widget_state():
    "Plots stay on the page; saved widget state (a stale copy of a live panel) does not."
    import json
    for p in NBS:
        nb = json.loads(p.read_text())
        assert "widgets" not in nb["metadata"], p.name
        for i, c in enumerate(nb["cells"]):
            for o in c.get("outputs", []):
                assert "application/vnd.jupyter.widget-view+json" not in o.get("data", {}), f"{p.name} cell {i}"


def _printed_text() -> str:
    "Everything the notebooks print (cell outputs) and every recorded benchmark output."
    import json
    out = []
    for p in NBS:
        for c in json.loads(p.read_text())["cells"]:
            for o in c.get("outputs", []):
                out.append("".join(o.get("text", "")))
                for k in ("text/plain", "text/markdown", "text/html"):
                    v = o.get("data", {}).get(k, "")
                    out.append("".join(v) if isinstance(v, list) else v)
    for d in (ROOT / "benchmarks" / "recorded", ROOT / "nbs" / "recorded"):
        for f in sorted(d.rglob("*")):
            if f.is_file() and f.suffix != ".png": out.append(f.read_text(errors="replace"))
    return "\n".join(out).replace(",", "")


def test_readme_results_are_printed_by_a_cell_or_a_recorded_benchmark():
    "Every number in the README's results table appears in a notebook's output or a recorded benchmark file."
    import re
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Results", 1)[1].split("\n## ", 1)[0]
    rows = [l for l in table.splitlines() if l.startswith("|") and not l.startswith("|---")][1:]
    printed = _printed_text()
    missing = []
    for row in rows:
        answer = row.split("|")[2]
        for n in re.findall(r"(?<![\w.×])\d+(?:\.\d+)?%?", re.sub(r"`[^`]*`|\b[dkmRLτw] ?= ?[\d,.]+|\b\d+[-–]\w+|[\d,]+ (?:features|latents|seeds)", " ", answer)):
            if n.replace(".", "", 1).rstrip("%").isdigit() and float(n.rstrip("%")) < 10 and "." not in n: continue  # small counts are words
            if n not in printed: missing.append(n)
    assert not missing, f"README numbers no cell or recorded benchmark prints: {missing}"
