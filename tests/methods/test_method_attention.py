"""Attention rollout, attention flow (max-flow) and gradient-weighted relevancy."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_support import examples

from methods import toy_data as td
from methods import toy_models as tm
from methods.attention import (
    attention_and_gradients,
    attention_flow,
    attention_rollout,
    flow_graph,
    gradient_attention_relevancy,
    max_flow,
    mixing_matrix,
)
from methods.hooks import record


def random_attention(g, layers, heads, n, causal=False):
    out = []
    for _ in range(layers):
        scores = torch.randn(heads, n, n, generator=g, dtype=torch.float64) * 3
        if causal:
            scores = scores.masked_fill(torch.ones(n, n, dtype=torch.bool).triu(1), float("-inf"))
        out.append(scores.softmax(-1))
    return out


@settings(max_examples=examples(25), deadline=None)
@given(
    seed=st.integers(0, 10_000),
    layers=st.integers(1, 5),
    heads=st.integers(1, 4),
    n=st.integers(1, 9),
    fusion=st.sampled_from(["mean", "max", "min"]),
    residual=st.booleans(),
)
def test_rollout_rows_sum_to_one(seed, layers, heads, n, fusion, residual):
    g = torch.Generator().manual_seed(seed)
    roll = attention_rollout(random_attention(g, layers, heads, n), fusion, residual)
    assert roll.shape == (n, n)
    assert (roll >= 0).all()
    assert torch.allclose(roll.sum(-1), torch.ones(n, dtype=torch.float64), rtol=0, atol=1e-12)


def test_rollout_of_one_layer_is_its_mixing_matrix_and_identity_attention_is_neutral():
    g = torch.Generator().manual_seed(0)
    atts = random_attention(g, 3, 2, 5)
    assert torch.equal(attention_rollout(atts[:1]), mixing_matrix(atts[0]))
    assert torch.allclose(
        attention_rollout(atts), mixing_matrix(atts[2]) @ mixing_matrix(atts[1]) @ mixing_matrix(atts[0])
    )
    eye = torch.eye(5, dtype=torch.float64).expand(2, 5, 5)
    assert torch.allclose(attention_rollout([eye, *atts]), attention_rollout(atts), atol=1e-15)
    with pytest.raises(ValueError):
        attention_rollout([])


def test_rollout_on_the_toy_vit_is_row_stochastic_and_batched():
    vit = tm.trained_vit()
    b = td.make_shapes(4, seed=1)
    with torch.no_grad(), record({str(i): blk.attn.attn_probs for i, blk in enumerate(vit.blocks)}) as s:
        vit(b.images)
    roll = attention_rollout([s[str(i)] for i in range(len(vit.blocks))])
    assert roll.shape == (4, 17, 17)
    assert torch.allclose(roll.sum(-1), torch.ones(4, 17), atol=1e-6)
    # the [CLS] token of the trained model draws most on the object's patch
    assert (roll[:, 0, 1:].argmax(-1) == b.cell).float().mean() >= 0.75


# --------------------------------------------------------------------------- max-flow


def test_max_flow_on_a_textbook_graph():
    # CLRS figure 26.1: maximum flow 23
    cap = np.zeros((6, 6))
    for u, v, c in [
        (0, 1, 16),
        (0, 2, 13),
        (1, 3, 12),
        (2, 1, 4),
        (2, 4, 14),
        (3, 2, 9),
        (3, 5, 20),
        (4, 3, 7),
        (4, 5, 4),
    ]:
        cap[u, v] = c
    res = max_flow(cap, 0, 5)
    assert res.value == pytest.approx(23)
    assert res.cut_capacity == pytest.approx(23)


def check_flow(cap, res, s, t):
    flow = res.flow
    assert (flow >= -1e-12).all() and (flow <= cap + 1e-12).all()  # capacity constraints
    net = flow.sum(1) - flow.sum(0)  # out minus in
    inner = [v for v in range(len(cap)) if v not in (s, t)]
    assert np.allclose(net[inner], 0, atol=1e-12)  # conservation
    assert net[s] == pytest.approx(res.value, abs=1e-12)
    assert -net[t] == pytest.approx(res.value, abs=1e-12)
    assert res.source_side[s] and not res.source_side[t]
    # strong duality: the flow saturates a cut, so no flow can be larger
    assert res.cut_capacity == pytest.approx(res.value, abs=1e-12)
    assert res.value <= cap[s].sum() + 1e-12 and res.value <= cap[:, t].sum() + 1e-12


@settings(max_examples=examples(20), deadline=None)
@given(seed=st.integers(0, 10_000), layers=st.integers(1, 3), n=st.integers(2, 6))
def test_attention_flow_is_a_maximum_flow(seed, layers, n):
    g = torch.Generator().manual_seed(seed)
    atts = random_attention(g, layers, 2, n)
    cap = flow_graph(atts)
    for j in range(n):
        res = max_flow(cap, j, layers * n + 0)
        check_flow(cap, res, j, layers * n)
        assert res.value <= 1 + 1e-12  # what enters an output token is at most a row sum, 1
    flow = attention_flow(atts, output_tokens=range(n))
    assert flow.values.shape == (n, n)
    assert (flow.values >= -1e-12).all() and (flow.values <= 1 + 1e-12).all()


def test_attention_flow_agrees_with_networkx():
    nx = pytest.importorskip("networkx")
    g = torch.Generator().manual_seed(7)
    atts = random_attention(g, 3, 2, 6)
    flow = attention_flow(atts, output_tokens=[0, 3])
    graph = nx.DiGraph()
    for u, v in zip(*np.nonzero(flow.capacity), strict=True):
        graph.add_edge(int(u), int(v), capacity=float(flow.capacity[u, v]))
    for row, out in enumerate([0, 3]):
        expected = [nx.maximum_flow_value(graph, j, 3 * 6 + out) for j in range(6)]
        assert np.allclose(flow.values[row], expected, atol=1e-9)


def test_single_layer_flow_equals_the_mixing_weight():
    g = torch.Generator().manual_seed(3)
    atts = random_attention(g, 1, 3, 5)
    flow = attention_flow(atts, output_tokens=range(5))
    assert np.allclose(flow.values, mixing_matrix(atts[0]).numpy(), atol=1e-12)


# --------------------------------------------------------------------------- Chefer et al.


def test_relevancy_is_the_product_of_identity_plus_weighted_attention():
    g = torch.Generator().manual_seed(1)
    atts = random_attention(g, 3, 2, 5)
    grads = [torch.randn(a.shape, generator=g, dtype=torch.float64) for a in atts]
    rel = gradient_attention_relevancy(atts, grads)
    eye = torch.eye(5, dtype=torch.float64)
    expected = eye
    for a, gr in zip(atts, grads, strict=True):
        expected = (eye + (gr * a).clamp(min=0).mean(0)) @ expected
    assert torch.allclose(rel, expected, rtol=0, atol=1e-12)
    assert (rel >= 0).all() and (torch.diagonal(rel) >= 1).all()
    zero = gradient_attention_relevancy(atts, [torch.zeros_like(a) for a in atts])
    assert torch.equal(zero, eye)  # no gradient: every token is only relevant to itself


def test_relevancy_of_a_causal_model_is_lower_triangular():
    g = torch.Generator().manual_seed(2)
    atts = random_attention(g, 2, 2, 6, causal=True)
    grads = [torch.randn(a.shape, generator=g, dtype=torch.float64) for a in atts]
    rel = gradient_attention_relevancy(atts, grads)
    assert torch.equal(rel.triu(1), torch.zeros(6, 6, dtype=torch.float64))


def test_recorded_attention_gradients_are_the_true_gradients():
    llava = tm.trained_llava().double()
    b = td.make_shapes(1, seed=4)
    q = td.question_tokens(torch.tensor([0]))
    modules = [blk.attn.attn_probs for blk in llava.blocks]
    atts, grads = attention_and_gradients(lambda: llava(b.images.double(), q)[0, -1, td.TOKEN_ID["red"]], modules)
    # perturb one attention entry of layer 0 through a hook and compare with the recorded gradient
    i, j, h, eps = 18, 3, 1, 1e-6

    def score_with(delta):
        def bump(out):
            out = out.clone()
            out[0, h, i, j] += delta
            return out

        from methods.hooks import edit_output

        with torch.no_grad(), edit_output(modules[0], bump):
            return float(llava(b.images.double(), q)[0, -1, td.TOKEN_ID["red"]])

    numeric = (score_with(eps) - score_with(-eps)) / (2 * eps)
    assert numeric == pytest.approx(float(grads[0][0, h, i, j]), rel=1e-5, abs=1e-8)
    rel = gradient_attention_relevancy([a[0] for a in atts], [g[0] for g in grads])
    assert rel.shape == (19, 19)
    assert torch.equal(rel.triu(1), torch.zeros_like(rel))  # the decoder is causal


def test_rollout_by_hand_two_layers():
    swap = torch.tensor([[[0.0, 1.0], [1.0, 0.0]]])  # one head: each token reads only the other
    keep = torch.tensor([[[1.0, 0.0], [0.8, 0.2]]])
    # M = 0.5 A + 0.5 I per layer; rollout = M_2 @ M_1 (the later layer on the left)
    m_swap = torch.tensor([[0.5, 0.5], [0.5, 0.5]])
    m_keep = torch.tensor([[1.0, 0.0], [0.4, 0.6]])
    assert torch.allclose(attention_rollout([swap]), m_swap)
    assert torch.allclose(attention_rollout([keep, swap]), m_swap @ m_keep)
    assert torch.allclose(attention_rollout([swap, keep]), m_keep @ m_swap)
    assert torch.allclose(attention_rollout([swap, keep]), torch.tensor([[0.5, 0.5], [0.5, 0.5]]))
    assert torch.allclose(attention_rollout([keep, swap]), torch.tensor([[0.7, 0.3], [0.7, 0.3]]))
    assert torch.allclose(attention_rollout([swap], add_residual=False), swap[0])


def test_attention_flow_refuses_graphs_above_the_size_limit():
    from methods.attention import check_flow_size

    check_flow_size(32, 30)  # 990 nodes: fine
    with pytest.raises(ValueError, match=r"32 layers x 600 tokens needs a graph of 19800 nodes \(3.1 GB"):
        check_flow_size(32, 600)
    with pytest.raises(ValueError, match="max_nodes=8"):
        attention_flow([torch.full((1, 3, 3), 1 / 3)] * 2, max_nodes=8)
