"""Integrated gradients and Grad-CAM: exact properties, plus behaviour on the trained toy models."""

import pytest
import torch
from torch import nn

from methods import toy_data as td
from methods import toy_models as tm
from methods.attribution import (
    RULES,
    completeness_gap,
    grad_cam,
    integrated_gradients,
    quadrature,
    tokens_to_grid,
    upsample,
)


def quadratic(a: torch.Tensor, b: torch.Tensor, c: float):
    """f(x) = x^T A x + b^T x + c, applied to a batch [M, n]."""
    return lambda x: ((x @ a) * x).sum(-1) + x @ b + c


@pytest.mark.parametrize("rule", RULES[:3])  # gauss-legendre, trapezoid, midpoint: exact for linear integrands
@pytest.mark.parametrize("steps", [1, 2, 7])
def test_ig_completeness_is_exact_for_a_quadratic(rule, steps):
    g = torch.Generator().manual_seed(steps)
    n = 6
    a = torch.randn(n, n, generator=g, dtype=torch.float64)
    b = torch.randn(n, generator=g, dtype=torch.float64)
    f = quadratic(a, b, 0.3)
    x = torch.randn(n, generator=g, dtype=torch.float64)
    baseline = torch.randn(n, generator=g, dtype=torch.float64)
    attr = integrated_gradients(f, x, baseline, steps=steps, rule=rule)
    # the gradient is linear along the path, so these rules integrate it exactly
    assert abs(completeness_gap(f, x, attr, baseline)) < 1e-12


def test_ig_of_a_linear_model_is_weight_times_displacement():
    w = torch.tensor([1.5, -2.0, 0.0, 4.0], dtype=torch.float64)
    x = torch.tensor([1.0, 2.0, 3.0, -1.0], dtype=torch.float64)
    attr = integrated_gradients(lambda z: z @ w, x, steps=3)
    assert torch.allclose(attr, w * x, rtol=0, atol=1e-15)
    assert attr[2] == 0  # a feature the model ignores gets nothing (dummy axiom)


def test_ig_left_riemann_with_one_step_is_gradient_at_baseline_times_input():
    f = quadratic(torch.eye(3, dtype=torch.float64), torch.zeros(3, dtype=torch.float64), 0.0)
    x = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    base = torch.tensor([0.5, 0.5, 0.5], dtype=torch.float64)
    attr = integrated_gradients(f, x, base, steps=1, rule="riemann-left")
    assert torch.allclose(attr, (x - base) * 2 * base, rtol=0, atol=1e-15)


def test_quadrature_weights_sum_to_one_and_nodes_lie_in_the_unit_interval():
    for rule in RULES:
        nodes, weights = quadrature(9, rule)
        assert abs(weights.sum() - 1) < 1e-14
        assert nodes.min() >= 0 and nodes.max() <= 1
    with pytest.raises(ValueError):
        quadrature(0)
    with pytest.raises(ValueError):
        quadrature(4, "simpson")


def test_ig_completeness_on_the_toy_vit_in_float64():
    vit = tm.trained_vit().double()
    b = td.make_shapes(1, seed=5)
    x = b.images[0].double()
    target = int(b.label[0])

    def f(batch):
        return vit(batch)[:, target]

    attr = integrated_gradients(f, x, torch.full_like(x, 0.25), steps=128, rule="gauss-legendre")
    assert abs(completeness_gap(f, x, attr, torch.full_like(x, 0.25))) < 1e-6


def test_ig_puts_most_attribution_on_the_object_pixels():
    vit = tm.trained_vit().double()
    b = td.make_shapes(6, seed=6)
    shares = []
    for i in range(len(b)):
        x = b.images[i].double()
        target = int(b.label[i])
        attr = integrated_gradients(lambda z, target=target: vit(z)[:, target], x, torch.full_like(x, 0.25), steps=16)
        heat = attr.abs().sum(0)
        shares.append(float(heat[b.mask[i]].sum() / heat.sum()))
    # the object covers 4-6% of the pixels
    assert sum(shares) / len(shares) > 0.5, shares


class GapNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(3, 5, 3, padding=1), nn.ReLU())
        self.fc = nn.Linear(5, 4)

    def forward(self, x):
        return self.fc(self.conv(x).mean(dim=(2, 3)))


def test_grad_cam_equals_cam_for_global_average_pooling_networks():
    torch.manual_seed(0)
    net = GapNet().double()
    x = torch.randn(3, 3, 8, 8, dtype=torch.float64)
    target = torch.tensor([0, 2, 3])
    cam = grad_cam(lambda z: net(z).gather(1, target[:, None]).squeeze(1), net.conv, x, relu=False)
    feats = net.conv(x)
    # Grad-CAM weights are w_c / (H W): the map is the class activation map up to 1/(HW)
    expected = torch.einsum("bk,bkhw->bhw", net.fc.weight[target], feats) / 64
    assert torch.allclose(cam, expected.detach(), rtol=0, atol=1e-12)
    # so the (un-clipped) map sums to the class score minus its bias
    score = net(x).gather(1, target[:, None]).squeeze(1) - net.fc.bias[target]
    assert torch.allclose(cam.sum((1, 2)), score.detach(), rtol=0, atol=1e-12)
    clipped = grad_cam(lambda z: net(z).gather(1, target[:, None]).squeeze(1), net.conv, x)
    assert torch.equal(clipped, cam.clamp(min=0))


def test_grad_cam_reshapes_vit_tokens():
    vit = tm.trained_vit()
    b = td.make_shapes(2, seed=3)
    cam = grad_cam(
        lambda z: vit(z).gather(1, b.label[:, None]).squeeze(1),
        vit.blocks[-1].ln1,
        b.images,
        reshape=lambda t: tokens_to_grid(t, (td.GRID, td.GRID)),
    )
    assert cam.shape == (2, td.GRID, td.GRID)
    assert (cam >= 0).all()


def test_grad_cam_mass_falls_inside_the_object_on_the_trained_cnn():
    cnn = tm.trained_cnn()
    b = td.make_shapes(64, seed=2024)
    cam = grad_cam(lambda z: cnn(z).gather(1, b.label[:, None]).squeeze(1), cnn.features[-1], b.images)
    up = upsample(cam, (td.IMAGE_SIZE, td.IMAGE_SIZE))
    inside = td.patch_mask(b).repeat_interleave(td.PATCH, 1).repeat_interleave(td.PATCH, 2)
    mass = (up * inside).sum((1, 2)) / up.sum((1, 2)).clamp_min(1e-12)
    # the object's cell is 1/16 of the image; Grad-CAM concentrates several times that on it
    assert float(mass.mean()) > 0.3, float(mass.mean())
    peak = up.flatten(1).argmax(1)
    hits = inside.flatten(1)[torch.arange(len(b)), peak]
    assert float(hits.float().mean()) > 0.6
