"""The words under a stop's equation: why the chain rule takes the form it does there.

Plain Unicode sentences in the notes' symbols (z[l], a[l], W[l], b[l], δ[l], l, ŷ).
The stop's document (``stop_text.document``) picks which of them a stop gets, so the
card and anything else that shows a stop explain it alike.
"""

from __future__ import annotations

SHORTCUT_WHY: dict[str, str] = {
    "ŷ − y": (
        "They agree: with bce, ∂l/∂ŷ = (ŷ − y) / (ŷ(1 − ŷ)) and σ′(z) = ŷ(1 − ŷ), so the "
        "factors cancel and ∂l/∂z = ŷ − y exactly. The shortcut is used because it needs "
        "no division: it stays finite and keeps its digits when ŷ rounds to 0 or 1, "
        "where ∂l/∂ŷ would blow up."
    ),
    "s − onehot(y)": (
        "They agree: with cross-entropy, ∂l/∂sₖ = −yₖ/sₖ and ∂s/∂z = diag(s) − s·sᵀ, so "
        "the product collapses to s − y for a one-hot y. The shortcut is used because it "
        "needs neither the n×n Jacobian nor a division by s, which underflows to 0 for "
        "a confidently wrong class."
    ),
}

SHORTCUT_AGREE = "The full chain and the shortcut agree."

DIAGONAL_NOTE = (
    "{f} acts element by element: a[{l}]ᵢ depends only on z[{l}]ᵢ, so the Jacobian "
    "∂a[{l}]/∂z[{l}] is diagonal (its off-diagonal zeros are shown faded). Multiplying by a "
    "diagonal matrix multiplies each element by its own diagonal entry; that is why the "
    "chain rule here reduces to the element-wise product ⊙. {rule}."
)

SOFTMAX_NOTE = (
    "softmax mixes its inputs: every sᵢ depends on every zⱼ, so its Jacobian "
    "∂s/∂z = diag(s) − s·sᵀ is full (no zeros off the diagonal) and the chain rule is "
    "a real matrix product, not ⊙."
)

LINEAR_NOTE = (
    "z[{l}] = W[{l}]·a[{k}] + b[{l}] is linear in each input. Each a[{k}]ⱼ fans out to "
    "every unit of z[{l}]: path i carries W[{l}][i,j]·δ[{l}]ᵢ back, and the paths add up "
    "(the chain rule sums over every route), giving ∂l/∂a[{k}] = W[{l}]ᵀ·δ[{l}]. "
    "W[{l}][i,j] multiplies a[{k}]ⱼ into z[{l}]ᵢ, so its gradient is δ[{l}]ᵢ·a[{k}]ⱼ: the "
    "outer product δ·aᵀ; b[{l}] is added as is, so ∂l/∂b[{l}] = δ[{l}]."
)

BATCH_PARAMETERS_NOTE = "∂l/∂W[{l}] and ∂l/∂b[{l}] are means over the {B} samples of the batch."

MEAN_NOTE = (
    "Batch mean: each sample has its own local gradient, so the mean downstream "
    "gradient is the mean of each sample's product, not a product of means. "
    "Pick a sample to see one product."
)

MOMENTUM_NOTE = (
    "With momentum the change is −η·v, where v ← μ·v + ∂l/∂{p} carries the earlier "
    "gradients along; here it differs from −η·∂l/∂{p} = {plain}."
)

UPDATE_NOTE = "Gradient descent: each entry moves against its gradient, by η times it."

LOSS_START_NOTE = "Backpropagation starts at the loss: ∂l/∂l = 1."

LOSS_INPUTS_NOTE = "ŷ = a[{L}], the network's output; y the label."

INPUT_NOTE = "a[1] = x, the input."
