"""The gradient card: one stop's numbers laid out the way the chain rule reads.

A backward stop shows Upstream | Local | Downstream as coloured matrices with the
chain-rule equation under them, numbers substituted; a linear node adds the outer
product δ·aᵀ and the per-path sums of W[l]ᵀ·δ; the output with bce or cross-entropy
shows the full chain beside the shortcut. Forward stops show inputs, operation and
output; update stops W, −η·∂l/∂W and the new W.

The card only arranges numbers the Step record already holds; it computes no
gradients. Its equation and note are the stop's document (engine.stop_text, Unicode),
the same the Markdown and LaTeX exports write, so the three cannot disagree. Every widget is
built once, one page per kind of stop, and each step only refills them: a step
must render and paint in a few milliseconds.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from bpdebugger.engine.gradcheck import Check
from bpdebugger.engine.network import Array
from bpdebugger.engine.notation import ACTIVATIONS, fmt
from bpdebugger.engine.stop_text import document, layer, sample_of
from bpdebugger.engine.trace import Step
from bpdebugger.gui.steady_scroll_bar import SteadyScrollBar, width_beside_bar
from bpdebugger.gui.theme import Zoomable, scaled_font
from bpdebugger.gui.views.card_matrix import CheckBadge, MatrixWidget
from bpdebugger.gui.views.card_parts import StopHeader, TextBlock
from bpdebugger.gui.views.card_text import NOTATION, equation_text, node_symbol, note_text

HINT = "Press F11 to step into the first node"


Checks = Mapping[str, Check]


# --- small helpers ---------------------------------------------------------------------------


def _header_label(parent: QtWidgets.QWidget, text: str) -> QtWidgets.QLabel:
    """A fixed bold column header; it never wraps (QGridLayout squeezes rows around
    height-for-width items)."""
    label = QtWidgets.QLabel(text, parent)
    label.setTextFormat(QtCore.Qt.TextFormat.PlainText)
    font = QtGui.QFont()  # only the weight is set, so size and family follow the zoom
    font.setBold(True)
    label.setFont(font)
    return label


def _row(*widgets: QtWidgets.QWidget) -> QtWidgets.QHBoxLayout:
    """Widgets side by side, top-aligned so that their symbol lines are level."""
    row = QtWidgets.QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(4)
    for w in widgets:
        row.addWidget(w, 0, QtCore.Qt.AlignmentFlag.AlignTop)
    row.addStretch(1)
    return row


# --- pages: one per kind of stop ------------------------------------------------------------


class _Page(QtWidgets.QWidget):
    """Widgets of one kind of stop, built once; ``render`` refills them for a step."""

    kind = ""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.matrices: dict[str, MatrixWidget] = {}
        self.layout_ = QtWidgets.QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.equation = TextBlock(self)
        self.note = TextBlock(self, muted=True)
        self.sections: list[TextBlock] = []

    def _matrix(self, name: str, operator: str = "", badge: bool = False) -> MatrixWidget:
        m = MatrixWidget(name, self, operator=operator, badge=badge)
        self.matrices[name] = m
        return m

    def _section(self) -> TextBlock:
        """A bold title over an extra section (outer product, paths, shortcut)."""
        t = TextBlock(self, bold=True)
        self.sections.append(t)
        return t

    def _finish(self) -> None:
        """Equation and note go under whatever the page put above them."""
        self.layout_.addWidget(self.equation)
        self.layout_.addWidget(self.note)

    def render(self, step: Step, sample: int | None, checks: Checks) -> None:
        raise NotImplementedError


def _headers(parent: QtWidgets.QWidget, grid: QtWidgets.QGridLayout) -> None:
    for j, text in enumerate(("Upstream", "Local", "Downstream")):
        grid.addWidget(_header_label(parent, text), 0, j, QtCore.Qt.AlignmentFlag.AlignLeft)


def _forward_columns(sample: int | None, *arrays: Array) -> tuple[list[Array], str, bool]:
    """What a forward page shows of its (n, B) arrays: every column, captioned, for a batch
    with no sample chosen (there is no mean of a forward value to show), else the chosen
    sample's column. Returns the arrays, the caption and whether it is the whole batch."""
    batch = sample is None and arrays[0].shape[1] > 1
    shown = [a if batch else a[:, sample or 0] for a in arrays]
    return shown, "one column per sample" if batch else "", batch


def _grid() -> QtWidgets.QGridLayout:
    grid = QtWidgets.QGridLayout()
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setHorizontalSpacing(8)
    grid.setVerticalSpacing(4)
    grid.setAlignment(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignTop)
    return grid


class _ForwardLinearPage(_Page):
    """z[l] = W[l]·a[l−1] + b[l]: the three inputs and the output."""

    kind = "forward linear"

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_.addLayout(
            _row(
                self._matrix("W"),
                self._matrix("input", "·"),
                self._matrix("b", "+"),
                self._matrix("output", "="),
            )
        )
        self._finish()

    def render(self, step: Step, sample: int | None, checks: Checks) -> None:
        l = layer(step.node)
        k = l - 1
        W = np.asarray(step.inputs[f"W[{l}]"])
        a_all = np.asarray(step.inputs[f"a[{k}]"])
        b = np.asarray(step.inputs[f"b[{l}]"])
        z_all = np.asarray(step.output)
        (a, z), caption, _ = _forward_columns(sample, a_all, z_all)
        self.matrices["W"].set_data(W, f"W[{l}]")
        self.matrices["input"].set_data(a, node_symbol(f"a[{k}]"), caption=caption)
        self.matrices["b"].set_data(b, f"b[{l}]")
        self.matrices["output"].set_data(z, f"z[{l}]", caption=caption)


class _ForwardActivationPage(_Page):
    """a[l] = f(z[l])."""

    kind = "forward activation"

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_.addLayout(_row(self._matrix("input"), self._matrix("output", "→")))
        self._finish()

    def render(self, step: Step, sample: int | None, checks: Checks) -> None:
        l = layer(step.node)
        z_all = np.asarray(step.inputs[f"z[{l}]"])
        a_all = np.asarray(step.output)
        (z, a), caption, _ = _forward_columns(sample, z_all, a_all)
        self.matrices["input"].set_data(z, f"z[{l}]", caption=caption)
        self.matrices["output"].set_data(a, f"a[{l}]", caption=caption)


class _ForwardLossPage(_Page):
    """l(ŷ, y) per sample; the batch loss is their mean."""

    kind = "forward loss"

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_.addLayout(
            _row(
                self._matrix("input"),
                self._matrix("target", ","),
                self._matrix("output", "→"),
            )
        )
        self._finish()

    def render(self, step: Step, sample: int | None, checks: Checks) -> None:
        L = next(layer(k) for k in step.inputs if k.startswith("a["))
        yhat_all = np.asarray(step.inputs[f"a[{L}]"])
        y_all = np.asarray(step.inputs["y"])
        losses = np.asarray(step.output).ravel()
        (yhat, y), caption, batch = _forward_columns(sample, yhat_all, y_all)
        self.matrices["input"].set_data(yhat, f"a[{L}] = ŷ", caption=caption)
        self.matrices["target"].set_data(y, "y", caption=caption)
        if batch:
            self.matrices["output"].set_data(
                losses.reshape(1, -1), "l per sample", caption=f"batch l = mean = {fmt(step.loss)}"
            )
        else:
            self.matrices["output"].set_data(losses[sample or 0], "l")


class _BackwardLossPage(_Page):
    """The loss node: backpropagation starts with ∂l/∂l = 1."""

    kind = "backward loss"

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        grid = _grid()
        _headers(self, grid)
        for j, name in enumerate(("upstream", "local", "downstream")):
            grid.addWidget(self._matrix(name), 1, j, QtCore.Qt.AlignmentFlag.AlignTop)
        self.layout_.addLayout(grid)
        self._finish()

    def render(self, step: Step, sample: int | None, checks: Checks) -> None:
        (key,) = step.local
        L = layer(key)
        local = sample_of(step.local[key], sample)
        down = sample_of(step.downstream[key], sample)
        tag = "batch mean" if sample is None else ""
        self.matrices["upstream"].set_data(step.upstream, "∂l/∂l")
        self.matrices["local"].set_data(local, f"∂l/∂a[{L}]", caption=tag)
        self.matrices["downstream"].set_data(down, f"∂l/∂a[{L}]", caption=tag)


class _BackwardActivationPage(_Page):
    """a[l] = f(z[l]) backwards: ∂l/∂z = (∂a/∂z)ᵀ·∂l/∂a, and the output's shortcut."""

    kind = "backward activation"

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        grid = _grid()
        _headers(self, grid)
        for j, name in enumerate(("upstream", "local", "downstream")):
            grid.addWidget(self._matrix(name), 1, j, QtCore.Qt.AlignmentFlag.AlignTop)
        self.layout_.addLayout(grid)

        # the output's shortcut: the full chain and ŷ − y side by side
        self.shortcut_title = self._section()
        self.layout_.addWidget(self.shortcut_title)
        self._shortcut = (self._matrix("chain"), self._matrix("shortcut", "="))
        self.layout_.addLayout(_row(*self._shortcut))
        self._finish()

    def render(self, step: Step, sample: int | None, checks: Checks) -> None:
        (zname,) = step.local
        l = layer(step.node)
        known = ACTIVATIONS.get(step.op)
        fp = known.derivative if known else f"{step.op}′"
        local = np.asarray(step.local[zname])
        up = sample_of(step.upstream, sample)
        down = sample_of(step.downstream[zname], sample)
        chain_all = step.chain.get(zname)
        result = sample_of(chain_all, sample) if chain_all is not None else down
        n = up.size
        mean = sample is None
        tag = "batch mean" if mean else ""

        self.matrices["upstream"].set_data(up, f"∂l/∂a[{l}]", caption=tag)
        self.matrices["downstream"].set_data(down, f"∂l/∂z[{l}]", caption=tag)
        jac = f"∂a[{l}]/∂z[{l}]"
        lm = self.matrices["local"]
        if step.diagonal and not mean:
            lm.set_data(
                np.diag(local[:, sample or 0]),
                jac,
                faded=~np.eye(n, dtype=bool),
                caption=f"diag({fp}(z[{l}]))",
            )
        elif step.diagonal:
            lm.set_data(local, f"{fp}(z[{l}])", caption="one column per sample")
        elif not mean:
            lm.set_data(local[sample or 0], jac, caption="diag(s) − s·sᵀ")
        else:
            lm.set_data(np.zeros((0, 0)), jac, shape=f"{n}×{n} per sample", caption="pick a sample")

        if chain_all is not None:
            name = step.shortcut or "shortcut"
            self.shortcut_title.set_text(f"Output shortcut: full chain and {name}")
            self.matrices["chain"].set_data(result, "full chain", caption=tag)
            self.matrices["shortcut"].set_data(down, name, caption=tag)
        else:
            self.shortcut_title.set_text("")
        for m in self._shortcut:
            m.setVisible(chain_all is not None)


class _BackwardLinearPage(_Page):
    """z[l] = W[l]·a[l−1] + b[l] backwards: δ goes to a[l−1], W[l] and b[l]."""

    kind = "backward linear"

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        grid = _grid()
        _headers(self, grid)
        top = QtCore.Qt.AlignmentFlag.AlignTop | QtCore.Qt.AlignmentFlag.AlignLeft
        grid.addWidget(self._matrix("upstream"), 1, 0, top)
        for i, name in enumerate(("a", "W", "b")):
            grid.addWidget(self._matrix(f"local {name}"), 1 + i, 1, top)
            down = self._matrix(f"downstream {name}", badge=name != "a")
            grid.addWidget(down, 1 + i, 2, top)
        self.layout_.addLayout(grid)

        self.outer_title = self._section()
        self.layout_.addWidget(self.outer_title)
        self.layout_.addLayout(
            _row(
                self._matrix("outer delta"),
                self._matrix("outer a", "×"),
                self._matrix("outer product", "="),
            )
        )

        self.paths_title = self._section()
        self.layout_.addWidget(self.paths_title)
        self.layout_.addLayout(_row(self._matrix("paths")))
        self._finish()

    def render(self, step: Step, sample: int | None, checks: Checks) -> None:
        l = layer(step.node)
        k = l - 1
        an, Wn, bn = f"a[{k}]", f"W[{l}]", f"b[{l}]"
        W = np.asarray(step.local[an])
        a_all = np.asarray(step.local[Wn])
        B = a_all.shape[1]
        mean = sample is None
        s = sample or 0
        delta = sample_of(step.upstream, sample)
        da = sample_of(step.downstream[an], sample)
        dW = np.asarray(step.downstream[Wn])
        db = np.asarray(step.downstream[bn])
        tag = "batch mean" if mean else ""
        param_tag = "batch mean" if B > 1 else ""

        m = self.matrices
        m["upstream"].set_data(delta, f"∂l/∂z[{l}] = δ[{l}]", caption=tag)
        m["local a"].set_data(W, f"∂z[{l}]/∂{an} = {Wn}")
        # ∂z/∂W is a 3-index tensor; what it holds is a[l−1], the same input for every row
        why_W = f"∂z[{l}]ᵢ/∂{Wn}ᵢⱼ = {an}ⱼ: every row of {Wn} multiplies the same input {an}"
        if mean:
            m["local W"].set_data(
                a_all,
                f"∂z[{l}]/∂{Wn}: {an}",
                caption="one column per sample",
                description=why_W,
            )
        else:
            m["local W"].set_data(a_all[:, s], f"∂z[{l}]/∂{Wn}: {an}", description=why_W)
        m["local b"].set_data(
            np.asarray(step.local[bn]),
            f"∂z[{l}]/∂{bn} = I",
            description=f"b[{l}] is added as is: each z[{l}]ᵢ moves one for one with b[{l}]ᵢ",
        )
        m["downstream a"].set_data(da, f"∂l/∂{an}", caption=tag)
        m["downstream W"].set_data(dW, f"∂l/∂{Wn}", caption=param_tag)
        m["downstream b"].set_data(db, f"∂l/∂{bn}", caption=param_tag)
        m["downstream W"].set_check(checks.get(Wn))
        m["downstream b"].set_check(checks.get(bn))

        # ∂l/∂W = δ·aᵀ: column × row = matrix
        self.outer_title.set_text(f"∂l/∂{Wn} = δ[{l}]·{an}ᵀ  (column × row = matrix)")
        show_factors = not mean
        for w in (m["outer delta"], m["outer a"]):
            w.setVisible(show_factors)
        m["outer product"].set_operator("=" if show_factors else "")
        if show_factors:
            a = a_all[:, s]
            m["outer delta"].set_data(delta, f"δ[{l}]")
            m["outer a"].set_data(a.reshape(1, -1), f"{an}ᵀ")
            if B == 1:
                m["outer product"].set_data(dW, f"δ[{l}]·{an}ᵀ = ∂l/∂{Wn}")
            else:
                m["outer product"].set_data(
                    np.outer(delta, a), f"δ[{l}]·{an}ᵀ", caption=f"sample {s + 1}'s share"
                )
        else:
            m["outer product"].set_data(dW, f"∂l/∂{Wn}", caption=f"mean of the {B} samples' δ·aᵀ")

        # ∂l/∂a = Wᵀ·δ, path by path: unit i of z reaches a[k]ⱼ through W[i, j]
        n_out, n_in = W.shape
        self.paths_title.set_text(f"∂l/∂{an} = {Wn}ᵀ·δ[{l}]: each path W[i,j]·δᵢ, summed over i")
        m["paths"].set_data(
            W * delta.reshape(-1, 1),
            f"{Wn}[i,j]·δ[{l}]ᵢ",
            row_labels=[f"i={i + 1}" for i in range(n_out)],
            col_labels=[f"j={j + 1}" for j in range(n_in)],
            footer=da,
            footer_label="Σᵢ",
            caption=f"rows: units i of z[{l}]; columns: units j of {an}; Σ = ∂l/∂{an}",
        )


class _UpdatePage(_Page):
    """p ← p − η·∂l/∂p: before, change, after, and the gradient with its check."""

    kind = "update"

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_.addLayout(
            _row(
                self._matrix("before"),
                self._matrix("change", "+"),
                self._matrix("after", "="),
            )
        )
        self.layout_.addLayout(_row(self._matrix("grad", badge=True)))
        self._finish()

    def render(self, step: Step, sample: int | None, checks: Checks) -> None:
        p = step.node
        lr = float(step.learning_rate or 0.0)
        before, change, after, grad = (
            np.asarray(v) for v in (step.before, step.change, step.after, step.grad)
        )
        plain = -lr * grad
        momentum = not np.allclose(change, plain, rtol=1e-12, atol=0.0, equal_nan=True)
        self.matrices["before"].set_data(before, p)
        self.matrices["change"].set_data(change, "−η·v" if momentum else f"−η·∂l/∂{p}")
        self.matrices["after"].set_data(after, f"{p} new")
        self.matrices["grad"].set_data(grad, f"∂l/∂{p}")
        self.matrices["grad"].set_check(checks.get(p))


# --- the card ---------------------------------------------------------------------------------


class GradientCardView(Zoomable, QtWidgets.QWidget):
    """One stop of backpropagation, as the chain rule reads it. Call ``show_step``.

    ``sample_selected(object)`` is emitted when the user picks a sample (its index
    from 0) or the batch mean (None).
    """

    sample_selected = QtCore.Signal(object)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._step: Step | None = None
        self._checks: Checks = {}
        self._sample: int | None = 0
        self._batch_size = 0
        self._zoom = 1.0

        # Painting its own background, the card keeps a repaint inside it (the strip its
        # scroll bar leaves, a long stop to a short one) from repainting the dock's frame.
        self.setAutoFillBackground(True)
        self._scroll = QtWidgets.QScrollArea(self)
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self._scroll.setVerticalScrollBar(SteadyScrollBar(self._scroll))
        self._content = QtWidgets.QWidget()
        content = QtWidgets.QVBoxLayout(self._content)
        content.setContentsMargins(6, 6, 6, 6)
        self._scroll.setWidget(self._content)
        outer = QtWidgets.QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self._scroll)

        self._header = StopHeader(self._content)
        content.addWidget(self._header)

        self._selector_row = QtWidgets.QWidget(self._content)
        row = QtWidgets.QHBoxLayout(self._selector_row)
        row.setContentsMargins(0, 0, 0, 0)
        label = QtWidgets.QLabel("Show:", self._selector_row)
        self.sample_selector = QtWidgets.QComboBox(self._selector_row)
        self.sample_selector.setSizeAdjustPolicy(
            QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToContents
        )
        self.sample_selector.setToolTip("Each sample's own values, or the mean over the batch")
        label.setBuddy(self.sample_selector)
        row.addWidget(label)
        row.addWidget(self.sample_selector)
        row.addStretch(1)
        content.addWidget(self._selector_row)
        self.sample_selector.currentIndexChanged.connect(self._on_sample_index_changed)

        self._hint = TextBlock(self._content)
        self._hint.set_text(HINT)
        content.addWidget(self._hint)

        self._pages: dict[str, _Page] = {}
        for cls in (
            _ForwardLinearPage,
            _ForwardActivationPage,
            _ForwardLossPage,
            _BackwardLossPage,
            _BackwardActivationPage,
            _BackwardLinearPage,
            _UpdatePage,
        ):
            page = cls(self._content)
            page.hide()
            content.addWidget(page)
            self._pages[cls.kind] = page
        self._page: _Page | None = None
        content.addStretch(1)
        # Text wraps at the visible width even when a wide matrix makes the content scroll
        # sideways: the equation stays readable without scrolling. That width leaves room
        # for the vertical scroll bar whether it is shown or not: the bar comes and goes as
        # long and short stops alternate, and the text is then not laid out again for it.
        self._texts = self._content.findChildren(TextBlock)
        self._scroll.installEventFilter(self)

        self._apply_font()
        self.show_step(None)

    # --- rendering --------------------------------------------------------------------------

    def show_step(self, step: Step | None, checks: Checks | None = None) -> None:
        """Render one stop (None: nothing stepped yet, show how to start)."""
        self._step = step
        self._checks = checks or {}
        if step is None:
            self._header.set_text("", "No stop yet", "")
            self._hint.show()
            self._selector_row.hide()
            self._switch(None)
            self._settle()
            return
        self._hint.hide()
        B = len(step.batch)
        self._sync_selector(B)
        self._selector_row.setVisible(B > 1)
        self.sample_selector.setEnabled(step.phase != "update")
        sample = self.selected_sample() if B > 1 else 0
        page = self._pages[_kind(step)]
        with np.errstate(all="ignore"):  # NaN and ±inf are shown, never warned about
            page.render(step, sample, self._checks)
        # the words and numbers under the matrices, from the same document as the exports
        doc = document(step, sample, NOTATION)
        page.equation.set_text(equation_text(doc))
        page.note.set_text(note_text(doc))
        self._switch(page)
        self._header.set_text(
            step.phase,
            f"{step.node} · {step.op} · iteration {step.iteration}, stop {step.index}",
            doc.detail,
        )
        self._settle()

    def _settle(self) -> None:
        """Lay the card out now rather than on the next event-loop pass, so that a paint
        or grab() right after show_step (the screenshot command, tests) shows this stop."""
        if self.isVisible():
            # Each pass settles one level (matrix → page → content → scroll area); the
            # events a pass posts wait for the next one.
            for _ in range(3):
                QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.LayoutRequest)
            # Widgets just shown ask to be painted with a posted UpdateLater, which Qt
            # delivers after the window's next paint: taken now, the new page is painted
            # in that paint, not in a second one.
            QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.UpdateLater)

    def _switch(self, page: _Page | None) -> None:
        if page is self._page:
            return
        if self._page is not None:
            self._page.hide()
        if page is not None:
            page.show()
        self._page = page

    # --- sample selection -------------------------------------------------------------------

    def _sync_selector(self, B: int) -> None:
        """Rebuild the choices when the batch size changes; keep the selection otherwise."""
        if self._batch_size == B:
            return
        self._batch_size = B
        if isinstance(self._sample, int) and self._sample >= B:
            self._sample = B - 1
        combo = self.sample_selector
        combo.blockSignals(True)
        try:
            combo.clear()
            for k in range(B):
                combo.addItem(f"sample {k + 1}", k)
            combo.addItem("mean", None)
            combo.setCurrentIndex(B if self._sample is None else self._sample)
        finally:
            combo.blockSignals(False)

    def _on_sample_index_changed(self, index: int) -> None:
        if index < 0:
            return
        self._sample = self.sample_selector.itemData(index)
        if self._step is not None:
            self.show_step(self._step, self._checks)
        self.sample_selected.emit(self._sample)

    def selected_sample(self) -> int | None:
        """The sample shown (index from 0), or None for the batch mean."""
        return self._sample

    def select_sample(self, sample: int | None) -> None:
        """Show sample ``sample`` (from 0) or the batch mean (None), as the selector would."""
        if sample is not None and self._batch_size > 1:
            sample = max(0, min(sample, self._batch_size - 1))
        self._sample = sample
        if self._batch_size > 1:
            index = self._batch_size if sample is None else sample
            if index != self.sample_selector.currentIndex():
                self.sample_selector.setCurrentIndex(index)
                return
        if self._step is not None:
            self.show_step(self._step, self._checks)

    # --- zoom and fonts ---------------------------------------------------------------------

    def _apply_font(self) -> None:
        # The card's own font follows the application (and its parent); the content gets
        # that font scaled, and every part sizes its cells from its font's metrics.
        font = scaled_font(self.font(), self._zoom)
        self._content.setFont(font)
        self._settle()

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.Resize and watched is self._scroll:
            margins = self._content.layout().contentsMargins()
            room = width_beside_bar(self._scroll) - margins.left() - margins.right()
            width = max(50, room)
            for label in self._texts:
                label.set_width(width)
            self._header.set_width(width)
        return super().eventFilter(watched, event)

    # --- what the user sees, for tests and for export -----------------------------------------

    def title_text(self) -> str:
        """The header line, e.g. "backward · a[3] · sigmoid · iteration 1, stop 7"."""
        return self._header.text()

    def detail_text(self) -> str:
        """The line under the header: the sample (x, y) or the batch."""
        return self._header.detail()

    def hint_text(self) -> str:
        """The hint shown before the first stop, or "" once a stop is shown."""
        return self._hint.text() if self._step is None else ""

    def kind(self) -> str:
        """The kind of stop shown: "backward linear", "update", … or "" for none."""
        return self._page.kind if self._page is not None else ""

    def equation_text(self) -> str:
        """The equation(s) under the matrices, numbers substituted."""
        return self._page.equation.text() if self._page is not None else ""

    def note_text(self) -> str:
        """The explanation under the equation (why ⊙, why the shortcut, …)."""
        return self._page.note.text() if self._page is not None else ""

    def section_texts(self) -> list[str]:
        """Titles of the extra sections shown (outer product, paths, shortcut)."""
        if self._page is None:
            return []
        return [t.text() for t in self._page.sections if t.isVisibleTo(self._page) and t.text()]

    def matrix_names(self) -> list[str]:
        """Names of the matrices the current stop shows."""
        if self._page is None:
            return []
        return [n for n, m in self._page.matrices.items() if m.isVisibleTo(self._page)]

    def matrix(self, name: str) -> MatrixWidget:
        """A matrix the current stop shows, by name (see ``matrix_names``)."""
        if name not in self.matrix_names():
            raise KeyError(f"{name!r} is not shown at this stop (shown: {self.matrix_names()})")
        assert self._page is not None
        return self._page.matrices[name]

    def badge(self, name: str) -> CheckBadge:
        """The check badge under a matrix: "downstream W" / "downstream b" at a linear
        backward stop, "grad" at an update stop."""
        badge = self.matrix(name).badge
        if badge is None:
            raise KeyError(f"{name!r} has no check badge")
        return badge

    def scroll_area(self) -> QtWidgets.QScrollArea:
        return self._scroll


def _kind(step: Step) -> str:
    if step.phase == "update":
        return "update"
    if step.node == "l":
        return f"{step.phase} loss"
    return f"{step.phase} {'linear' if step.op == 'linear' else 'activation'}"
