"""What a stop means, in words: the demo's note for it and a built-in explanation.

Every stop explains itself. A session's ``notes`` (CONTRACTS.md: narration text per node)
may be keyed "phase node" ("forward z[2]", "backward a[3]", "update W[3]"), as the demos
do, or by the node name alone ("z[2]"), which then speaks at every stop of that node; the
phase-specific key wins. The built-in text is written from the stop itself: its layer, its
activation or loss, the size of its batch and a few of its live numbers.

Notation as in the notes and the gradient card: layers numbered from the input (x = a[1]),
z[l] = W[l]·a[l−1] + b[l], a[l] = f(z[l]), ŷ = a[L], the loss l, δ[l] = ∂l/∂z[l], f′ for
the local gradient of an activation and ⊙ for the element-wise product.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bpdebugger.engine.losses import LOSSES as ENGINE_LOSSES
from bpdebugger.engine.notation import ACTIVATIONS as NOTATION
from bpdebugger.engine.notation import factor, fmt
from bpdebugger.engine.session import SessionSpec
from bpdebugger.engine.trace import Step

# Live numbers are written out for vectors up to this long; longer ones are left to the card.
MAX_NUMBERS = 4


@dataclass(frozen=True)
class Narration:
    """The words for one stop: ``heading`` "phase · node · op", the demo's ``note`` ("" if
    the session has none for this stop) and the built-in ``explanation``."""

    heading: str
    note: str
    explanation: str


def narrate(step: Step, spec: SessionSpec) -> Narration:
    return Narration(
        heading=f"{step.phase} · {step.node} · {step.op}",
        note=note_for(spec.notes, step.phase, step.node),
        explanation=explain(step, spec),
    )


def note_for(notes: Mapping[str, str], phase: str, node: str) -> str:
    """The session's note for a stop: keyed "phase node", else by the node name alone."""
    return notes.get(f"{phase} {node}", notes.get(node, ""))


def opening(spec: SessionSpec) -> str:
    """What to read before the first stop: the demo's title and how to step."""
    title = str(spec.extra.get("title", "")).strip()
    if not title:
        sizes = " → ".join(str(n) for n in spec.sizes)
        title = f"A network {sizes} ({', '.join(spec.activations)}; {spec.loss})"
    return (
        f"{title}\n\n"
        "Press F11 (Step Into) to stop at the first node, forward z[2]; F10 (Step Over) "
        "takes a whole layer at once. Each stop is explained here."
    )


# --- numbers --------------------------------------------------------------------------------


def vector(values: Sequence[float] | np.ndarray) -> str:
    """ "0.5" for one value, "(0.5, −1)" for a few."""
    flat = np.asarray(values, dtype=np.float64).ravel()
    if flat.size == 1:
        return fmt(flat[0])
    return "(" + ", ".join(fmt(v) for v in flat) + ")"


def _one_sample(value: object) -> np.ndarray | None:
    """The single column of a one-sample (n, 1) array if it is short enough to write out."""
    a = np.asarray(value, dtype=np.float64)
    if a.ndim == 2 and a.shape[1] == 1 and a.shape[0] <= MAX_NUMBERS:
        return a[:, 0]
    return None


def _count(k: int, n: int, one: str, many: str) -> str:
    """ "no unit is", "1 of the 8 units is", "7 of the 8 units are" (verb given both ways)."""
    if k == 0:
        return f"no unit {one}"
    return f"{k} of the {n} units {one if k == 1 else many}"


def _layer(node: str) -> int:
    return int(node[node.index("[") + 1 : node.index("]")])


def _input_symbol(l: int) -> str:
    return "x" if l == 1 else f"a[{l}]"


def _batch_size(step: Step) -> int:
    return len(step.batch)


# --- the activations and losses, in words ---------------------------------------------------

# name → what a = f(z) does, in words (its f′ and the rule of f′ are the notation's)
ACTIVATIONS: dict[str, str] = {
    "tanh": (
        "tanh squashes each entry into (−1, 1): nearly linear around 0, flat (saturated) "
        "towards ±1 for large |z|."
    ),
    "sigmoid": (
        "σ(z) = 1 / (1 + e^(−z)) squashes each entry into (0, 1); it is steepest at z = 0, "
        "where σ′ = 0.25, and flat for large |z|."
    ),
    "relu": (
        "relu(z) = max(z, 0) passes each positive entry unchanged and sets the others to 0; a "
        "unit whose z ≤ 0 for every sample outputs only zeros (it is dead)."
    ),
    "leaky_relu": (
        "leaky_relu(z) = z where z > 0, else 0.01·z: like relu, but a negative entry keeps a "
        "small slope, so a unit never goes completely silent."
    ),
    "identity": (
        "The identity passes z on unchanged: nothing bounds the output, as a regression "
        "output with squared error needs."
    ),
    "softmax": (
        "softmax sₖ = e^(zₖ) / Σⱼ e^(zⱼ) turns the scores into probabilities that are positive "
        "and add up to 1 for each sample; each sₖ depends on every zⱼ."
    ),
}

LOSSES: dict[str, tuple[str, str, str]] = {
    # name → (its name in words, the loss per sample and what it means, ∂l/∂ŷ)
    "bce": (
        "Binary cross-entropy",
        "l = −(y log ŷ + (1 − y) log(1 − ŷ)), i.e. −log ŷ for y = 1 and −log(1 − ŷ) for "
        "y = 0, so a confident wrong answer costs the most.",
        "∂l/∂ŷ = −y/ŷ + (1 − y)/(1 − ŷ)",
    ),
    "squared_error": (
        "Squared error",
        "l = ½·Σₖ (yₖ − ŷₖ)² over the outputs: it grows with the square of the error, and "
        "the ½ cancels the 2 of its derivative.",
        "∂l/∂ŷ = ŷ − y, the error itself",
    ),
    "cross_entropy": (
        "Cross-entropy",
        "l = −Σₖ yₖ log sₖ with y one-hot, i.e. −log of the probability the network gives "
        "the true class.",
        "∂l/∂sₖ = −yₖ/sₖ with s = ŷ, nonzero only for the true class",
    ),
}

# What ∂l/∂ŷ meets at the next stop when the chain collapses there, by output activation.
COLLAPSE = {"sigmoid": "σ′(z[{L}])", "softmax": "the softmax Jacobian"}

# Why ∂l/∂z[L] collapses at the output, keyed by the loss whose shortcut the stepper used.
SHORTCUTS: dict[str, str] = {
    "bce": (
        "With bce, ∂l/∂ŷ = (ŷ − y) / (ŷ(1 − ŷ)) and σ′(z) = ŷ(1 − ŷ), so the factors cancel and "
        "δ[{L}] = ŷ − y exactly; the card shows the full chain and this shortcut side by side. "
        "The shortcut needs no division, so it stays exact when ŷ rounds to 0 or 1."
    ),
    "cross_entropy": (
        "With cross-entropy, ∂l/∂sₖ = −yₖ/sₖ and ∂s/∂z = diag(s) − s·sᵀ, so the product "
        "collapses to δ[{L}] = s − y for a one-hot y: neither the {n}×{n} Jacobian nor a "
        "division by s is needed. The card shows the full chain and this shortcut side by side."
    ),
}


# --- the explanations -----------------------------------------------------------------------


def explain(step: Step, spec: SessionSpec) -> str:
    """The built-in explanation of a stop: 2–4 short sentences about its node kind."""
    if step.phase == "update":
        return _update(step, spec.momentum)
    if step.node == "l":
        if step.phase == "forward":
            return _forward_loss(step)
        return _backward_loss(step, spec.activations[-1])
    if step.op == "linear":
        return _forward_linear(step) if step.phase == "forward" else _backward_linear(step)
    if step.phase == "forward":
        return _forward_activation(step, spec)
    return _backward_activation(step, spec.loss)


def _forward_linear(step: Step) -> str:
    l = _layer(step.node)
    W = np.asarray(step.inputs[f"W[{l}]"])
    n, m = W.shape
    a = _input_symbol(l - 1)
    text = (
        f"z[{l}] = W[{l}]·{a} + b[{l}]: W[{l}] is {n}×{m}, row i holds the weights into unit i, "
        f"so z[{l}]ᵢ is unit i's weighted sum of its {m} inputs plus its bias b[{l}]ᵢ."
    )
    B = _batch_size(step)
    if B > 1:
        text += f" The {B} samples of the batch are the columns of {a}: one matrix product "
        text += "computes them all."
    elif (z := _one_sample(step.output)) is not None:
        text += f" Here z[{l}] = {vector(z)}."
    return text


def _forward_activation(step: Step, spec: SessionSpec) -> str:
    l = _layer(step.node)
    what = ACTIVATIONS[step.op]
    f = "σ" if step.op == "sigmoid" else step.op
    text = f"a[{l}] = {f}(z[{l}]). {what}"
    if l == len(spec.sizes):
        if spec.loss == "bce":
            text += f" ŷ = a[{l}] is the network's probability that the sample is class 1."
        elif spec.loss == "cross_entropy":
            text += f" ŷ = a[{l}] holds one probability per class."
        else:
            text += f" ŷ = a[{l}] is the network's output."
    a = np.asarray(step.output)
    if step.op == "relu":
        dead = int((a == 0).all(axis=1).sum())
        samples = "the sample" if a.shape[1] == 1 else f"all {a.shape[1]} samples of the batch"
        text += f" Here {_count(dead, a.shape[0], 'is', 'are')} 0 for {samples}."
    elif (column := _one_sample(a)) is not None:
        text += f" Here a[{l}] = {vector(column)}."
    return text


def _forward_loss(step: Step) -> str:
    L = next(_layer(k) for k in step.inputs if k.startswith("a["))
    name, rule, _ = LOSSES[step.op]
    text = f"{name} of ŷ = a[{L}] and the label y: {rule}"
    B = _batch_size(step)
    if B > 1:
        text += f" The batch loss is the mean of the {B} samples' losses: l = {fmt(step.loss)}."
    else:
        text += f" For this sample l = {fmt(step.loss)}."
    return text


def _backward_loss(step: Step, output: str) -> str:
    (key,) = step.local
    L = _layer(key)
    rule = LOSSES[step.op][2]
    text = (
        "Backpropagation starts at the loss with ∂l/∂l = 1; the loss node's local gradient is "
        f"its derivative with respect to ŷ = a[{L}]: {rule}."
    )
    B = _batch_size(step)
    if (g := _one_sample(step.downstream[key])) is not None:
        text += f" Here ∂l/∂a[{L}] = {vector(g)}."
    elif B > 1:
        text += (
            f" Each of the {B} samples has its own ∂l/∂a[{L}]; the batch loss is their mean, "
            "so the parameter gradients will be means over the batch."
        )
    if ENGINE_LOSSES[step.op].has_shortcut(output):
        meets = COLLAPSE[output].format(L=L)
        text += f" At the next stop ∂l/∂ŷ meets {meets} and the product collapses to ŷ − y."
    return text


def _backward_activation(step: Step, loss: str) -> str:
    (zname,) = step.local
    l = _layer(step.node)
    fp, rule = NOTATION[step.op].derivative, NOTATION[step.op].rule
    local = np.asarray(step.local[zname])
    down = np.asarray(step.downstream[zname])
    B = _batch_size(step)
    if step.chain:
        n = local.shape[0] if step.diagonal else local.shape[-1]
        chain = f"∂l/∂a[{l}]·σ′(z[{l}])" if step.diagonal else f"(∂a[{l}]/∂z[{l}])ᵀ·∂l/∂a[{l}]"
        text = f"At the output, δ[{l}] = ∂l/∂z[{l}] = {chain}. " + SHORTCUTS[loss].format(L=l, n=n)
        if (d := _one_sample(down)) is not None:
            y = np.asarray(step.batch.t)[:, 0]
            text += f" Here δ[{l}] = {vector(d + y)} − {vector(y)} = {vector(d)}."
        elif B > 1:
            text += f" Each of the {B} samples has its own ŷ − y."
        return text
    if not step.diagonal:
        n = local.shape[-1]
        return (
            f"softmax mixes its inputs: each sₖ depends on every zⱼ, so the Jacobian "
            f"∂a[{l}]/∂z[{l}] = diag(s) − s·sᵀ is a full {n}×{n} matrix for each sample, not a "
            f"diagonal one. The chain rule is then a real matrix product, "
            f"δ[{l}] = (∂a[{l}]/∂z[{l}])ᵀ·∂l/∂a[{l}], not ⊙."
        )
    text = (
        f"{step.op} acts element by element, so the Jacobian ∂a[{l}]/∂z[{l}] is diagonal, with "
        f"{fp}(z[{l}]) on its diagonal; multiplying by a diagonal matrix scales each entry, so "
        f"δ[{l}] = ∂l/∂a[{l}] ⊙ {fp}(z[{l}]), where {rule}."
    )
    if step.op == "relu":
        blocked = int((local == 0).all(axis=1).sum())
        samples = "the sample" if B == 1 else f"all {B} samples"
        units = _count(blocked, local.shape[0], "has", "have")
        text += f" Here {units} relu′ = 0 for {samples}" + (
            ": no gradient passes them." if blocked else "."
        )
    elif (column := _one_sample(local)) is not None:
        text += f" Here {fp}(z[{l}]) = {vector(column)}."
    elif step.op == "sigmoid":
        text += f" In this batch σ′ is at most {fmt(local.max())}."
    if B > 1:
        text += f" Each of the {B} samples has its own {fp}(z), so the product is per sample."
    return text


def _backward_linear(step: Step) -> str:
    l = _layer(step.node)
    k = l - 1
    a = _input_symbol(k)
    dW = np.asarray(step.downstream[f"W[{l}]"])
    n, m = dW.shape
    text = (
        f"δ[{l}] = ∂l/∂z[{l}] goes three ways: to W[{l}] as ∂l/∂W[{l}] = δ[{l}]·{a}ᵀ ({n}×{m}, "
        f"entry [i,j] = δᵢ·{a}ⱼ), to b[{l}] as ∂l/∂b[{l}] = δ[{l}] (b is added as is), and to "
        f"{a} as ∂l/∂{a} = W[{l}]ᵀ·δ[{l}]."
    )
    if n > 1:
        text += (
            f" Each {a}ⱼ fans out to each of the {n} units of z[{l}], so its gradient sums the {n} "
            f"paths W[{l}][i,j]·δ[{l}]ᵢ: where paths fork forward, their gradients add up."
        )
    B = _batch_size(step)
    if B > 1:
        text += f" ∂l/∂W[{l}] and ∂l/∂b[{l}] are means over the {B} samples of the batch."
    elif (db := _one_sample(step.downstream[f"b[{l}]"][:, None])) is not None:
        text += f" Here ∂l/∂b[{l}] = δ[{l}] = {vector(db)}."
    if k == 1:
        text += (
            " x is the data, not a parameter: ∂l/∂x is not needed, so the backward pass ends here."
        )
    return text


def _update(step: Step, momentum: float) -> str:
    p = step.node
    eta = fmt(step.learning_rate or 0.0)
    B = _batch_size(step)
    mean = f", ∂l/∂{p} being the mean over the batch of {B}" if B > 1 else ""
    before, change, grad, after = (
        np.asarray(v) for v in (step.before, step.change, step.grad, step.after)
    )
    # The entry that moves most shows the rule best (an input of 0 gives a zero gradient).
    i = np.unravel_index(int(np.argmax(np.abs(np.nan_to_num(change, nan=0.0)))), change.shape)
    where = "[" + ",".join(str(k + 1) for k in i) + "]"
    if momentum > 0:
        return (
            f"SGD with momentum, as PyTorch does it: v ← μ·v + ∂l/∂{p}, then {p} ← {p} − η·v, "
            f"with μ = {fmt(momentum)} and η = {eta}{mean}. v carries the earlier gradients "
            "along, decaying by μ each iteration, so steady directions speed up and "
            f"oscillations cancel; on the first iteration v = ∂l/∂{p}. The largest change, −η·v, "
            f"is at entry {where}: {fmt(before[i])} + {factor(change[i])} = "
            f"{fmt(after[i])}."
        )
    return (
        f"Gradient descent: {p} ← {p} − η·∂l/∂{p} with η = {eta}{mean}: each entry moves "
        f"against its gradient, by η times it; the largest move here is entry {where}: "
        f"{fmt(before[i])} − {eta}×{factor(grad[i])} = {fmt(after[i])}. The gradients "
        "were all computed before the first update, with the parameters of the forward pass."
    )
