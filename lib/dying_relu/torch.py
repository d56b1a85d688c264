"""Dead units in your own PyTorch model (Chapter 5). Optional: ``pip install -e .[torch]``.

The recipe (Chapter 5 shows it; ``tests/test_torch_adapter.py`` runs exactly this code)::

    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    from dying_relu import data
    from dying_relu import torch as dr_torch

    digits = data.digits()
    train = TensorDataset(torch.tensor(digits.X_train, dtype=torch.float32),
                          torch.tensor(digits.y_train))
    loader = DataLoader(train, batch_size=256)

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(),
                          nn.Linear(128, 128), nn.ReLU(),
                          nn.Linear(128, 10))
    with torch.no_grad():
        model[0].bias[:16] = -100.0  # kill 16 units, so that there is something to find

    report = dr_torch.scan(model, loader)  # the whole loader, in eval() mode, without gradients
    print(report.summary())
    dead = report.never_active  # {"0": tensor([True, ..., False]), "2": tensor([...])}

    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    dr_torch.reinit_dead(model, dead, optimizer=optimizer)  # ReDo: new incoming, zero outgoing
    print(dr_torch.scan(model, loader).summary())

What is measured, and where
---------------------------
A *unit* is one output feature of an ``nn.Linear`` or one output channel of an ``nn.Conv1d/2d/3d``
("per channel": a channel is active on an example if it is positive at any position). The
statistics are counted over **every batch** of the loader (or any iterable of batches: a tensor,
or a tuple/list whose first element is the input, as ``(x, y)`` from a ``TensorDataset``), with the
model in ``eval()`` mode (dropout off, batch norm on its running statistics) and under
``torch.no_grad()``; every module's own ``training`` flag is restored afterwards. One mini-batch is
not enough: a unit silent on 256 examples may fire on the 257th.

For each such layer the scan needs ``z``, the value that enters the activation, and ``h``, the
activation's output. It finds them in one of two ways:

1. **Activation modules.** If the layer sits in an ``nn.Sequential`` and one of the modules after
   it is an activation module (``nn.ReLU``, ``nn.LeakyReLU``, ``nn.GELU``, ``nn.SiLU``, ...;
   dropout and normalisation modules in between are skipped over), hooks on *that* module record
   its input (``z``, a forward pre-hook, so ``inplace=True`` is fine) and its output (``h``).
   ``Linear -> BatchNorm1d -> ReLU`` is therefore measured where it matters, after the batch norm.
2. **Functional activations.** ``F.relu(self.fc1(x))`` has no activation module to hook. Pass
   ``activation=`` (a callable such as ``torch.nn.functional.relu`` or ``nn.LeakyReLU(0.1)``, or a
   name: ``"relu"``, ``"gelu"``, ...; or a dict from layer name to either): a forward hook on the
   layer's *output* takes it as ``z`` and computes ``h = activation(z)``. This assumes the
   activation is applied directly to the layer's output, which is what ``F.relu(self.fc(x))``
   does. An explicit ``activation=`` is used even where an activation module exists.

A layer for which neither applies raises a ``ValueError`` naming it (after the first batch). The
network's output layer (the last of these layers to run in a forward pass) has no activation and
is left out, unless ``include_output=True``.

Per unit the scan counts, over all examples: on how many ``z > 0`` somewhere (``positive``), on how
many ``h != 0`` somewhere (``nonzero``), and the mean of ``|h|`` (over examples and positions).
From these, masks keyed by module name (as in ``model.named_modules()``), boolean tensors of
shape ``(units,)``, the same semantics as :func:`dying_relu.diagnostics.dead_mask` and its
Chapter 5 companions:

- ``never_active``: ``h == 0`` everywhere (a dead ReLU; never true of leaky or smooth units);
- ``never_positive``: ``z <= 0`` everywhere, meaningful for leaky and smooth activations too
  (``diagnostics.never_positive_mask``; for ReLU the same as ``never_active``);
- ``dormant(tau)``: Sokar et al.'s (ICML 2023) tau-dormant units, score = the unit's mean ``|h|``
  over the layer's mean of those means, ``<= tau`` (``diagnostics.dormant_mask``).

:func:`reinit_dead` then recycles flagged units ReDo-style (see its docstring).

PyTorch's defaults (measured in Chapter 5): ``nn.Linear`` initialises its weights with
``kaiming_uniform_(a=sqrt(5))``, ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``, a variance of
``1 / (3 fan_in)``, a sixth of He's ``2 / fan_in``, and its biases from the same uniform
(``dying_relu.init.torch_default`` reproduces both in numpy). ``nn.LeakyReLU``'s slope defaults
to 0.01 (Keras's ``LeakyReLU`` to 0.3).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

try:
    import torch
    from torch import nn
    from torch.nn import functional as F  # noqa: N812 - the usual PyTorch spelling
except ImportError as exc:  # pragma: no cover - exercised only without torch
    raise ImportError(
        "dying_relu.torch needs PyTorch, an optional extra of this course. Install the CPU build "
        "with:  .venv/bin/python -m pip install torch==2.13.0   (or: pip install -e '.[torch]')."
    ) from exc

__all__ = ["ACTIVATION_MODULES", "LayerScan", "Scan", "reinit_dead", "scan"]

_LAYERS = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)
ACTIVATION_MODULES: tuple[type, ...] = (
    nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.RReLU, nn.ELU, nn.CELU, nn.SELU, nn.GELU,
    nn.SiLU, nn.Mish, nn.Softplus, nn.Tanh, nn.Sigmoid, nn.Hardtanh, nn.Hardswish, nn.Hardsigmoid,
    nn.Softsign, nn.Tanhshrink,
)
# modules that may sit between a layer and its activation without changing which unit is which
_PASS_THROUGH: tuple[type, ...] = (
    nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, nn.Identity,
    nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.LayerNorm, nn.GroupNorm,
    nn.InstanceNorm1d, nn.InstanceNorm2d, nn.InstanceNorm3d,
)
_NAMED_FUNCTIONS: dict[str, Callable] = {
    "relu": F.relu, "leaky_relu": F.leaky_relu, "elu": F.elu, "selu": F.selu, "gelu": F.gelu,
    "silu": F.silu, "swish": F.silu, "mish": F.mish, "softplus": F.softplus, "tanh": torch.tanh,
    "sigmoid": torch.sigmoid, "identity": lambda z: z,
}


def _resolve_function(spec) -> Callable:
    if callable(spec):
        return spec
    if isinstance(spec, str) and spec in _NAMED_FUNCTIONS:
        return _NAMED_FUNCTIONS[spec]
    raise ValueError(
        f"activation={spec!r}: give a callable (e.g. torch.nn.functional.relu, nn.LeakyReLU(0.1)) "
        f"or one of {', '.join(sorted(_NAMED_FUNCTIONS))}."
    )


# ---------------------------------------------------------------------------------------------
# The scan
# ---------------------------------------------------------------------------------------------


@dataclass
class LayerScan:
    """One layer's counts over the whole data (tensors of shape ``(units,)``, on the CPU).

    Attributes:
        name: the module's name in ``model.named_modules()``.  kind: ``"linear"`` or ``"conv"``.
        units: output features or channels.  n_examples: examples seen.
        positive: on how many examples ``z > 0`` at some position (int64).
        nonzero: on how many examples ``h != 0`` at some position (int64).
        mean_abs: mean of ``|h|`` over examples and positions (float64).
        measured_at: where ``z`` and ``h`` came from, e.g. ``"1 (ReLU)"`` or ``"output, relu"``.
    """

    name: str
    kind: str
    units: int
    n_examples: int
    positive: torch.Tensor
    nonzero: torch.Tensor
    mean_abs: torch.Tensor
    measured_at: str

    @property
    def never_active(self) -> torch.Tensor:
        return self.nonzero == 0

    @property
    def never_positive(self) -> torch.Tensor:
        return self.positive == 0

    def dormant_scores(self) -> torch.Tensor:
        """``mean_abs`` over its layer mean (zeros if the whole layer outputs 0)."""
        layer_mean = float(self.mean_abs.mean())
        if layer_mean == 0:
            return torch.zeros_like(self.mean_abs)
        return self.mean_abs / layer_mean

    def dormant(self, tau: float) -> torch.Tensor:
        return self.dormant_scores() <= tau


@dataclass
class Scan:
    """What :func:`scan` measured: one :class:`LayerScan` per layer, keyed by module name.

    Attributes:
        layers: module name -> :class:`LayerScan`, in the order the layers ran.
        order: names of every Linear/Conv layer in the order they ran (the output layer last).
        output: the name of the output layer left out (None if ``include_output`` or ``layers``).
        n_examples: examples seen (the whole loader).
    """

    layers: dict[str, LayerScan]
    order: list[str]
    output: str | None
    n_examples: int

    @property
    def never_active(self) -> dict[str, torch.Tensor]:
        """Module name -> bool ``(units,)``: output exactly 0 on every example (dead ReLUs)."""
        return {k: v.never_active for k, v in self.layers.items()}

    @property
    def never_positive(self) -> dict[str, torch.Tensor]:
        """Module name -> bool ``(units,)``: ``z <= 0`` on every example (any activation)."""
        return {k: v.never_positive for k, v in self.layers.items()}

    def dormant(self, tau: float = 0.1) -> dict[str, torch.Tensor]:
        """Module name -> bool ``(units,)``: tau-dormant units (Sokar et al. 2023)."""
        tau = float(tau)
        if not math.isfinite(tau) or tau < 0:
            raise ValueError(f"tau must be a finite number >= 0, got {tau}.")
        return {k: v.dormant(tau) for k, v in self.layers.items()}

    def dormant_scores(self) -> dict[str, torch.Tensor]:
        return {k: v.dormant_scores() for k, v in self.layers.items()}

    def summary(self, tau: float = 0.1) -> str:
        """A plain-text table: per layer, units and how many are never active, tau-dormant and
        never positive."""
        rows = [f"{self.n_examples} examples; tau = {tau:g}",
                f"{'layer':<12}{'kind':<8}{'units':>6}{'never active':>14}{'dormant':>9}"
                f"{'never positive':>16}  measured at"]
        dormant = self.dormant(tau)
        for name, s in self.layers.items():
            rows.append(f"{name:<12}{s.kind:<8}{s.units:>6}{int(s.never_active.sum()):>14}"
                        f"{int(dormant[name].sum()):>9}{int(s.never_positive.sum()):>16}  {s.measured_at}")
        return "\n".join(rows)


def _input_of(batch):
    if torch.is_tensor(batch):
        return batch
    if isinstance(batch, tuple | list) and batch and torch.is_tensor(batch[0]):
        return batch[0]
    raise TypeError(
        f"Cannot find the input in a batch of type {type(batch).__name__}: give batches that are "
        "tensors or (input, target) tuples, or pass input_fn=lambda batch: ... to scan()."
    )


class _Counter:
    """Accumulates one layer's counts; ``unit_dim`` 1 (conv channels) or -1 (linear features)."""

    def __init__(self, name: str, kind: str, units: int, measured_at: str) -> None:
        self.name, self.kind, self.units, self.measured_at = name, kind, units, measured_at
        self.unit_dim = 1 if kind == "conv" else -1
        self.positive = self.nonzero = self.abs_sum = None
        self.n = 0

    def _per_example(self, t: torch.Tensor) -> torch.Tensor:
        """``(n, units, positions)`` view of a batch's tensor."""
        if t.dim() < 2 or t.shape[self.unit_dim] != self.units:
            raise ValueError(f"Layer {self.name!r}: expected a batched tensor with {self.units} units "
                             f"along dim {self.unit_dim}, got shape {tuple(t.shape)}.")
        if self.unit_dim == -1:
            t = t.movedim(-1, 1)
        return t.reshape(t.shape[0], self.units, -1)

    def add_z(self, z: torch.Tensor) -> None:
        pos = (self._per_example(z) > 0).any(dim=2).sum(dim=0)
        self.positive = pos if self.positive is None else self.positive + pos

    def add_h(self, h: torch.Tensor) -> None:
        t = self._per_example(h)
        nz = (t != 0).any(dim=2).sum(dim=0)
        s = t.abs().to(torch.float64).mean(dim=2).sum(dim=0)
        self.nonzero = nz if self.nonzero is None else self.nonzero + nz
        self.abs_sum = s if self.abs_sum is None else self.abs_sum + s
        self.n += t.shape[0]

    def result(self) -> LayerScan:
        if self.positive is None or self.nonzero is None or self.n == 0:
            raise RuntimeError(f"Layer {self.name!r} never ran during the scan: is it used in forward()?")
        return LayerScan(self.name, self.kind, self.units, self.n, self.positive.cpu(),
                         self.nonzero.cpu(), (self.abs_sum / self.n).cpu(), self.measured_at)


def _following_activation(model: nn.Module, name: str) -> tuple[str, nn.Module] | None:
    """The activation module after layer ``name`` in its parent ``nn.Sequential``, if any."""
    parent_name, _, child = name.rpartition(".")
    parent = model.get_submodule(parent_name) if parent_name else model
    if not isinstance(parent, nn.Sequential):
        return None
    names = list(parent._modules)
    for sibling in names[names.index(child) + 1:]:
        mod = parent._modules[sibling]
        if isinstance(mod, ACTIVATION_MODULES):
            return (f"{parent_name}.{sibling}" if parent_name else sibling), mod
        if not isinstance(mod, _PASS_THROUGH):
            return None
    return None


def _kind(module: nn.Module) -> tuple[str, int]:
    if isinstance(module, nn.Linear):
        return "linear", module.out_features
    return "conv", module.out_channels


def scan(
    model: nn.Module,
    batches: Iterable,
    *,
    activation: Callable | str | Mapping[str, Callable | str] | None = None,
    layers: Iterable[str] | None = None,
    include_output: bool = False,
    input_fn: Callable | None = None,
    device: torch.device | str | None = None,
) -> Scan:
    """Count, over every batch, which units of ``model``'s Linear and Conv layers are dead.

    See the module docstring for what is measured and where.

    Args:
        model: any ``nn.Module``; left in the mode (``training`` flags) it was in.
        batches: a ``DataLoader`` or any iterable of batches (tensors, or ``(input, target)``).
        activation: the activation applied to each layer's output in ``forward`` when it is a
            function rather than a module: a callable or name, or a dict layer name -> either.
        layers: names of the layers to scan (default: every Linear/Conv layer but the output one).
        include_output: also scan the output layer (it needs an ``activation`` then).
        input_fn: ``batch -> input`` for batches of another structure.
        device: where to send the inputs (default: the device of the model's first parameter).

    Returns:
        a :class:`Scan`; its masks are dicts from module name to bool tensors ``(units,)``.
    """
    modules = dict(model.named_modules())
    targets = [n for n, m in modules.items() if isinstance(m, _LAYERS)]
    explicit = layers is not None
    if explicit:
        layers = list(layers)
        unknown = [n for n in layers if n not in modules or not isinstance(modules[n], _LAYERS)]
        if unknown:
            raise ValueError(f"Not Linear/Conv layers of this model: {unknown}. Its layers: {targets}.")
        targets = layers
    if not targets:
        raise ValueError("The model has no nn.Linear or nn.Conv1d/2d/3d layers to scan.")
    if device is None:
        first = next(model.parameters(), None)
        device = first.device if first is not None else None
    get_input = input_fn or _input_of

    counters: dict[str, _Counter] = {}
    handles = []
    order: list[str] = []
    unresolved: list[str] = []
    claimed: list[nn.Module] = []

    def record_order(name):
        def hook(module, inputs, output):
            if name not in order:
                order.append(name)
        return hook

    for name in targets:
        module = modules[name]
        kind, units = _kind(module)
        handles.append(module.register_forward_hook(record_order(name)))
        spec = activation.get(name) if isinstance(activation, Mapping) else activation
        if spec is not None:
            fn = _resolve_function(spec)
            label = spec if isinstance(spec, str) else getattr(spec, "__name__", type(spec).__name__)
            c = counters[name] = _Counter(name, kind, units, f"output, {label}")
            inplace = bool(getattr(fn, "inplace", False))

            def out_hook(module, inputs, output, c=c, fn=fn, inplace=inplace):
                c.add_z(output)
                c.add_h(fn(output.clone() if inplace else output))

            handles.append(module.register_forward_hook(out_hook))
            continue
        found = _following_activation(model, name)
        if found is None:
            unresolved.append(name)
            continue
        act_name, act = found
        if any(act is other for other in claimed):
            raise ValueError(
                f"The activation module {act_name!r} follows more than one layer (the same module "
                "object used twice), so its hooks cannot tell the layers apart. Pass the activation "
                "instead: scan(model, loader, activation=torch.nn.functional.relu)."
            )
        claimed.append(act)
        c = counters[name] = _Counter(name, kind, units, f"{act_name} ({type(act).__name__})")

        def pre_hook(module, inputs, c=c):
            c.add_z(inputs[0])

        def post_hook(module, inputs, output, c=c):
            c.add_h(output)

        handles.append(act.register_forward_pre_hook(pre_hook))
        handles.append(act.register_forward_hook(post_hook))

    modes = {m: m.training for m in model.modules()}
    n_examples = 0
    output = None
    try:
        model.eval()
        with torch.no_grad():
            for i, batch in enumerate(batches):
                x = get_input(batch)
                if device is not None:
                    x = x.to(device)
                if x.is_floating_point() and not bool(torch.isfinite(x).all()):
                    raise ValueError(
                        f"Batch {i} contains NaN or infinite values; a NaN pre-activation is never "
                        "> 0, so such a scan would report live units as dead. Clean or impute the "
                        "data first (e.g. torch.nan_to_num)."
                    )
                model(x)
                n_examples += x.shape[0]
                if i == 0:
                    output = None if explicit or include_output else (order[-1] if order else None)
                    missing = [n for n in unresolved if n != output]
                    if missing:
                        raise ValueError(
                            f"No activation found for layer(s) {missing}: they are not followed by an "
                            "activation module in an nn.Sequential. If forward() applies a function "
                            "such as F.relu to their output, pass it: scan(model, loader, "
                            "activation=torch.nn.functional.relu) (or a dict: layer name -> function)."
                        )
    finally:
        for h in handles:
            h.remove()
        for m, mode in modes.items():
            m.training = mode
    if n_examples == 0:
        raise ValueError("The loader gave no batches: the scan needs the whole data set, not nothing.")
    names = [n for n in order if n in counters and n != output]
    names += [n for n in counters if n not in names and n != output]  # layers that never ran
    return Scan({n: counters[n].result() for n in names}, order, output, n_examples)


# ---------------------------------------------------------------------------------------------
# ReDo-style re-initialisation
# ---------------------------------------------------------------------------------------------


def _zero_optimizer_state(optimizer, p: torch.Tensor, index) -> None:
    if optimizer is None:
        return
    state = optimizer.state.get(p)
    if not state:
        return
    for value in state.values():
        if torch.is_tensor(value) and value.shape == p.shape:
            value[index] = 0


def _consumer(model: nn.Module, name: str, outgoing: Mapping[str, str] | None) -> tuple[str, nn.Module]:
    if outgoing is not None and name in outgoing:
        return outgoing[name], model.get_submodule(outgoing[name])
    layers = [n for n, m in model.named_modules() if isinstance(m, _LAYERS)]
    i = layers.index(name)
    if i + 1 >= len(layers):
        raise ValueError(f"Layer {name!r} is the model's last Linear/Conv layer: it has no outgoing "
                         "weights to zero. Leave the output layer out of the masks.")
    return layers[i + 1], model.get_submodule(layers[i + 1])


def reinit_dead(
    model: nn.Module,
    masks: Mapping[str, torch.Tensor],
    *,
    optimizer: torch.optim.Optimizer | None = None,
    init: str = "kaiming",
    outgoing: Mapping[str, str] | None = None,
    generator: torch.Generator | None = None,
) -> dict[str, int]:
    """Recycle the flagged units of each layer, ReDo-style (Sokar et al. 2023), in place.

    For every layer ``name`` with ``masks[name]`` (bool ``(units,)``, e.g. ``scan(...).never_active``):

    - the units' *incoming* weights (rows of ``weight``, dim 0, for Linear and Conv) are redrawn:
      ``init="kaiming"`` (default) He's ``kaiming_normal_(nonlinearity="relu")``, variance
      ``2 / fan_in``; ``init="torch_default"`` PyTorch's own ``kaiming_uniform_(a=sqrt(5))``;
      their biases are set to 0;
    - a batch-norm module directly after the layer (in an ``nn.Sequential``) gets ``weight`` 1,
      ``bias`` 0 and running mean 0, variance 1 for those units;
    - their *outgoing* weights, in the layer that consumes them, are set to 0: the next Linear/Conv
      layer in ``model.named_modules()`` order (the order of an ``nn.Sequential``), or
      ``outgoing[name]``. For a Linear after a Conv (via ``flatten``) the columns of each channel
      (``in_features = channels * positions``, channel-major) are zeroed.
    - ``optimizer``'s state for all these entries (Adam's ``exp_avg``/``exp_avg_sq``, SGD's
      ``momentum_buffer``) is zeroed.

    For units whose output was 0 on every example (``never_active``) the model computes exactly
    the same function right after the reset; afterwards the new incoming weights make them active
    and the outgoing weights learn again.

    Returns:
        layer name -> number of units re-initialised.
    """
    if init not in ("kaiming", "torch_default"):
        raise ValueError(f"init must be 'kaiming' or 'torch_default', got {init!r}.")
    counts: dict[str, int] = {}
    checked = []
    for name, mask in masks.items():
        module = model.get_submodule(name)
        if not isinstance(module, _LAYERS):
            raise ValueError(f"{name!r} is a {type(module).__name__}, not a Linear/Conv layer.")
        _, units = _kind(module)
        mask = torch.as_tensor(mask, dtype=torch.bool, device=module.weight.device)
        if mask.shape != (units,):
            raise ValueError(f"Mask for {name!r} must have shape ({units},), got {tuple(mask.shape)}.")
        counts[name] = int(mask.sum())
        if mask.any():
            checked.append((name, module, units, mask, _consumer(model, name, outgoing)))
    with torch.no_grad():
        # first every layer's incoming side, then the outgoing weights, so that a reset unit's
        # outgoing weights stay zero even into a unit of the next layer that is reset too
        for name, module, _, mask, _ in checked:
            fresh = torch.empty_like(module.weight)
            if init == "kaiming":
                nn.init.kaiming_normal_(fresh, nonlinearity="relu", generator=generator)
            else:
                nn.init.kaiming_uniform_(fresh, a=math.sqrt(5), generator=generator)
            module.weight[mask] = fresh[mask]
            _zero_optimizer_state(optimizer, module.weight, mask)
            if module.bias is not None:
                module.bias[mask] = 0
                _zero_optimizer_state(optimizer, module.bias, mask)
            _reset_following_norm(model, name, mask, optimizer)
        for name, _, units, mask, (cname, consumer) in checked:
            w = consumer.weight
            if isinstance(consumer, nn.Linear) and w.shape[1] != units:
                if w.shape[1] % units:
                    raise ValueError(f"Cannot match the {units} units of {name!r} to the {w.shape[1]} inputs "
                                     f"of {cname!r}; pass outgoing={{{name!r}: ...}}.")
                view = w.view(w.shape[0], units, -1)
                view[:, mask, :] = 0
                if optimizer is not None:
                    for value in (optimizer.state.get(w) or {}).values():
                        if torch.is_tensor(value) and value.shape == w.shape:
                            value.view(w.shape[0], units, -1)[:, mask, :] = 0
                continue
            if w.shape[1] != units:
                raise ValueError(f"{cname!r} takes {w.shape[1]} inputs (weight {tuple(w.shape)}), not the "
                                 f"{units} units of {name!r} (grouped conv?); "
                                 f"pass outgoing={{{name!r}: ...}}.")
            w[:, mask] = 0
            _zero_optimizer_state(optimizer, w, (slice(None), mask))
    return counts


def _reset_following_norm(model: nn.Module, name: str, mask: torch.Tensor, optimizer) -> None:
    parent_name, _, child = name.rpartition(".")
    parent = model.get_submodule(parent_name) if parent_name else model
    if not isinstance(parent, nn.Sequential):
        return
    names = list(parent._modules)
    i = names.index(child)
    if i + 1 >= len(names):
        return
    bn = parent._modules[names[i + 1]]
    if not isinstance(bn, nn.BatchNorm1d | nn.BatchNorm2d | nn.BatchNorm3d):
        return
    if bn.affine:
        bn.weight[mask] = 1
        bn.bias[mask] = 0
        _zero_optimizer_state(optimizer, bn.weight, mask)
        _zero_optimizer_state(optimizer, bn.bias, mask)
    if bn.running_mean is not None:
        bn.running_mean[mask] = 0
        bn.running_var[mask] = 1
