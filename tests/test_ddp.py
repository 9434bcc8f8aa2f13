"""Multi-process training through torch.distributed (DDP), on CPU with the gloo backend and two processes: two ranks
with half a batch each follow the same trajectory as one process with the whole batch."""
import os, socket
import pytest, torch
import torch.distributed as dist
import torch.multiprocessing as mp

from sae_nb.sae import SAE, SAEConfig, arch_config

from sae_nb.train import TrainConfig, train_sae
from sae_nb.core import bf16_units
NO_BF16 = bf16_units("cpu") is None   # bf16 is refused on a CPU without bf16 units, so its tests skip there

D, M, B, STEPS = 8, 16, 64, 120

def batches(step_seed: int) -> torch.Tensor:
    "The global batch of a step: the same on every rank, whatever the rank."
    g = torch.Generator().manual_seed(step_seed)
    return torch.relu(torch.randn(B, D, generator=g)) * (torch.rand(B, D, generator=g) < 0.3)

def make_data(rank: int, world: int):
    step = [0]
    def data(b):
        x = batches(step[0]); step[0] += 1
        per = B // world
        return x[rank * per:(rank + 1) * per]
    return data

def cfg(resample, arch="l1", amp=False):
    steered = arch in ("l1", "jumprelu")
    return TrainConfig(n_steps=STEPS, batch_size=B, lr=3e-3, progress=False, target_l0=2.0 if steered else None, resample_every=resample, dead_tokens=256, amp=amp)

def make_sae(arch, seed):
    if arch == "l1": return SAE(SAEConfig(D, M, l1_coeff=0.05, seed=seed), device="cpu")
    return SAE(arch_config(arch, D, M, 2.0, seed=seed, aux=arch != "jumprelu", l1_init=0.05), device="cpu")

def _worker(rank, world, port, out, resample, arch="l1", amp=False):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=world)
    torch.set_num_threads(1)
    sae = make_sae(arch, rank)   # different inits: rank 0's is broadcast
    train_sae(sae, make_data(rank, world), cfg(resample, arch, amp))
    torch.save({k: v.clone() for k, v in sae.state_dict().items()}, f"{out}/rank{rank}.pt")
    dist.barrier()   # both ranks done before either tears gloo down (a rank that left first once aborted the other: "terminate called without an active exception")
    dist.destroy_process_group()

def _free_port():
    with socket.socket() as s: s.bind(("127.0.0.1", 0)); return s.getsockname()[1]

@pytest.mark.parametrize("resample", [None, 40])
def test_ddp_two_ranks_match_one_process(tmp_path, resample):
    mp.spawn(_worker, args=(2, _free_port(), str(tmp_path), resample), nprocs=2, join=True)
    r0, r1 = torch.load(tmp_path / "rank0.pt"), torch.load(tmp_path / "rank1.pt")
    for k in r0: assert torch.equal(r0[k], r1[k]), f"ranks diverged in {k}"
    if resample is None:  # resampling draws from each rank's own half batch, so only the no-resampling run equals one process
        single = SAE(SAEConfig(D, M, l1_coeff=0.05, seed=0), device="cpu")
        train_sae(single, make_data(0, 1), cfg(None))
        for k, v in single.state_dict().items(): assert torch.allclose(v, r0[k], atol=2e-5), (k, float((v - r0[k]).abs().max()))


@pytest.mark.parametrize("arch", ["jumprelu", "topk", "batchtopk", "matryoshka"])
def test_ddp_architectures(tmp_path, arch):
    """Every architecture keeps the ranks identical (BatchTopK's threshold: the smallest kept activation, MIN-reduced).
    JumpReLU and TopK + AuxK (per-sample selections; AuxK's dead latents from the OR-reduced firing) also equal one
    process with the whole batch; BatchTopK selects within each rank's half batch, so it cannot."""
    mp.spawn(_worker, args=(2, _free_port(), str(tmp_path), None, arch), nprocs=2, join=True)
    r0, r1 = torch.load(tmp_path / "rank0.pt"), torch.load(tmp_path / "rank1.pt")
    for k in r0: assert torch.equal(r0[k], r1[k]), f"ranks diverged in {k}"
    if arch in ("jumprelu", "topk"):
        single = make_sae(arch, 0)
        train_sae(single, make_data(0, 1), cfg(None, arch))
        for k, v in single.state_dict().items(): assert torch.allclose(v, r0[k], atol=2e-5), (k, float((v - r0[k]).abs().max()))


@pytest.mark.skipif(NO_BF16, reason="this CPU has no bf16 units")
@pytest.mark.parametrize("arch", ["l1", "topk", "matryoshka"])
def test_ddp_in_bf16_keeps_the_ranks_identical(tmp_path, arch):
    "bf16 training under DDP: gradients averaged over ranks in fp32, weights identical on every rank after every step."
    mp.spawn(_worker, args=(2, _free_port(), str(tmp_path), 40, arch, True), nprocs=2, join=True)
    r0, r1 = torch.load(tmp_path / "rank0.pt"), torch.load(tmp_path / "rank1.pt")
    for k in r0: assert torch.equal(r0[k], r1[k]), f"ranks diverged in {k}"
