"""Worked examples: the engine against figures derived or published by hand.

1. Matt Mazur, "A Step by Step Backpropagation Example" (2015): a 2-2-2 sigmoid network
   with squared error ½Σ, one sample, learning rate 0.5; his published total error and
   updated weights (rounded to at most 9 digits, hence compared to 1e-8).
2. The notes' network (sizes [2, 2, 1], tanh, sigmoid, bce) on one sample with round
   weights, every forward and backward value derived here with plain math, to 1e-12.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from helpers import NOTES_ORDER

from bpdebugger.engine.session import parse_session
from bpdebugger.engine.trace import Step, iteration_steps

# --- Mazur ----------------------------------------------------------------------------------

# His definitions: net_h1 = w1·i1 + w2·i2 + b1·1, net_h2 = w3·i1 + w4·i2 + b1·1,
# net_o1 = w5·out_h1 + w6·out_h2 + b2·1, net_o2 = w7·out_h1 + w8·out_h2 + b2·1.
# Row i of W[l] holds the weights into unit i (CONTRACTS.md), so
# W[2] = [[w1, w2], [w3, w4]] and W[3] = [[w5, w6], [w7, w8]]; his one bias per layer
# (b1 = .35, b2 = .60) is a bias per unit with the same value.
W1, W2, W3, W4, W5, W6, W7, W8 = 0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55
MAZUR = {
    "format": "bpdebugger-session/1",
    "network": {"sizes": [2, 2, 2], "activations": ["sigmoid", "sigmoid"], "loss": "squared_error"},
    "params": {
        "W[2]": [[W1, W2], [W3, W4]],
        "b[2]": [0.35, 0.35],
        "W[3]": [[W5, W6], [W7, W8]],
        "b[3]": [0.60, 0.60],
    },
    "training": {"learning_rate": 0.5, "batch_size": 1, "shuffle": False, "momentum": 0.0},
    "data": {"x": [[0.05, 0.10]], "y": [[0.01, 0.99]]},
}
# E_total = Σ ½(target − out)², his loss and ours (½·Σₖ, the mean over a batch of one).
MAZUR_TOTAL_ERROR = 0.298371109
# His updated weights w⁺ at their place in our layout. His biases stay; ours are updated
# too, so only the weights are compared.
MAZUR_UPDATED = {
    "w1": ("W[2]", 0, 0, 0.149780716),
    "w2": ("W[2]", 0, 1, 0.19956143),
    "w3": ("W[2]", 1, 0, 0.24975114),
    "w4": ("W[2]", 1, 1, 0.29950229),
    "w5": ("W[3]", 0, 0, 0.35891648),
    "w6": ("W[3]", 0, 1, 0.408666186),
    "w7": ("W[3]", 1, 0, 0.511301270),
    "w8": ("W[3]", 1, 1, 0.561370121),
}
# Intermediate figures from the same post, for a more precise diagnosis if it fails.
MAZUR_OUT_H = (0.593269992, 0.596884378)
MAZUR_OUT_O = (0.75136507, 0.772928465)
MAZUR_DE_DW5 = 0.082167041
MAZUR_DE_DW1 = 0.000438568
PUBLISHED = 1e-8  # his figures carry 8 or 9 digits


def by_node(steps: list[Step]) -> dict[tuple[str, str], Step]:
    return {(s.phase, s.node): s for s in steps}


def test_mazur_step_by_step_example() -> None:
    spec = parse_session(MAZUR)
    trainer = spec.trainer()
    steps = list(iteration_steps(trainer.net, trainer.optimizer, trainer.batch(1), 1))
    stop = by_node(steps)

    assert stop["forward", "l"].loss == pytest.approx(MAZUR_TOTAL_ERROR, rel=0, abs=PUBLISHED)
    out_h = stop["forward", "a[2]"].output[:, 0]
    out_o = stop["forward", "a[3]"].output[:, 0]
    assert out_h.tolist() == pytest.approx(MAZUR_OUT_H, rel=0, abs=PUBLISHED)
    assert out_o.tolist() == pytest.approx(MAZUR_OUT_O, rel=0, abs=PUBLISHED)
    dW = {s.node: s.grad for s in steps if s.phase == "update"}
    assert dW["W[3]"][0, 0] == pytest.approx(MAZUR_DE_DW5, rel=0, abs=PUBLISHED)
    assert dW["W[2]"][0, 0] == pytest.approx(MAZUR_DE_DW1, rel=0, abs=PUBLISHED)

    after = {s.node: s.after for s in steps if s.phase == "update"}
    for w, (name, i, j, published) in MAZUR_UPDATED.items():
        assert after[name][i, j] == pytest.approx(published, rel=0, abs=PUBLISHED), w
        # and the network itself holds the updated weight
        assert trainer.net.param(name)[i, j] == after[name][i, j], w


def test_mazur_fast_path_gives_the_same_step() -> None:
    trainer = parse_session(MAZUR).trainer()
    loss = trainer.train_iteration(1)
    assert loss == pytest.approx(MAZUR_TOTAL_ERROR, rel=0, abs=PUBLISHED)
    for w, (name, i, j, published) in MAZUR_UPDATED.items():
        assert trainer.net.param(name)[i, j] == pytest.approx(published, rel=0, abs=PUBLISHED), w


# --- the notes' network, by hand ------------------------------------------------------------

X = (1.0, 2.0)
LR = 0.5
NOTES_W2 = ((0.1, -0.2), (0.3, 0.4))
NOTES_B2 = (0.1, -0.1)
NOTES_W3 = (0.5, -0.6)
NOTES_B3 = 0.2
EXACT = 1e-12


def notes_session(y: int) -> dict[str, Any]:
    return {
        "format": "bpdebugger-session/1",
        "network": {"sizes": [2, 2, 1], "activations": ["tanh", "sigmoid"], "loss": "bce"},
        "params": {
            "W[2]": [list(r) for r in NOTES_W2],
            "b[2]": list(NOTES_B2),
            "W[3]": [list(NOTES_W3)],
            "b[3]": [NOTES_B3],
        },
        "training": {"learning_rate": LR, "batch_size": 1, "shuffle": False, "momentum": 0.0},
        "data": {"x": [list(X)], "y": [y]},
    }


def close(got: Any, want: Any) -> None:
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64), want, rtol=0, atol=EXACT)


@pytest.mark.parametrize("y", [1, 0])
def test_notes_network_by_hand(y: int) -> None:
    (w11, w12), (w21, w22) = NOTES_W2
    b21, b22 = NOTES_B2
    v1, v2 = NOTES_W3
    x1, x2 = X

    # forward
    # z[2] = W[2]·x + b[2]: z[2]₁ = 0.1·1 − 0.2·2 + 0.1 = −0.2, z[2]₂ = 0.3·1 + 0.4·2 − 0.1 = 1
    z2 = [w11 * x1 + w12 * x2 + b21, w21 * x1 + w22 * x2 + b22]
    # a[2] = tanh(z[2])
    a2 = [math.tanh(z2[0]), math.tanh(z2[1])]
    # z[3] = W[3]·a[2] + b[3]
    z3 = v1 * a2[0] + v2 * a2[1] + NOTES_B3
    # ŷ = a[3] = σ(z[3])
    yhat = 1.0 / (1.0 + math.exp(-z3))
    # l = −(y log ŷ + (1−y) log(1−ŷ))
    loss = -math.log(yhat) if y == 1 else -math.log(1.0 - yhat)

    # backward
    # ∂l/∂ŷ = −y/ŷ + (1−y)/(1−ŷ)
    dl_dyhat = -1.0 / yhat if y == 1 else 1.0 / (1.0 - yhat)
    # ∂ŷ/∂z[3] = σ′(z[3]) = ŷ(1 − ŷ)
    sigma_prime = yhat * (1.0 - yhat)
    # δ[3] = ∂l/∂z[3] = ∂l/∂ŷ · σ′(z[3]) = ŷ − y  (either label: −(1−ŷ) or ŷ)
    delta3 = yhat - y
    # ∂l/∂W[3] = δ[3]·a[2]ᵀ, ∂l/∂b[3] = δ[3]
    dW3 = [delta3 * a2[0], delta3 * a2[1]]
    db3 = delta3
    # ∂l/∂a[2] = W[3]ᵀ·δ[3]
    da2 = [v1 * delta3, v2 * delta3]
    # ∂a[2]/∂z[2] = tanh′(z[2]) = 1 − a[2]², a diagonal Jacobian
    tanh_prime = [1.0 - a2[0] ** 2, 1.0 - a2[1] ** 2]
    # δ[2] = (W[3]ᵀδ[3]) ⊙ (1 − a[2]²)
    delta2 = [da2[0] * tanh_prime[0], da2[1] * tanh_prime[1]]
    # ∂l/∂W[2] = δ[2]·xᵀ, ∂l/∂b[2] = δ[2]
    dW2 = [[delta2[0] * x1, delta2[0] * x2], [delta2[1] * x1, delta2[1] * x2]]
    db2 = delta2
    # ∂l/∂x = W[2]ᵀ·δ[2] (the stepper shows it too)
    dx = [w11 * delta2[0] + w21 * delta2[1], w12 * delta2[0] + w22 * delta2[1]]

    # update, p ← p − η·∂l/∂p (all from the gradients of the parameters before the step)
    W3_after = [v1 - LR * dW3[0], v2 - LR * dW3[1]]
    b3_after = NOTES_B3 - LR * db3
    W2_after = [
        [w11 - LR * dW2[0][0], w12 - LR * dW2[0][1]],
        [w21 - LR * dW2[1][0], w22 - LR * dW2[1][1]],
    ]
    b2_after = [b21 - LR * db2[0], b22 - LR * db2[1]]

    trainer = parse_session(notes_session(y)).trainer()
    steps = list(iteration_steps(trainer.net, trainer.optimizer, trainer.batch(1), 1))
    assert [(s.phase, s.node) for s in steps] == NOTES_ORDER
    assert [s.index for s in steps] == list(range(1, 15))
    stop = by_node(steps)

    # forward stops: one column per sample, here one
    close(stop["forward", "z[2]"].output[:, 0], z2)
    close(stop["forward", "a[2]"].output[:, 0], a2)
    close(stop["forward", "z[3]"].output[:, 0], [z3])
    close(stop["forward", "a[3]"].output[:, 0], [yhat])
    close(stop["forward", "l"].loss, loss)

    # backward: the loss node starts the chain with upstream 1
    s = stop["backward", "l"]
    assert s.upstream == 1.0
    close(s.downstream["a[3]"][:, 0], [dl_dyhat])
    s = stop["backward", "a[3]"]
    close(s.upstream[:, 0], [dl_dyhat])
    close(s.local["z[3]"][:, 0], [sigma_prime])
    close(s.downstream["z[3]"][:, 0], [delta3])
    close(s.chain["z[3]"][:, 0], [dl_dyhat * sigma_prime])  # the full chain, beside ŷ − y
    s = stop["backward", "z[3]"]
    close(s.upstream[:, 0], [delta3])
    close(s.local["a[2]"], [NOTES_W3])  # ∂z[3]/∂a[2] = W[3]
    close(s.local["W[3]"][:, 0], a2)  # ∂z[3]/∂W[3] is a[2], in the notes' shorthand
    close(s.downstream["a[2]"][:, 0], da2)
    close(s.downstream["W[3]"], [dW3])
    close(s.downstream["b[3]"], [db3])
    s = stop["backward", "a[2]"]
    close(s.upstream[:, 0], da2)
    close(s.local["z[2]"][:, 0], tanh_prime)
    close(s.downstream["z[2]"][:, 0], delta2)
    s = stop["backward", "z[2]"]
    close(s.upstream[:, 0], delta2)
    close(s.local["a[1]"], NOTES_W2)
    close(s.downstream["W[2]"], dW2)
    close(s.downstream["b[2]"], db2)
    close(s.downstream["a[1]"][:, 0], dx)

    # updates
    for name, before, grad, after in (
        ("W[3]", [NOTES_W3], [dW3], [W3_after]),
        ("b[3]", [NOTES_B3], [db3], [b3_after]),
        ("W[2]", NOTES_W2, dW2, W2_after),
        ("b[2]", NOTES_B2, db2, b2_after),
    ):
        s = stop["update", name]
        close(s.before, before)
        close(s.grad, grad)
        close(s.after, after)
        close(trainer.net.param(name), after)
