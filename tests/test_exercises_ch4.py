"""Chapter 4's exercise checkers accept correct ELUs and explain the typical wrong ones."""

import numpy as np

from dying_relu.exercises.ch4 import check_elu, check_elu_grad

# --- correct answers ------------------------------------------------------------------------


def elu_ok(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def elu_ok_branchfree(x, alpha=1.0):
    return np.maximum(x, 0) + alpha * (np.exp(np.minimum(x, 0)) - 1)


def elu_grad_ok(x, alpha=1.0):
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0))).astype(x.dtype)


# --- typical wrong answers ------------------------------------------------------------------


def elu_overflows(x, alpha=1.0):
    # evaluates exp of large positive numbers on the branch it then discards
    return np.where(x > 0, x, alpha * (np.exp(x) - 1))


def elu_ignores_alpha(x, alpha=1.0):
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))


def elu_no_alpha_argument(x):
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))


def elu_forgets_minus_one(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.exp(np.minimum(x, 0)))


def elu_float64(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))).astype(np.float64)


def grad_exp_everywhere(x, alpha=1.0):
    return alpha * np.exp(np.minimum(x, 30))


def grad_wrong_side_at_zero(x, alpha=1.0):
    return np.where(x >= 0, 1.0, alpha * np.exp(np.minimum(x, 0))).astype(x.dtype)


def grad_ignores_alpha(x, alpha=1.0):
    return np.where(x > 0, 1.0, np.exp(np.minimum(x, 0))).astype(x.dtype)


def grad_relu_like(x, alpha=1.0):
    return (x > 0).astype(x.dtype)


def grad_in_place(x, alpha=1.0):
    x[:] = np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0)))
    return x


def test_correct_answers_pass_and_say_so():
    for fn in (elu_ok, elu_ok_branchfree):
        fb = check_elu(fn)
        assert fb, fb.message
        assert repr(fb).startswith("Correct!")
    fb = check_elu_grad(elu_grad_ok)
    assert fb, fb.message
    assert "alpha = 1 and 0.5" in fb.message


def test_overflow_is_caught_and_explained():
    fb = check_elu(elu_overflows)
    assert not fb
    assert "overflow" in fb.message and "min(x, 0)" in fb.message


def test_ignoring_alpha_is_caught_with_a_hint():
    fb = check_elu(elu_ignores_alpha)
    assert not fb
    assert "alpha=0.5" in fb.message and "check where alpha" in fb.message
    assert "at x = " in fb.message  # says where


def test_missing_alpha_argument():
    fb = check_elu(elu_no_alpha_argument)
    assert not fb and "keyword argument alpha" in fb.message and "def elu(x, alpha=1.0)" in fb.message


def test_forgetting_minus_one_points_at_the_negative_side():
    fb = check_elu(elu_forgets_minus_one)
    assert not fb and "negative inputs" in fb.message


def test_dtype_change_is_caught():
    fb = check_elu(elu_float64)
    assert not fb and "float32" in fb.message


def test_wrong_derivatives_are_located():
    fb = check_elu_grad(grad_exp_everywhere)
    assert not fb and "positive inputs" in fb.message and "expected 1" in fb.message
    fb = check_elu_grad(grad_relu_like)
    assert not fb and "negative side" in fb.message and "x = -0.25" in fb.message
    fb = check_elu_grad(grad_ignores_alpha)
    assert not fb and "alpha=0.5" in fb.message


def test_wrong_side_at_zero_only_shows_with_alpha_below_one():
    # with alpha = 1 both sides give 1 at x = 0: only the alpha = 0.5 check can see it
    fb = check_elu_grad(grad_wrong_side_at_zero)
    assert not fb
    assert "exactly x = 0" in fb.message and "alpha=0.5" in fb.message


def test_modifying_the_input_is_caught():
    fb = check_elu_grad(grad_in_place)
    assert not fb and "in place" in fb.message


def test_crashing_answer_is_reported():
    def boom(x, alpha=1.0):
        raise RuntimeError("not implemented")

    fb = check_elu(boom)
    assert not fb and "RuntimeError" in fb.message
