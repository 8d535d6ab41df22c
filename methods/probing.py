"""Linear probes with control tasks (Alain & Bengio, 2016; Hewitt & Liang, 2019).

A probe is a linear classifier trained on frozen representations. High probe accuracy alone does
not show that the representation *encodes* a property - an expressive probe can memorise. A
control task gives every input *type* (e.g. each distinct word, or here each distinct object) a
random but fixed label; a good probe should do well on the real task and poorly on the control,
and their difference is the probe's *selectivity*.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass
class LinearProbe:
    weight: torch.Tensor  # [C, D]
    bias: torch.Tensor  # [C]
    mean: torch.Tensor  # [D] feature standardisation
    std: torch.Tensor  # [D]

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return ((x.double() - self.mean) / self.std) @ self.weight.T + self.bias

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        return self.logits(x).argmax(-1)

    def accuracy(self, x: torch.Tensor, y: torch.Tensor) -> float:
        return float((self.predict(x) == y).double().mean())


def fit_linear_probe(
    x: torch.Tensor, y: torch.Tensor, n_classes: int | None = None, l2: float = 1e-3, max_iter: int = 200
) -> LinearProbe:
    """Multinomial logistic regression (float64, L-BFGS, L2 penalty) on standardised features."""
    x = x.detach().double().reshape(len(x), -1)
    y = y.long()
    n_classes = int(y.max()) + 1 if n_classes is None else n_classes
    mean, std = x.mean(0), x.std(0).clamp_min(1e-8)
    z = (x - mean) / std
    w = torch.zeros(n_classes, z.shape[1], dtype=torch.float64, requires_grad=True)
    b = torch.zeros(n_classes, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS(
        [w, b], lr=1.0, max_iter=max_iter, tolerance_grad=1e-9, tolerance_change=1e-12, line_search_fn="strong_wolfe"
    )

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy(z @ w.T + b, y) + l2 * (w * w).sum()
        loss.backward()
        return loss

    with torch.enable_grad():  # also when called from inside a no_grad block
        opt.step(closure)
    return LinearProbe(w.detach(), b.detach(), mean, std)


def control_task(types: torch.Tensor, labels: torch.Tensor, seed: int = 0) -> torch.Tensor:
    """Hewitt & Liang's control task: each distinct type gets one label drawn at random from the
    real task's empirical label distribution; returns the control label of every example."""
    g = torch.Generator().manual_seed(seed)
    uniq, inverse = torch.unique(types, return_inverse=True)
    counts = torch.bincount(labels.long()).double()
    per_type = torch.multinomial(counts / counts.sum(), len(uniq), replacement=True, generator=g)
    return per_type[inverse]


@dataclass
class ProbeReport:
    accuracy: float  # held-out accuracy on the real task
    control_accuracy: float  # held-out accuracy on the control task
    train_accuracy: float
    control_train_accuracy: float

    @property
    def selectivity(self) -> float:
        return self.accuracy - self.control_accuracy


def probe_with_control(
    x_train: torch.Tensor,
    y_train: torch.Tensor,
    types_train: torch.Tensor,
    x_test: torch.Tensor,
    y_test: torch.Tensor,
    types_test: torch.Tensor,
    l2: float = 1e-3,
    seed: int = 0,
) -> ProbeReport:
    """Fit the same probe on the real task and on its control task; report both accuracies."""
    types = torch.cat([types_train, types_test])
    control = control_task(types, torch.cat([y_train, y_test]), seed)
    c_train, c_test = control[: len(types_train)], control[len(types_train) :]
    n_classes = int(max(y_train.max(), y_test.max())) + 1
    real = fit_linear_probe(x_train, y_train, n_classes, l2)
    ctrl = fit_linear_probe(x_train, c_train, n_classes, l2)
    return ProbeReport(
        real.accuracy(x_test, y_test),
        ctrl.accuracy(x_test, c_test),
        real.accuracy(x_train, y_train),
        ctrl.accuracy(x_train, c_train),
    )
