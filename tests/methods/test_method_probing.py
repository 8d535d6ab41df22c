"""Linear probes and Hewitt & Liang control tasks."""

import pytest
import torch

from methods import toy_data as td
from methods import toy_models as tm
from methods.probing import control_task, fit_linear_probe, probe_with_control


def test_control_labels_are_a_function_of_the_type():
    g = torch.Generator().manual_seed(0)
    types = torch.randint(30, (500,), generator=g)
    labels = torch.randint(4, (500,), generator=g)
    ctrl = control_task(types, labels, seed=1)
    for t in types.unique():
        assert ctrl[types == t].unique().numel() == 1  # one label per type
    assert set(ctrl.tolist()) <= set(labels.tolist())
    assert torch.equal(ctrl, control_task(types, labels, seed=1))  # reproducible
    assert not torch.equal(ctrl, control_task(types, labels, seed=2))


def test_probe_separates_linearly_separable_data_perfectly():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(300, 5, generator=g)
    w = torch.randn(5, 3, generator=g)
    y = (x @ w).argmax(1)
    probe = fit_linear_probe(x, y, 3, l2=0.0, max_iter=500)
    assert probe.accuracy(x, y) == 1.0


def test_probe_on_noise_is_at_chance():
    g = torch.Generator().manual_seed(2)
    x_train, x_test = torch.randn(400, 10, generator=g), torch.randn(2000, 10, generator=g)
    y_train, y_test = torch.randint(2, (400,), generator=g), torch.randint(2, (2000,), generator=g)
    probe = fit_linear_probe(x_train, y_train, 2, l2=1e-2)
    assert abs(probe.accuracy(x_test, y_test) - 0.5) < 0.05


def planted(n, types, encode_label, encode_type, g):
    """Representations of n examples: a linear code of the label and/or one-hot of the type."""
    t = torch.randint(types, (n,), generator=g)
    y = t % 3  # the property is a function of the type, as in the probing setting
    parts = [0.1 * torch.randn(n, 4, generator=g)]
    if encode_label:
        parts.append(torch.nn.functional.one_hot(y, 3).float())
    if encode_type:
        parts.append(torch.nn.functional.one_hot(t, types).float())
    return torch.cat(parts, 1), y, t


def test_selectivity_separates_encoding_from_memorisation():
    g = torch.Generator().manual_seed(3)
    # the representation encodes the label only: the probe cannot fit random per-type labels
    xa, ya, ta = planted(600, 60, True, False, g)
    xb, yb, tb = planted(300, 60, True, False, g)
    encoded = probe_with_control(xa, ya, ta, xb, yb, tb)
    assert encoded.accuracy == 1.0
    assert encoded.control_accuracy < 0.6
    assert encoded.selectivity > 0.4
    # the representation identifies every type: a linear probe memorises the control task too
    xa, ya, ta = planted(600, 60, False, True, g)
    xb, yb, tb = planted(300, 60, False, True, g)
    memorised = probe_with_control(xa, ya, ta, xb, yb, tb)
    assert memorised.accuracy == 1.0 and memorised.control_accuracy > 0.95
    assert memorised.selectivity < 0.05


def test_probes_on_the_toy_vit_find_colour_after_the_first_block():
    vit = tm.trained_vit()
    train, test = td.make_shapes(500, seed=31), td.make_shapes(250, seed=32)
    with torch.no_grad():
        h_train = [h[:, 0] for h in vit.hidden_states(train.images)]
        h_test = [h[:, 0] for h in vit.hidden_states(test.images)]
    types_train = (train.colour * 3 + train.shape) * td.N_PATCHES + train.cell
    types_test = (test.colour * 3 + test.shape) * td.N_PATCHES + test.cell
    # the [CLS] token's embedding is the same for every image: nothing to read yet
    before = probe_with_control(h_train[0], train.colour, types_train, h_test[0], test.colour, types_test)
    assert before.accuracy < 0.4
    after = probe_with_control(h_train[1], train.colour, types_train, h_test[1], test.colour, types_test)
    assert after.accuracy > 0.95
    assert after.selectivity > 0.3


def test_control_labels_follow_the_real_label_distribution():
    # 90 % of the examples are class 0: the control task must keep that prior, not draw labels uniformly
    labels = torch.cat(
        [
            torch.zeros(1800, dtype=torch.long),
            torch.ones(100, dtype=torch.long),
            torch.full((100,), 2, dtype=torch.long),
        ]
    )
    types = torch.arange(2000)  # every example its own type: 2000 independent draws
    control = control_task(types, labels, seed=3)
    share = torch.bincount(control, minlength=3).double() / len(control)
    assert share[0] == pytest.approx(0.9, abs=0.03) and share[1] == pytest.approx(0.05, abs=0.02)
