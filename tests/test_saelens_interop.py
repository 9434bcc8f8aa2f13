"""Round trip with SAELens itself: what `save_saelens` writes, `sae_lens.SAE.load_from_disk` loads, and both reconstruct
raw activations the same way. SAELens is not a dependency of sae_nb; this test is skipped where it is not installed.
Run it with SAELens beside sae_nb (a venv with `pip install -c constraints.txt sae-lens`, torch pinned there too)."""
import pytest, torch

sae_lens = pytest.importorskip("sae_lens")

from sae_nb.sae import SAE, SAEConfig
from sae_nb.llm import save_saelens, load_saelens


@pytest.mark.parametrize("activation", ["relu", "topk"])
def test_saelens_loads_what_we_save(tmp_path, activation):
    torch.manual_seed(0)
    sae = SAE(SAEConfig(24, 96, n_inst=2, activation=activation, k=6 if activation == "topk" else None, seed=[3, 4]), device="cpu")
    with torch.no_grad():
        sae.b_enc.normal_(0, 0.1); sae.b_dec.normal_(0, 0.5)
    scale = 2.5
    path = save_saelens(sae, tmp_path / activation, inst=1, scale=scale, model_name="tiny-gpt2", layer=1, context_size=64)
    theirs = sae_lens.SAE.load_from_disk(str(path), device="cpu")
    x = torch.randn(200, 24)
    ours = sae(x * scale)[1][1] / scale
    assert torch.allclose(theirs(x), ours, atol=1e-4), float((theirs(x) - ours).abs().max())
    back, _ = load_saelens(path)
    assert torch.allclose(back(x)[1][0], ours, atol=1e-5)
    # and SAELens's own save loads in ours
    theirs.save_model(str(tmp_path / "resaved"))
    again, _ = load_saelens(tmp_path / "resaved")
    assert torch.allclose(again(x)[1][0], ours, atol=1e-4)
