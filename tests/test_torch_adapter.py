"""dying_relu.torch against real PyTorch (CI installs torch==2.13.0, the CPU build; see .ci/run).

Every model here has dead units put there on purpose (a very negative bias, or a weight that lets
a unit fire on one known example only), so the right answer is known without the adapter.
Without PyTorch the whole file is skipped, saying so (unless REQUIRE_TORCH=1, as in CI).
"""

import math
import os
import re
import textwrap
from pathlib import Path

import nbformat
import numpy as np
import pytest

if os.environ.get("REQUIRE_TORCH") == "1":  # CI (.ci/run): a missing torch is a failure
    import torch
else:
    torch = pytest.importorskip(
        "torch",
        reason="PyTorch is not installed, so the dying_relu.torch tests are SKIPPED. "
        "Install the CPU build to run them: make torch (torch==2.13.0)",
    )
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

from dying_relu import MLP, diagnostics, init  # noqa: E402
from dying_relu import torch as dr_torch  # noqa: E402


def loader_of(X, batch_size=64, with_targets=True):
    X = torch.as_tensor(X, dtype=torch.float32)
    if with_targets:
        return DataLoader(TensorDataset(X, torch.zeros(len(X), dtype=torch.long)), batch_size=batch_size)
    return DataLoader(X, batch_size=batch_size)


@pytest.fixture
def X():
    g = torch.Generator().manual_seed(0)
    return torch.randn(500, 6, generator=g)


def mlp(act=nn.ReLU, dead0=(2, 5), dead1=(1,)):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 16), act(), nn.Linear(16, 12), act(), nn.Linear(12, 3))
    with torch.no_grad():
        model[0].bias[list(dead0)] = -100.0
        model[2].bias[list(dead1)] = -100.0
    return model


def truth(model, X):
    """Per layer, the counts computed directly from the pre-activations over all of X."""
    with torch.no_grad():
        z0 = model[0](X)
        h0 = model[1](z0.clone())
        z1 = model[2](h0)
        h1 = model[3](z1.clone())
    return {"0": (z0, h0), "2": (z1, h1)}


# ---------------------------------------------------------------------------------------------
# The recipe in the module docstring, run exactly as written
# ---------------------------------------------------------------------------------------------


def recipe_code() -> str:
    doc = dr_torch.__doc__
    block = doc.split("::\n\n", 1)[1].split("\nWhat is measured", 1)[0]
    return textwrap.dedent(block)


def test_the_recipe_in_the_docstring_runs_and_finds_the_killed_units(capsys):
    code = recipe_code()
    assert "dr_torch.scan(model, loader)" in code and "dr_torch.reinit_dead(model, dead" in code
    ns: dict = {}
    exec(compile(code, "dying_relu.torch recipe", "exec"), ns)
    out = capsys.readouterr().out
    assert "never active" in out and "1348 examples" in out
    dead = ns["dead"]
    assert set(dead) == {"0", "2"}  # the output layer is left out
    assert dead["0"].tolist() == [True] * 16 + [False] * 112
    after = dr_torch.scan(ns["model"], ns["loader"])
    assert not after.never_active["0"].any()  # revived
    assert torch.all(ns["model"][2].weight[:, :16] == 0)  # outgoing zeroed (no step taken yet)


# ---------------------------------------------------------------------------------------------
# The recipe Chapter 5 shows its readers, read from the notebook and run exactly as printed there
# ---------------------------------------------------------------------------------------------

CHAPTER_5 = Path(__file__).resolve().parents[1] / "chapters" / "05_dying_relu_today.ipynb"
RECIPE_MARK = "# recipe: dead units in a PyTorch model"


def chapter_recipe_code() -> str:
    """The fenced Python block of Chapter 5 that starts with RECIPE_MARK (exactly one)."""
    nb = nbformat.read(CHAPTER_5, as_version=4)
    blocks = [
        block
        for cell in nb.cells if cell.cell_type == "markdown"
        for block in re.findall(r"```python\n(.*?)```", cell.source, flags=re.S)
        if block.startswith(RECIPE_MARK)
    ]
    assert len(blocks) == 1, f"expected one recipe block starting with {RECIPE_MARK!r} in {CHAPTER_5.name}"
    return blocks[0]


def test_the_recipe_in_chapter_5_runs_and_finds_and_revives_the_killed_units(capsys):
    code = chapter_recipe_code()
    ns: dict = {}
    exec(compile(code, "chapter 5 recipe", "exec"), ns)
    out = capsys.readouterr().out
    assert out.count("1348 examples") == 2  # two summaries, each over the whole loader
    dead = ns["dead"]
    assert set(dead) == {"0", "2"}
    assert dead["0"].tolist() == [True] * 16 + [False] * 112  # exactly the killed units
    assert ns["dormant"]["0"][:16].all()  # dead units are tau-dormant too
    after = dr_torch.scan(ns["model"], ns["loader"])
    assert not after.never_active["0"].any()  # what the chapter says the second summary shows
    assert torch.all(ns["model"][2].weight[:, :16] == 0)  # outgoing weights zeroed: output unchanged


# ---------------------------------------------------------------------------------------------
# Counts and masks against the known truth
# ---------------------------------------------------------------------------------------------


def test_per_unit_counts_and_masks(X):
    model = mlp()
    report = dr_torch.scan(model, loader_of(X))
    assert report.n_examples == 500 and report.output == "4" and list(report.layers) == ["0", "2"]
    assert report.order == ["0", "2", "4"]
    for name, (z, h) in truth(model, X).items():
        s = report.layers[name]
        assert s.kind == "linear" and s.units == z.shape[1] and s.n_examples == 500
        assert torch.equal(s.positive, (z > 0).sum(0))
        assert torch.equal(s.nonzero, (h != 0).sum(0))
        torch.testing.assert_close(s.mean_abs, h.abs().double().mean(0), rtol=1e-6, atol=1e-9)
    assert torch.nonzero(report.never_active["0"]).flatten().tolist() == [2, 5]
    assert torch.nonzero(report.never_active["2"]).flatten().tolist() == [1]
    assert torch.equal(report.never_positive["0"], report.never_active["0"])  # ReLU: the same
    d = report.dormant(0.0)
    assert torch.equal(d["0"], report.never_active["0"])
    assert "never positive" in report.summary()


def test_matches_the_numpy_diagnostics_on_the_same_network():
    net = MLP([6, 16, 12, 3], "relu", seed=0)
    net.layers[0].b[[3, 7]] = -50.0
    Xn = np.random.default_rng(0).normal(size=(300, 6))
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 12), nn.ReLU(), nn.Linear(12, 3))
    model = model.double()
    with torch.no_grad():
        for i, layer in zip((0, 2, 4), net.layers, strict=True):
            model[i].weight.copy_(torch.from_numpy(layer.W.T))
            model[i].bias.copy_(torch.from_numpy(layer.b))
    report = dr_torch.scan(model, DataLoader(torch.from_numpy(Xn), batch_size=37))
    for name, dead, never, dorm in zip(
        ("0", "2"), diagnostics.dead_mask(net, Xn), diagnostics.never_positive_mask(net, Xn),
        diagnostics.dormant_mask(net, Xn, tau=0.1), strict=True
    ):
        np.testing.assert_array_equal(report.never_active[name].numpy(), dead)
        np.testing.assert_array_equal(report.never_positive[name].numpy(), never)
        np.testing.assert_array_equal(report.dormant(0.1)[name].numpy(), dorm)
    scores = diagnostics.dormant_scores(net, Xn)
    np.testing.assert_allclose(report.dormant_scores()["0"].numpy(), scores[0], rtol=1e-10)


def test_whole_loader_versus_one_batch(X):
    """Unit 4 fires on one example only, in the last batch: dead on a batch, alive on the data."""
    model = mlp(dead0=(), dead1=())
    with torch.no_grad():
        model[0].weight[4] = torch.tensor([1.0, 0, 0, 0, 0, 0])
        model[0].bias[4] = -10.0
    X = X.clone()
    X[:, 0] = X[:, 0].clamp(-3, 3)
    X[-1, 0] = 11.0
    loader = loader_of(X, batch_size=64)
    one = dr_torch.scan(model, [next(iter(loader))])
    full = dr_torch.scan(model, loader)
    assert one.n_examples == 64 and full.n_examples == 500
    assert one.never_active["0"][4] and not full.never_active["0"][4]
    assert full.layers["0"].positive[4] == 1


def test_per_channel_for_convolutions():
    torch.manual_seed(0)
    conv = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 5, 3), nn.ReLU(),
                         nn.Flatten(), nn.Linear(5 * 6 * 6, 3))
    X = torch.rand(40, 1, 8, 8) - 2.0  # every pixel in [-2, -1]
    X[17, 0, 3, 5] = 10.0  # one bright pixel in one image
    with torch.no_grad():
        conv[0].weight.zero_()
        conv[0].bias.zero_()
        conv[0].weight[0, 0, 1, 1] = 1.0  # channel 0 copies the image: positive at one position only
        conv[0].bias[1] = 1.0  # channel 1: constant 1, positive everywhere
        conv[0].bias[2] = -1.0  # channels 2, 3: constant <= 0, dead
    report = dr_torch.scan(conv, DataLoader(X, batch_size=8))
    s = report.layers["0"]
    assert s.kind == "conv" and s.units == 4
    assert s.positive.tolist() == [1, 40, 0, 0]  # per example: positive at any position
    assert report.never_active["0"].tolist() == [False, False, True, True]
    assert report.layers["2"].units == 5 and report.output == "5"
    torch.testing.assert_close(s.mean_abs[0], torch.tensor(10.0 / 64 / 40, dtype=torch.float64))


def test_mode_is_restored_and_eval_is_used(X):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.9), nn.Linear(16, 12), nn.Dropout(0.5),
                          nn.ReLU(), nn.Linear(12, 3))
    seen = []
    model[0].register_forward_hook(lambda m, i, o: seen.append(m.training))
    model.train()
    model[-1].eval()  # a mixed state must come back as it was
    a = dr_torch.scan(model, loader_of(X))
    b = dr_torch.scan(model, loader_of(X))
    assert seen and not any(seen)  # the scan ran in eval mode
    assert model.training and model[0].training and not model[-1].training
    assert list(a.layers) == ["0", "3"] and a.layers["3"].measured_at == "5 (ReLU)"  # past the dropout
    assert torch.equal(a.layers["3"].mean_abs, b.layers["3"].mean_abs)  # no dropout noise
    assert torch.is_grad_enabled()


def test_leaky_and_smooth_activations_never_positive_not_never_active(X):
    for act in (nn.LeakyReLU, nn.GELU, nn.SiLU, nn.ELU):
        report = dr_torch.scan(mlp(act), loader_of(X))
        assert torch.nonzero(report.never_positive["0"]).flatten().tolist() == [2, 5], act
        if act is nn.LeakyReLU or act is nn.ELU:
            assert not report.never_active["0"].any()  # a leaky unit's output is not 0
        assert report.layers["0"].measured_at == f"1 ({act.__name__})"


def test_functional_activation_needs_to_be_named(X):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.fc2, self.out = nn.Linear(6, 16), nn.Linear(16, 12), nn.Linear(12, 3)

        def forward(self, x):
            return self.out(F.relu(self.fc2(F.relu(self.fc1(x)))))

    torch.manual_seed(0)
    net = Net()
    with torch.no_grad():
        net.fc1.bias[[0, 9]] = -100.0
    with pytest.raises(ValueError, match=r"No activation found for layer\(s\) \['fc1', 'fc2'\].*activation="):
        dr_torch.scan(net, loader_of(X))
    report = dr_torch.scan(net, loader_of(X), activation=F.relu)
    assert list(report.layers) == ["fc1", "fc2"] and report.output == "out"
    assert torch.nonzero(report.never_active["fc1"]).flatten().tolist() == [0, 9]
    by_name = dr_torch.scan(net, loader_of(X), activation={"fc1": "relu", "fc2": nn.ReLU(inplace=True)})
    assert torch.equal(by_name.never_active["fc2"], report.never_active["fc2"])
    with pytest.raises(ValueError, match="give a callable"):
        dr_torch.scan(net, loader_of(X), activation="relu7")


def test_a_shared_activation_module_is_refused(X):
    act = nn.ReLU()
    lin = nn.Linear(6, 6)
    model = nn.Sequential(nn.Linear(6, 6), act, lin, act, nn.Linear(6, 2))
    with pytest.raises(ValueError, match="follows more than one layer"):
        dr_torch.scan(model, [X])
    assert list(dr_torch.scan(model, [X], activation="relu").layers) == ["0", "2"]


def test_batchnorm_between_layer_and_activation(X):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(inplace=True), nn.Linear(8, 2))
    with torch.no_grad():
        model[1].bias[3] = -100.0  # dead after the batch norm, although the Linear's output is not
    report = dr_torch.scan(model, loader_of(X))
    assert torch.nonzero(report.never_active["0"]).flatten().tolist() == [3]
    assert report.layers["0"].measured_at == "2 (ReLU)"


def test_bad_inputs_say_what_to_do(X):
    model = mlp()
    with pytest.raises(ValueError, match="no batches"):
        dr_torch.scan(model, [])
    bad = X.clone()
    bad[7, 2] = float("nan")
    with pytest.raises(ValueError, match="Batch 1 contains NaN"):
        dr_torch.scan(model, [X, bad])
    with pytest.raises(TypeError, match="input_fn"):
        dr_torch.scan(model, [{"x": X}])
    assert dr_torch.scan(model, [{"x": X}], input_fn=lambda b: b["x"]).n_examples == 500
    with pytest.raises(ValueError, match="Not Linear/Conv layers"):
        dr_torch.scan(model, [X], layers=["1"])
    assert list(dr_torch.scan(model, [X], layers=["2"]).layers) == ["2"]


# ---------------------------------------------------------------------------------------------
# reinit_dead
# ---------------------------------------------------------------------------------------------


def test_reinit_dead_keeps_the_output_revives_and_resets_adam(X):
    model = mlp()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    y = torch.randint(0, 3, (500,), generator=torch.Generator().manual_seed(1))
    for _ in range(3):
        opt.zero_grad()
        F.cross_entropy(model(X), y).backward()
        opt.step()
    report = dr_torch.scan(model, loader_of(X))
    dead = report.never_active
    assert torch.nonzero(dead["0"]).flatten().tolist() == [2, 5]
    with torch.no_grad():
        before = model(X)
    counts = dr_torch.reinit_dead(model, dead, optimizer=opt, generator=torch.Generator().manual_seed(0))
    assert counts == {"0": 2, "2": 1}
    with torch.no_grad():
        assert torch.equal(model(X), before)  # the same function at the moment of the reset
    assert torch.all(model[0].bias[[2, 5]] == 0) and torch.all(model[2].weight[:, [2, 5]] == 0)
    assert torch.all(model[4].weight[:, 1] == 0)
    w = model[0].weight[[2, 5]]
    assert w.abs().max() > 0
    st = opt.state[model[0].weight]
    assert torch.all(st["exp_avg"][[2, 5]] == 0) and torch.all(st["exp_avg_sq"][[2, 5]] == 0)
    assert st["exp_avg"][[0, 1]].abs().sum() > 0
    assert torch.all(opt.state[model[2].weight]["exp_avg"][:, [2, 5]] == 0)
    assert torch.all(opt.state[model[0].bias]["exp_avg_sq"][[2, 5]] == 0)
    after = dr_torch.scan(model, loader_of(X))
    assert not after.never_active["0"].any() and not after.never_active["2"].any()
    # one more step: the zeroed outgoing weights learn again
    opt.zero_grad()
    F.cross_entropy(model(X), y).backward()
    opt.step()
    assert model[2].weight[:, [2, 5]].abs().sum() > 0


def test_reinit_dead_kaiming_scale_and_sgd_momentum():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(400, 300), nn.ReLU(), nn.Linear(300, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.randn(8, 400)).sum().backward()
    opt.step()
    mask = torch.zeros(300, dtype=torch.bool)
    mask[:200] = True
    dr_torch.reinit_dead(model, {"0": mask}, optimizer=opt)
    assert float(model[0].weight[mask].detach().var()) == pytest.approx(2 / 400, rel=0.05)  # He
    assert torch.all(opt.state[model[0].weight]["momentum_buffer"][mask] == 0)
    dr_torch.reinit_dead(model, {"0": mask}, init="torch_default")
    assert float(model[0].weight[mask].detach().var()) == pytest.approx(1 / (3 * 400), rel=0.05)
    with pytest.raises(ValueError, match="init must be"):
        dr_torch.reinit_dead(model, {"0": mask}, init="he")
    with pytest.raises(ValueError, match="shape"):
        dr_torch.reinit_dead(model, {"0": mask[:10]})
    with pytest.raises(ValueError, match="last Linear/Conv layer"):
        dr_torch.reinit_dead(model, {"2": torch.ones(2, dtype=torch.bool)})


def test_reinit_dead_conv_then_flatten_then_linear():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Conv2d(4, 3, 3), nn.ReLU(),
                          nn.Flatten(), nn.Linear(3 * 4 * 4, 2))
    with torch.no_grad():
        model[1].bias[2] = -100.0  # channel 2 dead behind its batch norm
        model[3].bias[0] = -100.0  # channel 0 of the second conv dead
    X = torch.randn(32, 1, 8, 8)
    loader = DataLoader(X, batch_size=10)
    report = dr_torch.scan(model, loader)
    dead = report.never_active
    assert dead["0"].tolist() == [False, False, True, False] and dead["3"].tolist() == [True, False, False]
    model.eval()
    with torch.no_grad():
        before = model(X)
    dr_torch.reinit_dead(model, dead)
    with torch.no_grad():
        torch.testing.assert_close(model(X), before, rtol=0, atol=1e-6)
    assert model[1].bias[2] == 0 and model[1].weight[2] == 1  # its batch norm reset too
    assert torch.all(model[6].weight.view(2, 3, 16)[:, 0, :] == 0)  # the channel's 16 inputs
    assert torch.all(model[3].weight[:, 2] == 0)
    after = dr_torch.scan(model, loader)
    assert not after.never_active["0"].any() and not after.never_active["3"].any()


# ---------------------------------------------------------------------------------------------
# PyTorch's default initialisation, reproduced in numpy (dying_relu.init.torch_default)
# ---------------------------------------------------------------------------------------------


def test_torch_default_init_moments_match_pytorch():
    fan_in, fan_out = 256, 512
    torch.manual_seed(0)
    layer = nn.Linear(fan_in, fan_out)
    tw = layer.weight.detach().double().numpy().T
    tb = layer.bias.detach().double().numpy()
    rng = np.random.default_rng(0)
    nw = init.torch_default(fan_in, fan_out, rng)
    nb = init.torch_default_bias(fan_in)(fan_out, rng)
    bound = 1 / math.sqrt(fan_in)
    for w in (tw, nw):
        assert w.shape == (fan_in, fan_out)
        assert np.abs(w).max() <= bound
        assert np.var(w) == pytest.approx(1 / (3 * fan_in), rel=0.02)  # a sixth of He's 2 / fan_in
        assert np.mean(w**4) == pytest.approx(bound**4 / 5, rel=0.05)  # uniform, not Gaussian
    assert np.var(nw) == pytest.approx(np.var(tw), rel=0.03)
    for b in (tb, nb):
        assert np.abs(b).max() <= bound and np.var(b) == pytest.approx(1 / (3 * fan_in), rel=0.15)


# ---------------------------------------------------------------------------------------------
# The numpy activations of Chapter 5 agree with PyTorch's (float64), values and derivatives
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name,params,fn", [
    ("gelu", {}, lambda t: F.gelu(t)),
    ("gelu", {"approximate": "tanh"}, lambda t: F.gelu(t, approximate="tanh")),
    ("silu", {}, F.silu),
    ("mish", {}, F.mish),
    ("selu", {}, F.selu),
    ("softplus", {}, F.softplus),
])
def test_numpy_activations_match_pytorch(name, params, fn):
    from dying_relu import activations as A

    x = np.concatenate([np.linspace(-12, 12, 4001), [-1e4, -30.0, 30.0, 1e4]])
    x = x[x != 0]  # SELU's kink
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = fn(t)
    (g,) = torch.autograd.grad(y.sum(), t)
    act = A.get(name, **params)
    np.testing.assert_allclose(act(x), y.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(act.grad(x), g.numpy(), rtol=1e-10, atol=1e-14)
