"""Sparse autoencoders (dictionary learning) on activations (Cunningham et al., 2023; Bricken et
al., 2023).

An SAE rewrites an activation ``x`` as a sparse, non-negative combination of learned directions:
``f = ReLU(W_enc (x - b_dec) + b_enc)`` and ``x_hat = b_dec + sum_i f_i d_i`` with unit-norm
decoder directions ``d_i``. It is trained to reconstruct ``x`` with an L1 penalty on ``f``; its
features are often far more interpretable than single neurons.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class SparseAutoencoder(nn.Module):
    def __init__(self, d_in: int, d_hidden: int):
        super().__init__()
        dec = F.normalize(torch.randn(d_hidden, d_in), dim=1)
        self.W_dec = nn.Parameter(dec)  # [d_hidden, d_in]; row i is feature i's direction
        self.W_enc = nn.Parameter(dec.T.clone())  # [d_in, d_hidden]; tied initialisation
        self.b_enc = nn.Parameter(torch.zeros(d_hidden))
        self.b_dec = nn.Parameter(torch.zeros(d_in))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu((x - self.b_dec) @ self.W_enc + self.b_enc)

    def decode(self, f: torch.Tensor) -> torch.Tensor:
        return f @ self.W_dec + self.b_dec

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f = self.encode(x)
        return self.decode(f), f

    @torch.no_grad()
    def normalize_decoder(self) -> None:
        self.W_dec.data = F.normalize(self.W_dec.data, dim=1)


def sae_loss(sae: SparseAutoencoder, x: torch.Tensor, l1_coeff: float) -> torch.Tensor:
    x_hat, f = sae(x)
    return (x_hat - x).pow(2).sum(-1).mean() + l1_coeff * f.abs().sum(-1).mean()


def train_sae(
    acts: torch.Tensor,
    d_hidden: int,
    l1_coeff: float = 1e-2,
    steps: int = 1000,
    lr: float = 3e-3,
    batch_size: int = 256,
    seed: int = 0,
) -> SparseAutoencoder:
    """Train an SAE on ``acts`` ``[M, d]`` with Adam; decoder rows are renormalised after every
    step (and the gradient component along them removed), so the L1 penalty cannot be dodged by
    shrinking codes and growing directions."""
    acts = acts.detach().float().reshape(-1, acts.shape[-1])
    with torch.random.fork_rng(devices=[]):  # seeded initialisation without touching the global RNG
        torch.manual_seed(seed)
        sae = SparseAutoencoder(acts.shape[-1], d_hidden)
    with torch.no_grad():
        sae.b_dec.copy_(acts.median(dim=0).values)
    opt = torch.optim.Adam(sae.parameters(), lr=lr)
    g = torch.Generator().manual_seed(seed)
    history = []
    with torch.enable_grad():  # also when called from inside a no_grad block
        for _ in range(steps):
            batch = acts[torch.randint(len(acts), (min(batch_size, len(acts)),), generator=g)]
            loss = sae_loss(sae, batch, l1_coeff)
            opt.zero_grad()
            loss.backward()
            with torch.no_grad():  # keep updates tangent to the unit sphere of each decoder row
                d = sae.W_dec
                d.grad -= (d.grad * d).sum(1, keepdim=True) * d
            opt.step()
            sae.normalize_decoder()
            history.append(float(loss.detach()))
    sae.history = history
    return sae.eval()


@torch.no_grad()
def sae_metrics(sae: SparseAutoencoder, acts: torch.Tensor) -> dict[str, float]:
    """Reconstruction and sparsity: MSE, fraction of variance explained, mean L0, dead features."""
    x = acts.float().reshape(-1, acts.shape[-1])
    x_hat, f = sae(x)
    resid = (x_hat - x).pow(2).sum(-1).mean()
    var = (x - x.mean(0)).pow(2).sum(-1).mean()
    return {
        "mse": float(resid / x.shape[-1]),
        "explained_variance": float(1 - resid / var),
        "l0": float((f > 0).float().sum(-1).mean()),
        "dead_fraction": float(((f > 0).sum(0) == 0).float().mean()),
    }


def match_dictionary(learned: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
    """For each true direction (rows of ``truth``), its best cosine similarity with a learned one."""
    sims = F.normalize(truth.float(), dim=1) @ F.normalize(learned.float(), dim=1).T
    return sims.max(dim=1).values
