"""The dead-neuron lab (issue 14; lib/dying_relu/lab.py): its step logic, its recreate line, its
threads and its frozen frame. The real-JupyterLab test is tests/lab/test_dead_neuron_lab.py."""

from __future__ import annotations

import base64
import threading
import time

import numpy as np
import pytest

from dying_relu import diagnostics, lab, train
from dying_relu.lab import DeadNeuronLab, LabConfig, LabRun

SMALL = {"data": "moons", "depth": 2, "width": 6, "bias": 0.0, "lr": 0.3, "n": 64}


# -- the setting and its line -----------------------------------------------------------------


def test_recreate_line_round_trips():
    cfg = LabConfig(data="spirals", depth=4, width=8, activation="relu", init="he", bias=-0.5,
                    optimizer="sgd", lr=1.5, seed=0)
    assert cfg.line() == ('DeadNeuronLab(data="spirals", depth=4, width=8, activation="relu", '
                          'init="he", bias=-0.5, optimizer="sgd", lr=1.5, seed=0)')
    for c in (cfg, LabConfig(data="xor", depth=1, width=3, activation="gelu", init="rai", bias=0.25,
                             optimizer="adam", lr=0.003, seed=7, n=100, batch_size=10)):
        again = eval(c.line(), {"DeadNeuronLab": lambda **kw: LabConfig(**kw)})  # noqa: S307
        assert again == c
    assert "n=100, batch_size=10" in LabConfig(n=100, batch_size=10).line()
    assert " n=" not in LabConfig().line()  # defaults beyond the nine are left out
    assert LabConfig(lr=0.123456789).line().endswith("lr=0.123456789, seed=0)")  # exact


def test_the_line_recreates_the_run():
    """Same arguments, same network, data and mini-batch order: the same numbers."""
    kw = {**SMALL, "seed": 3}
    a, b = LabRun(**kw), LabRun(LabConfig(**kw))
    for run in (a, b):
        run.advance(2)
    assert a.loss == b.loss and a.step_loss == b.step_loss
    for p, q in zip(a.net.params(), b.net.params(), strict=True):
        np.testing.assert_array_equal(p, q)
    c = LabRun(**{**kw, "seed": 4})
    c.advance(2)
    assert c.loss != a.loss


def test_chunks_chain_exactly_like_one_fit():
    run = LabRun(**SMALL)
    for _ in range(3):
        run.advance(1)
    net, opt, X, y = lab.build(run.config)
    hist = train.fit(net, X, y, optimizer=opt, epochs=3, batch_size=run.config.batch_size,
                     seed=run.config.seed, blowup=None)
    assert run.step == len(hist.steps["loss"]) == 3 * 2  # 64 examples, batches of 32
    np.testing.assert_array_equal(run.step_loss, hist.steps["loss"])
    for p, q in zip(run.net.params(), net.params(), strict=True):
        np.testing.assert_array_equal(p, q)
    assert run.loss[-1] == pytest.approx(hist.loss[-1], rel=1e-12)


@pytest.mark.parametrize("activation", lab.ACTIVATIONS)
def test_every_activation_trains(activation):
    run = LabRun(**{**SMALL, "activation": activation})
    run.advance(1)
    assert run.step == 2 and np.isfinite(run.loss[-1]) and run.status == "ready"


@pytest.mark.parametrize("init", lab.INITS)
@pytest.mark.parametrize("optimizer", lab.OPTIMIZERS)
def test_every_init_and_optimizer(init, optimizer):
    run = LabRun(**{**SMALL, "init": init, "optimizer": optimizer, "lr": 0.01, "bias": -0.3})
    run.advance(1)
    assert np.isfinite(run.loss[-1])


def test_bias_shift_moves_the_hidden_biases_only():
    for init in ("he", "rai", "torch_default"):
        base = lab.build(LabConfig(init=init, bias=0.0))[0]
        shifted = lab.build(LabConfig(init=init, bias=-0.5))[0]
        for i, (p, q) in enumerate(zip(base.layers, shifted.layers, strict=True)):
            np.testing.assert_allclose(q.b - p.b, -0.5 if i < len(base.layers) - 1 else 0.0)
            np.testing.assert_array_equal(p.W, q.W)


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"data": "mnist"}, "Unknown data set 'mnist'. Choose one of: spirals, moons"),
    ({"depth": 0}, "depth must be a whole number from 1 to 8"),
    ({"depth": 2.5}, "depth must be a whole number"),
    ({"width": 1000}, "width must be a whole number from 1 to 64"),
    ({"activation": "rectifier"}, "Unknown activation 'rectifier'. Choose one of:"),
    ({"init": "kaiming"}, "Unknown initialisation 'kaiming'. Choose one of: he,"),
    ({"bias": float("nan")}, "bias must be a number from -5 to 5"),
    ({"optimizer": "rmsprop"}, "Unknown optimiser 'rmsprop'. Choose one of: sgd"),
    ({"lr": 0}, "lr must be a number > 0 and at most 100"),
    ({"lr": "0.1"}, "lr must be a number > 0"),
    ({"seed": -1}, "seed must be a whole number >= 0"),
    ({"seed": True}, "seed must be a whole number >= 0"),
    ({"n": 64, "batch_size": 65}, "batch_size must be a whole number from 1 to 64"),
])
def test_bad_arguments_say_what_to_pass(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment.replace("(", r"\(")):
        LabConfig(**kwargs)
    with pytest.raises(ValueError, match=fragment.replace("(", r"\(")):
        DeadNeuronLab(live=False, **kwargs)


def test_unknown_argument_is_named():
    with pytest.raises(TypeError, match=r"unknown argument\(s\) \['layers'\]"):
        DeadNeuronLab(layers=3, live=False)
    with pytest.raises(ValueError, match="epochs_per_frame must be a whole number from 1 to 100"):
        DeadNeuronLab(live=False, epochs_per_frame=0)


# -- kill, reinitialise, stop, diverge ----------------------------------------------------------


def test_kill_makes_a_unit_dead_and_reinit_revives_it():
    run = LabRun(**SMALL)
    assert not run.dead_masks()[1][2]
    assert run.kill(1, 2) == "killed layer 2, unit 3."
    masks = run.dead_masks()
    assert masks[1][2] and masks[1].sum() == 1
    assert run.dead[-1][1] == pytest.approx(1 / 6)  # the record shows it at once
    assert run.kill(1, 2) == "layer 2, unit 3 is dead already."
    run.advance(1)  # a dead ReLU unit stays dead: no gradient reaches it
    assert run.dead_masks()[1][2]
    W_out = run.net.layers[2].W[2].copy()
    counts = run.reinit_dead()
    assert counts == [int(m.sum()) for m in masks] == [0, 1]
    assert not run.dead_masks()[1][2] and run.revived == 1
    np.testing.assert_array_equal(run.net.layers[2].W[2], 0)  # ReDo: outgoing weights zeroed
    assert np.any(W_out != 0)
    assert [t for _, t in run.events] == ["killed layer 2, unit 3",
                                          "reinitialised 1 dead unit(s), 1 active again"]
    assert run.reinit_dead() == [0, 0]


@pytest.mark.parametrize(("layer", "unit", "fragment"), [
    (2, 0, "layer must be a hidden layer from 0 to 1"),
    (0, 6, "unit must be from 0 to 5"),
    (-1, 0, "layer must be"),
    (0, 1.0, "unit must be"),
])
def test_kill_refuses_a_unit_that_is_not_there(layer, unit, fragment):
    with pytest.raises(ValueError, match=fragment):
        LabRun(**SMALL).kill(layer, unit)


def test_should_stop_ends_the_chunk_after_the_step():
    run = LabRun(**{**SMALL, "n": 256})  # 8 steps an epoch
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) >= 3

    assert run.advance(5, should_stop=stop) == 3
    assert run.step == 3 and len(run.step_loss) == 3 and run.record_steps[-1] == 3


def test_divergence_ends_the_run_with_a_message():
    run = LabRun(**{**SMALL, "optimizer": "sgd", "lr": 100, "init": "he", "bias": 0.0, "depth": 4,
                    "width": 32})
    for _ in range(30):
        if run.finished:
            break
        run.advance(1)
    assert run.status in ("diverged", "blew up")
    assert "Lower the learning rate (try lr=10)" in run.message
    assert all(np.all(np.isfinite(p)) for p in run.net.params())  # the last finite state
    steps = run.step
    assert run.advance(1) == 0 and run.step == steps  # nothing more until Reset
    snap = run.snapshot()
    assert run.message in lab.describe(snap)
    lab.draw_lab(snap)  # draws, whatever the numbers


def test_advance_refuses_bad_epochs():
    with pytest.raises(ValueError, match="epochs must be a whole number >= 1"):
        LabRun(**SMALL).advance(0)


# -- the figure and the frozen frame --------------------------------------------------------------


def test_snapshot_and_figure():
    run = LabRun(**SMALL)
    run.advance(2)
    run.kill(0, 0)
    snap = run.snapshot()
    # records: initialisation, 2 epochs (the kill replaces the last)
    assert snap["W"].shape == (2, 6) and snap["dead"].shape == (3, 2)
    assert snap["line"] == run.config.line()
    fig = lab.draw_lab(snap)
    assert len(fig.axes) == 3
    assert "layer 1: 1/6 dead" in fig.axes[2].get_title()
    png = lab.figure_png(fig)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    text = lab.summary(snap)
    assert text.startswith("step 4, epoch 2: loss ") and text.endswith("1/6, 0/6")


def test_frozen_frame_when_not_live(monkeypatch):
    monkeypatch.setenv("DYING_RELU_LIVE", "0")
    started = threading.active_count()
    obj = DeadNeuronLab(**SMALL)
    assert not obj.live and obj.widget is None and obj.run is None
    data, meta = obj._repr_mimebundle_()
    assert set(data) == {"image/png", "text/plain"}  # no widget view in the book
    assert data["text/plain"] == obj.line()
    assert base64.b64decode(data["image/png"])[:4] == b"\x89PNG"
    alt, caption = meta["image/png"]["alt"], meta["image/png"]["caption"]
    assert f"after {lab.FROZEN_EPOCHS * 2} steps ({lab.FROZEN_EPOCHS} epochs) on moons" in alt
    assert "Train and Stop buttons" in caption and obj.line() in caption
    assert threading.active_count() == started  # no thread started
    with pytest.raises(RuntimeError, match="needs the live lab"):
        obj.train()


# -- the live lab (widgets without a browser) ---------------------------------------------------------


@pytest.fixture
def live_lab():
    obj = DeadNeuronLab(live=True, **{**SMALL, "n": 256})
    yield obj
    obj.stop()


def test_live_lab_trains_and_stops(live_lab):
    obj = live_lab
    assert obj.frames == 1 and "step 0, epoch 0" in obj._status_w.value
    assert obj.line() in html_unescape(obj._line_w.value)
    assert 'alt="Dead-neuron lab after 0 steps' in obj._frame.value
    assert obj.train() and obj.running
    assert not obj.train()  # one worker at a time
    assert obj._stop_b.disabled is False and obj._train_b.disabled and obj._controls["lr"].disabled
    deadline = time.monotonic() + 20
    while obj.frames < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    obj.stop()
    assert not obj.running and obj.frames >= 3
    frames, step = obj.frames, obj.run.step
    assert "(stopped)" in obj._status_w.value and f"step {step}," in obj._status_w.value
    time.sleep(0.3)
    assert obj.frames == frames and obj.run.step == step  # nothing after Stop
    assert obj._stop_b.disabled and not obj._train_b.disabled


def html_unescape(s: str) -> str:
    import html

    return html.unescape(s)


def test_kill_and_reinit_while_training_hold_the_lock(live_lab):
    """Kill and reinitialise while the worker trains: they wait for the lock (between chunks) and
    the run stays consistent: every kill shows in the records, nothing crashes."""
    obj = live_lab
    obj.epochs_per_frame = 1
    assert obj.train()
    texts = []
    for unit in range(3):
        texts.append(obj.kill(0, unit))
        obj.reinit_dead()
    obj.stop()
    assert not obj.running
    assert all(t.startswith(("killed layer 1", "layer 1")) for t in texts)
    assert len(obj.run.step_loss) == obj.run.step
    assert len(obj.run.record_steps) == len(obj.run.loss) == len(obj.run.dead)
    assert "error" not in obj._status_w.value


def test_settings_reset_the_run_and_the_line(live_lab):
    obj = live_lab
    obj._controls["width"].value = 5
    assert obj.config.width == 5 and obj.run.net.sizes == [2, 5, 5, 2]
    assert "width=5" in html_unescape(obj._line_w.value)
    assert obj._unit.max == 5
    obj._controls["activation"].value = "gelu"
    assert obj.run.config.activation == "gelu"
    obj.reset(lr=0.05)
    assert obj._controls["lr"].value == 0.05 and "lr=0.05" in obj.line()
    obj._speed.value = 3
    assert obj.epochs_per_frame == 3 and "epochs_per_frame" not in obj.line()  # same results
    obj._kill_b.click()
    assert "killed layer 1, unit 1" in obj._status_w.value
    obj._layer.value = 2
    obj._unit.value = 5
    obj._kill_b.click()
    assert obj.run.dead_masks()[1][4]


def test_a_diverged_lab_says_so_and_does_not_restart(monkeypatch):
    obj = DeadNeuronLab(live=True, **{**SMALL, "lr": 100, "depth": 4, "width": 32})
    obj.epochs_per_frame = 5
    assert obj.train()
    obj._thread.join(30)
    assert obj.run.finished and "Lower the learning rate" in obj._status_w.value
    assert not obj.train() and "press Reset" in obj._status_w.value
    obj.reset()
    assert not obj.run.finished


def test_worker_errors_show_in_the_panel(live_lab, monkeypatch):
    def broken(*a, **k):
        raise RuntimeError("boom")

    monkeypatch.setattr(live_lab.run, "advance", broken)
    live_lab.train()
    live_lab._thread.join(10)
    assert "error: RuntimeError: boom" in live_lab._status_w.value
    assert not live_lab._train_b.disabled


def test_dead_mask_used_is_the_diagnostics_one():
    run = LabRun(**SMALL)
    for a, b in zip(run.dead_masks(), diagnostics.dead_mask(run.net, run.X), strict=True):
        np.testing.assert_array_equal(a, b)


def test_blitted_frames_match_full_redraws():
    """The live panel draws only what changes over a cached background: the picture is the same
    as a full redraw (up to anti-aliasing at a few edges), and the background is redrawn only
    when an axis limit changes."""
    import io

    from PIL import Image

    run = LabRun(**{**SMALL, "n": 256})
    blit = lab.LabFigure(2, blit=True)
    for epochs in (3, 1):  # the second frame reuses the first one's background (8..32 steps)
        run.advance(epochs)
        if epochs == 1:
            run.kill(0, 1)
        snap = run.snapshot()
        full = lab.LabFigure(2)
        full.update(snap)
        blit.update(snap)
        a, b = (np.asarray(Image.open(io.BytesIO(f.png())).convert("RGB"), float) for f in (full, blit))
        assert blit.kept.full_redraws == 1  # the second frame was blitted over the first's picture
        assert a.shape == b.shape
        assert (np.abs(a - b).max(axis=2) > 60).mean() < 0.002


def test_step_axis_pages():
    assert [lab._page(s) for s in (0, 8, 9, 16, 17, 1000)] == [8, 8, 16, 16, 32, 1024]


def test_a_click_does_not_wait_for_a_long_chunk(live_lab):
    """With 100 epochs per update a chunk lasts long; a kill still happens after the current step."""
    obj = live_lab
    obj.reset(n=2000)  # 63 steps an epoch: 100 epochs take seconds
    obj.epochs_per_frame = 100
    assert obj.train()
    time.sleep(0.3)
    start = time.monotonic()
    obj.kill(0, 0)
    waited = time.monotonic() - start
    obj.stop()
    assert obj.run.epoch < 100 and any("killed layer 1, unit 1" in t for _, t in obj.run.events)
    assert waited < 5, waited


def test_train_in_one_lab_stops_the_others():
    a = DeadNeuronLab(live=True, **SMALL)
    b = DeadNeuronLab(live=True, **SMALL)
    try:
        assert a.train() and a.running
        assert b.train()
        assert not a.running and b.running
    finally:
        a.stop()
        b.stop()


def test_max_epochs_pause(live_lab, monkeypatch):
    monkeypatch.setattr(lab, "MAX_EPOCHS", 2)
    obj = live_lab
    obj.train()
    obj._thread.join(30)
    assert obj.run.epoch == 2 and "paused after 2 more epochs" in obj._status_w.value
    obj.train()
    obj._thread.join(30)
    assert obj.run.epoch == 4


@pytest.mark.parametrize("activation", lab.ACTIVATIONS)
def test_kill_and_reinit_work_for_every_activation(activation):
    run = LabRun(**{**SMALL, "activation": activation})
    run.kill(0, 0)
    assert run.dead_masks()[0][0]
    counts = run.reinit_dead()
    assert counts[0] >= 1
    run.advance(1)
    assert np.isfinite(run.loss[-1])
