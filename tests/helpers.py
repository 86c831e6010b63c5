"""Test helpers: an independent reference MLP and the one-line gradient assertion.

``assert_grads_match(net, x, t)`` checks every gradient Network.run returns against
centred finite differences of a forward pass written here from the textbook
formulas, without using the engine's activations, losses or gradcheck module:
dW[l], db[l] against the batch mean loss; the per-sample da[l] and dz[l] against
the sum of the per-sample losses (sample i's loss depends on its own column only,
so that sum's derivative in column i is ∂lᵢ/∂(column i)).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from bpdebugger.engine.network import Network

Array = np.ndarray

# Five-point centred stencil: truncation O(h⁴), rounding ≈ 1.5·ε·|l|/h.
STEP = 1e-4

# The network of the source notes (2 → 2 tanh → 1 sigmoid, bce) with the
# parameters of the CONTRACTS.md example session.
NOTES_SIZES = (2, 2, 1)
NOTES_ACTIVATIONS = ("tanh", "sigmoid")
NOTES_PARAMS = {
    "W[2]": [[0.1, -0.2], [0.3, 0.4]],
    "b[2]": [0.0, 0.0],
    "W[3]": [[0.5, -0.6]],
    "b[3]": [0.1],
}
XOR_X = [[0.0, 1.0], [1.0, 0.0], [0.0, 0.0], [1.0, 1.0]]
XOR_Y = [1, 1, 0, 0]


def notes_network(params: dict[str, Any] | None = None) -> Network:
    return Network(NOTES_SIZES, NOTES_ACTIVATIONS, "bce", params or NOTES_PARAMS)


def notes_session(**changes: Any) -> dict[str, Any]:
    """The CONTRACTS.md example session on the four XOR points, as a JSON object.

    Keyword arguments replace top-level sections (``training={...}``).
    """
    obj: dict[str, Any] = {
        "format": "bpdebugger-session/1",
        "network": {
            "sizes": list(NOTES_SIZES),
            "activations": list(NOTES_ACTIVATIONS),
            "loss": "bce",
        },
        "params": copy.deepcopy(NOTES_PARAMS),
        "init": {"scheme": "xavier", "seed": 0},
        "training": {"learning_rate": 0.5, "batch_size": 1, "shuffle": False, "momentum": 0.0},
        "data": {"x": copy.deepcopy(XOR_X), "y": list(XOR_Y)},
    }
    obj.update(copy.deepcopy(changes))
    return obj


# --- the reference MLP ------------------------------------------------------------------


def activation(name: str, z: Array) -> Array:
    """a = f(z), column per sample, straight from the definitions."""
    if name == "tanh":
        return np.tanh(z)
    if name == "sigmoid":
        return 0.5 * (1.0 + np.tanh(0.5 * z))  # σ(z) = (1 + tanh(z/2)) / 2
    if name == "relu":
        return np.where(z > 0, z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, 0.01 * z)
    if name == "identity":
        return z
    if name == "softmax":
        e = np.exp(z - z.max(axis=0))
        return e / e.sum(axis=0)
    raise ValueError(name)


def _softplus(z: Array) -> Array:
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))  # log(1 + eᶻ)


def losses_from_logits(loss: str, z: Array, a: Array, t: Array) -> Array:
    """Per-sample losses (B,) from the output layer's z and a."""
    if loss == "bce":
        # −(y log σ(z) + (1−y) log(1−σ(z))) with log σ(z) = −softplus(−z)
        return (t * _softplus(-z) + (1.0 - t) * _softplus(z)).sum(axis=0)
    if loss == "cross_entropy":
        m = z.max(axis=0)
        log_s = z - (m + np.log(np.exp(z - m).sum(axis=0)))
        return -(t * log_s).sum(axis=0)
    if loss == "squared_error":
        return 0.5 * ((t - a) ** 2).sum(axis=0)
    raise ValueError(loss)


def losses_from_output(loss: str, a: Array, t: Array) -> Array:
    """Per-sample losses as a function of ŷ alone (for ∂l/∂ŷ); ŷ must be inside (0, 1)."""
    if loss == "bce":
        return -(t * np.log(a) + (1.0 - t) * np.log(1.0 - a)).sum(axis=0)
    if loss == "cross_entropy":
        return -np.where(t > 0, t * np.log(np.where(t > 0, a, 1.0)), 0.0).sum(axis=0)
    return 0.5 * ((t - a) ** 2).sum(axis=0)


class Reference:
    """A copy of a Network's parameters with its own forward pass."""

    def __init__(self, net: Network) -> None:
        self.L = net.L
        self.acts = {l: name for l, name in zip(net.layers, net.activation_names, strict=True)}
        self.loss = net.loss.name
        self.W = {l: np.array(net.W[l], dtype=np.float64) for l in net.layers}
        self.b = {l: np.array(net.b[l], dtype=np.float64) for l in net.layers}

    def forward(self, x: Array) -> tuple[dict[int, Array], dict[int, Array]]:
        z: dict[int, Array] = {}
        a: dict[int, Array] = {1: x}
        for l in range(2, self.L + 1):
            z[l] = self.W[l] @ a[l - 1] + self.b[l][:, None]
            a[l] = activation(self.acts[l], z[l])
        return z, a

    def losses(
        self, t: Array, *, a: Array | None = None, z: Array | None = None, layer: int = 1
    ) -> Array:
        """Per-sample losses from a[layer] (a=…) or from z[layer] (z=…) onwards."""
        if z is not None:
            a = activation(self.acts[layer], z)
        elif layer == self.L:
            return losses_from_output(self.loss, a, t)
        for l in range(layer + 1, self.L + 1):
            z = self.W[l] @ a + self.b[l][:, None]
            a = activation(self.acts[l], z)
        return losses_from_logits(self.loss, z, a, t)


def finite_difference(f: Callable[[], float], p: Array, h: float = STEP) -> Array:
    """∂f/∂p for every entry of p (changed in place and restored exactly)."""
    grad = np.empty_like(p)
    for i in np.ndindex(p.shape):
        kept = p[i]
        values = []
        for k in (2, 1, -1, -2):
            p[i] = kept + k * h
            values.append(f())
        p[i] = kept
        grad[i] = (-values[0] + 8 * values[1] - 8 * values[2] + values[3]) / (12 * h)
    return grad


def _assert_close(what: str, analytic: Array, numeric: Array, rtol: float, atol: float) -> None:
    analytic = np.asarray(analytic, dtype=np.float64)
    assert analytic.shape == numeric.shape, f"{what}: shape {analytic.shape} != {numeric.shape}"
    error = np.abs(analytic - numeric)
    bound = rtol * np.maximum(np.abs(analytic), np.abs(numeric)) + atol
    bad = ~(error <= bound)
    if bad.any():
        i = tuple(np.argwhere(bad)[0])
        raise AssertionError(
            f"{what}{list(map(int, i))}: backprop {analytic[i]!r} vs finite differences "
            f"{numeric[i]!r} (|diff| {error[i]:.3g} > {bound[i]:.3g})\n"
            f"backprop:\n{analytic}\nnumeric:\n{numeric}"
        )


def assert_grads_match(net: Network, x: Array, t: Array, rtol: float = 1e-6) -> Any:
    """Network.run's dW, db, da and dz on (x, t) agree with finite differences.

    x (n1, B), t (n_L, B). Returns the Pass for further checks. ∂l/∂ŷ is checked
    only where ŷ is inside (0.02, 0.98) for bce and cross_entropy: the stencil
    needs h ≪ ŷ for log ŷ.
    """
    x = np.asarray(x, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    p = net.run(x.copy(), t.copy())
    ref = Reference(net)
    z, a = ref.forward(x)
    scale = 1.0 + np.abs(ref.losses(t, a=x)).sum()
    atol = 1e-9 * scale  # well above the stencil's rounding, 1.5·ε·scale/h ≈ 3e-12·scale

    # Sanity: the engine's forward pass is the reference's.
    for l in net.layers:
        np.testing.assert_allclose(p.z[l], z[l], rtol=1e-12, atol=1e-12, err_msg=f"z[{l}]")
        np.testing.assert_allclose(p.a[l], a[l], rtol=1e-12, atol=1e-12, err_msg=f"a[{l}]")
    np.testing.assert_allclose(p.loss, ref.losses(t, a=x).mean(), rtol=1e-12, atol=1e-12)

    def mean_loss() -> float:
        return float(ref.losses(t, a=x).mean())

    for l in net.layers:
        _assert_close(f"dW[{l}]", p.dW[l], finite_difference(mean_loss, ref.W[l]), rtol, atol)
        _assert_close(f"db[{l}]", p.db[l], finite_difference(mean_loss, ref.b[l]), rtol, atol)

    for l in net.layers:
        zl = z[l].copy()
        numeric = finite_difference(lambda zl=zl, l=l: ref.losses(t, z=zl, layer=l).sum(), zl)
        _assert_close(f"dz[{l}]", p.dz[l], numeric, rtol, atol)

    for l in range(1, net.L + 1):
        if l not in p.da:
            continue
        if l == net.L and net.loss.name != "squared_error":
            inside = a[l][t > 0] if net.loss.name == "cross_entropy" else a[l]
            if not (np.all(inside > 0.02) and np.all(inside < 0.98)):
                continue
        al = a[l].copy()
        numeric = finite_difference(lambda al=al, l=l: ref.losses(t, a=al, layer=l).sum(), al)
        _assert_close(f"da[{l}]", p.da[l], numeric, rtol, atol)
    assert 1 in p.da, "Network.run should compute ∂l/∂x for the stepper"
    return p


KINKED = ("relu", "leaky_relu")


def away_from_kinks(net: Network, x: Array, margin: float = 0.05) -> None:
    """Shift the biases of relu and leaky_relu units so that no sample's z[l] lies
    within ``margin`` of the kink at 0 (finite differences across a kink are wrong).

    Layer by layer, each unit takes the smallest shift from 0, ±3m, ±6m, … that clears
    every sample: each sample rules out at most one of these, so one always fits.
    """
    a = np.asarray(x, dtype=np.float64)
    for l, name in zip(net.layers, net.activation_names, strict=True):
        z = net.W[l] @ a + net.b[l][:, None]
        if name in KINKED:
            shifts = [
                3 * margin * k for n in range(a.shape[1] + 2) for k in ((n, -n) if n else (0,))
            ]
            for i in range(z.shape[0]):
                shift = next(s for s in shifts if np.all(np.abs(z[i] + s) > margin))
                net.b[l][i] += shift
            z = net.W[l] @ a + net.b[l][:, None]
        a = activation(name, z)


def onehot(classes: Any, n: int) -> Array:
    """Class indices (B,) → one-hot columns (n, B)."""
    classes = np.asarray(classes, dtype=np.int64)
    return (np.arange(n)[:, None] == classes[None, :]).astype(np.float64)


# The stops of one iteration of the notes' network, as CONTRACTS.md lists them.
NOTES_ORDER = [
    ("forward", "z[2]"),
    ("forward", "a[2]"),
    ("forward", "z[3]"),
    ("forward", "a[3]"),
    ("forward", "l"),
    ("backward", "l"),
    ("backward", "a[3]"),
    ("backward", "z[3]"),
    ("backward", "a[2]"),
    ("backward", "z[2]"),
    ("update", "W[3]"),
    ("update", "b[3]"),
    ("update", "W[2]"),
    ("update", "b[2]"),
]


def shown_window(qtbot, session=None, size: tuple[int, int] = (1280, 800)):
    """The main window on ``session`` (the default demo if None), as a user first sees
    it: 1280×800, shown, closed with the test; without the saved layout of earlier runs."""
    from bpdebugger.debugger import Session
    from bpdebugger.gui.main_window import MainWindow

    w = MainWindow(session or Session.from_demo("xor"), remember_layout=False)
    qtbot.addWidget(w)
    w.resize(*size)
    w.show()
    return w


def contrast(a, b) -> float:
    """The WCAG contrast ratio of two QColors (1 to 21), written out here rather than
    taken from the theme the tests check."""

    def luminance(c) -> float:
        def lin(v: float) -> float:
            return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF())

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
