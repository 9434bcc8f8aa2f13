"""How long the README's Quickstart takes after the install: its main job (`sae-nb toy` then `sae-nb llm`, as the
README prints them) and the toy alone with `--quick`, each in a fresh output folder, timed as wall clock.

    .venv/bin/python benchmarks/quickstart_time.py > benchmarks/recorded/quickstart_time_2cpu.txt
"""
import re, subprocess, sys, tempfile, time
from pathlib import Path
ROOT = Path(__file__).resolve().parents[1]


def main():
    import torch
    from sae_nb.core import cpu_name, bf16_units
    readme = (ROOT / "README.md").read_text()
    first = re.search(r"```bash\n(python3 -m venv .venv && .*?)\n```", readme).group(1)
    jobs = [c.strip() for c in first.split("&&") if c.strip().startswith(".venv/bin/sae-nb")]
    print(f"# CPU {cpu_name()}; bf16 units: {bf16_units('cpu') or 'none'}; {torch.get_num_threads()} torch threads; torch {torch.__version__}")
    print(f"# the README's main job after the install: {' && '.join(jobs)}")
    with tempfile.TemporaryDirectory() as d:
        total = 0.0
        for job in jobs + [".venv/bin/sae-nb toy --quick --out results/toy_quick"]:
            out = re.sub(r"--out (\S+)", lambda m: f"--out {d}/{Path(m.group(1)).name}", job)
            t0 = time.perf_counter()
            r = subprocess.run(out, shell=True, cwd=ROOT, capture_output=True, text=True)
            dt = time.perf_counter() - t0
            if r.returncode: sys.exit(f"{job} failed ({r.returncode}):\n{r.stderr[-2000:]}")
            if job in jobs: total += dt
            print(f"{job}: {dt:.0f} s")
        print(f"main job (both commands): {total:.0f} s = {total / 60:.1f} minutes")


if __name__ == "__main__":
    main()
