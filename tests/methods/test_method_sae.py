"""Sparse autoencoders: structural identities, and recovery of a planted dictionary."""

import pytest
import torch

from methods.sae import SparseAutoencoder, match_dictionary, sae_loss, sae_metrics, train_sae


@pytest.fixture(scope="module")
def planted():
    """Data made of 3 of 32 known unit directions in 16 dimensions, with positive weights."""
    g = torch.Generator().manual_seed(0)
    d, k, n = 16, 32, 4096
    atoms = torch.nn.functional.normalize(torch.randn(k, d, generator=g), dim=1)
    codes = torch.zeros(n, k)
    for i in range(n):
        codes[i, torch.randperm(k, generator=g)[:3]] = 0.5 + torch.rand(3, generator=g)
    return atoms, codes @ atoms


@pytest.fixture(scope="module")
def trained(planted):
    return train_sae(planted[1], d_hidden=64, l1_coeff=0.3, steps=800, seed=0)


def test_codes_are_non_negative_and_reconstruction_is_bias_plus_weighted_directions(trained, planted):
    x = planted[1][:100]
    x_hat, f = trained(x)
    assert (f >= 0).all()
    manual = trained.b_dec + sum(f[:, i : i + 1] * trained.W_dec[i] for i in range(f.shape[1]))
    assert torch.allclose(x_hat, manual, atol=1e-5)
    assert torch.equal(trained.decode(trained.encode(x)), x_hat)


def test_decoder_directions_have_unit_norm_after_training(trained):
    norms = trained.W_dec.norm(dim=1)
    assert torch.allclose(norms, torch.ones_like(norms), atol=1e-5)


def test_the_planted_dictionary_is_recovered(trained, planted):
    atoms, x = planted
    sims = match_dictionary(trained.W_dec.detach(), atoms)
    assert float((sims > 0.9).float().mean()) >= 0.9, sims
    m = sae_metrics(trained, x)
    assert m["explained_variance"] > 0.85
    assert m["l0"] < 16  # sparse: far fewer than 64 active features


def test_a_larger_l1_penalty_gives_sparser_codes(planted):
    x = planted[1]
    l0 = [sae_metrics(train_sae(x, 64, l1_coeff=c, steps=300, seed=1), x)["l0"] for c in (0.01, 0.3, 1.0)]
    assert l0[0] > l0[1] > l0[2]


def test_loss_and_metrics_of_a_perfect_dictionary():
    sae = SparseAutoencoder(4, 8)
    with torch.no_grad():  # features = ReLU(x) and ReLU(-x) along the standard basis: exact, L0 = 4
        sae.W_dec.copy_(torch.cat([torch.eye(4), -torch.eye(4)]))
        sae.W_enc.copy_(sae.W_dec.T)
        sae.b_enc.zero_()
        sae.b_dec.zero_()
    x = torch.randn(50, 4)
    x_hat, f = sae(x)
    assert torch.allclose(x_hat, x, atol=1e-6)
    assert float(sae_loss(sae, x, 0.0).detach()) < 1e-10
    m = sae_metrics(sae, x)
    assert m["explained_variance"] == pytest.approx(1.0, abs=1e-6)
    assert m["l0"] == pytest.approx(4.0)
    assert m["dead_fraction"] == 0.0


def test_the_encoder_reads_the_input_relative_to_the_decoder_bias():
    sae = SparseAutoencoder(3, 3)
    with torch.no_grad():
        sae.W_enc.copy_(torch.eye(3))
        sae.W_dec.copy_(torch.eye(3))
        sae.b_enc.copy_(torch.tensor([0.0, -0.5, 0.25]))
        sae.b_dec.copy_(torch.tensor([2.0, -1.0, 4.0]))
    x = torch.tensor([[3.0, -1.0, 3.0]])
    # f = ReLU(W_enc^T (x - b_dec) + b_enc) = ReLU([1, 0, -1] + [0, -0.5, 0.25]) = [1, 0, 0]
    assert torch.equal(sae.encode(x), torch.tensor([[1.0, 0.0, 0.0]]))
    assert torch.equal(sae.encode(sae.b_dec[None]), torch.tensor([[0.0, 0.0, 0.25]]))
    assert torch.equal(sae(x)[0], torch.tensor([[3.0, -1.0, 4.0]]))  # b_dec + 1 * e_0
