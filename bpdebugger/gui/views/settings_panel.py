"""The settings panel: the session's network, training, data and initialisation, editable.

The learning rate applies at once, through the debugger's edit verb (so it is recorded in
the timeline like any edit, and a step back across it shows the old rate). Everything else
needs a new network: the fields only mark themselves as pending until Apply (or Enter),
which writes them into the session's JSON (``SessionSpec.to_json``), validates that with
``parse_session`` (the one validator, so the panel never accepts what a session file
would not), asks before discarding a run in progress, and shows a new Session.

A refused change is one line in the panel, the offending field's label marked beside it,
and the session stays as it was.
"""

from __future__ import annotations

import inspect
import itertools
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from bpdebugger.debugger import Session
from bpdebugger.debugger.carry_over import carry_over
from bpdebugger.engine.activations import ACTIVATIONS
from bpdebugger.engine.data import DATASETS, MULTICLASS, generate
from bpdebugger.engine.errors import InputError
from bpdebugger.engine.losses import LOSSES
from bpdebugger.engine.network import INIT_SCHEMES
from bpdebugger.engine.session import SessionSpec, parse_session
from bpdebugger.engine.values import plural
from bpdebugger.gui.qt_session import QtSession
from bpdebugger.gui.theme import Zoomable, scaled_font

ERROR_COLOUR = QtGui.QColor("#D62728")

# generate()'s own defaults, so a set switched to from inline data starts where a session
# file without those keys would.
_GENERATE_DEFAULTS = {
    name: p.default
    for name, p in inspect.signature(generate).parameters.items()
    if p.default is not inspect.Parameter.empty
}


# data.py caps n at a million (a typo in a file, not a data set to step through).
MAX_SAMPLES = 1_000_000
MAX_SEED = 2**31 - 1  # QSpinBox holds a C int
MAX_CLASSES = 100

# The learning-rate field's range, and its arrow-key ladder 1, 2, 5 × 10ⁿ: a learning rate
# is tuned by factors, not by adding 0.01.
LR_MIN, LR_MAX = 1e-6, 100.0
LR_LADDER = tuple(
    m * 10.0**e for e in range(-6, 3) for m in (1, 2, 5) if LR_MIN <= m * 10.0**e <= LR_MAX
)

ACTIVATION_TIPS = {
    "tanh": "tanh: squashes z into (−1, 1); tanh′(z) = 1 − a².",
    "sigmoid": "sigmoid: σ(z) = 1 / (1 + e^−z), in (0, 1); σ′(z) = σ(z)·(1 − σ(z)).",
    "relu": "relu: max(z, 0); its gradient is 0 for z ≤ 0, so a unit can die.",
    "leaky_relu": "leaky relu: z for z > 0, 0.01·z otherwise; never a zero gradient.",
    "identity": "identity: a = z, a purely linear layer.",
    "softmax": "softmax (output only): probabilities over the classes, for cross_entropy.",
}

LOSS_TIPS = {
    "bce": "bce: binary cross-entropy; needs one sigmoid output unit and 0/1 labels.",
    "squared_error": "squared_error: ½·Σ (y − ŷ)², any output.",
    "cross_entropy": (
        "cross_entropy: −log of the right class's probability; needs a softmax output of "
        "at least 2 units and class indices as labels."
    ),
}

SCHEME_TIPS = {
    "xavier": "xavier (Glorot): uniform in ±√(6 / (fan_in + fan_out)); suits tanh and sigmoid.",
    "he": "he: normal with std √(2 / fan_in); keeps the variance of relu layers.",
    "uniform": "uniform: uniform in ±1/√fan_in.",
    "zeros": "zeros: every weight 0, so the units of a layer stay identical (symmetry).",
}

DATASET_TIPS = {
    "xor": "xor: two classes in opposite quadrants of the square.",
    "circles": "circles: a ring of radius 1 around a ring of radius 0.5.",
    "moons": "moons: two interleaved half circles.",
    "spiral": "spiral: one arm per class, winding once around the origin.",
    "gaussians": "gaussians: one blob per class, evenly around the unit circle.",
    "linear": "linear: two classes on either side of a line through the origin.",
}

_INT = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def parse_sizes(text: str) -> list[Any]:
    """The sizes field's text as the JSON list a session file would hold.

    Tokens are split at commas and spaces ("2, 2, 1", "2 2 1", "[2, 2, 1]"). Whole numbers
    become ints; anything else is passed on as it is (2.5, "abc") so that parse_session
    says what is wrong with it, in the words a session file would get.
    """
    out: list[Any] = []
    for token in re.split(r"[,\s]+", text.strip().strip("[]")):
        if not token:
            continue
        if _INT.fullmatch(token):
            out.append(int(token))
        elif _FLOAT.fullmatch(token):
            out.append(float(token))
        else:
            out.append(token)
    return out


def sizes_text(sizes: Any) -> str:
    return ", ".join(str(n) for n in sizes)


def _training_count(total: int, test_fraction: float) -> int:
    """Training samples left of ``total`` after the split (data.split's rounding)."""
    return total - round(total * test_fraction)


def moved_past_start(session: Session) -> bool:
    """Whether the session holds a run worth asking about before it is discarded: a stop
    reached, a breakpoint hit, or an edit of a parameter or the data (a learning-rate edit
    is carried into the rebuilt session by the panel)."""
    return (
        session.current is not None
        or session.reached != session.position
        or any(bp.hits for bp in session.breakpoints)
        or any(e.name != "lr" for e in session.history.edits)
    )


class NumberSpinBox(QtWidgets.QDoubleSpinBox):
    """A QDoubleSpinBox that shows its value without trailing zeros ("0.5", not "0.500")."""

    def __init__(
        self,
        low: float,
        high: float,
        decimals: int,
        step: float,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setDecimals(decimals)
        self.setRange(low, high)
        self.setSingleStep(step)

    def textFromValue(self, value: float) -> str:
        text = self.locale().toString(value, "f", self.decimals())
        point = self.locale().decimalPoint()
        if point in text:
            text = text.rstrip("0").rstrip(point)
        return text


class LearningRateSpinBox(NumberSpinBox):
    """A learning-rate field: 1e-6 … 100 with six decimals, the arrow keys walking the
    1, 2, 5 × 10ⁿ ladder."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(LR_MIN, LR_MAX, 6, 1.0, parent)
        # The value commits on Enter, focus loss or an arrow step, not on every keystroke:
        # each commit is an edit in the timeline.
        self.setKeyboardTracking(False)

    def stepBy(self, steps: int) -> None:
        value = self.value()
        for _ in range(abs(steps)):
            if steps > 0:
                value = next((v for v in LR_LADDER if v > value * (1 + 1e-9)), LR_MAX)
            else:
                value = next((v for v in reversed(LR_LADDER) if v < value * (1 - 1e-9)), LR_MIN)
        self.setValue(value)

    def stepEnabled(self) -> QtWidgets.QAbstractSpinBox.StepEnabledFlag:
        flags = QtWidgets.QAbstractSpinBox.StepEnabledFlag.StepNone
        if self.value() < LR_MAX:
            flags |= QtWidgets.QAbstractSpinBox.StepEnabledFlag.StepUpEnabled
        if self.value() > LR_MIN:
            flags |= QtWidgets.QAbstractSpinBox.StepEnabledFlag.StepDownEnabled
        return flags


class SizesEdit(QtWidgets.QLineEdit):
    """The layer-sizes field: never narrower than a typical architecture's text, so that at a
    large zoom the form puts it under its label rather than cutting "2, 16, 16, 1" short."""

    SAMPLE = "2, 16, 16, 1"

    def minimumSizeHint(self) -> QtCore.QSize:
        hint = super().minimumSizeHint()
        margins = self.textMargins()
        frame = 2 * self.style().pixelMetric(QtWidgets.QStyle.PixelMetric.PM_DefaultFrameWidth)
        text = self.fontMetrics().horizontalAdvance(self.SAMPLE)
        width = (
            text + margins.left() + margins.right() + frame + self.fontMetrics().averageCharWidth()
        )
        return QtCore.QSize(max(hint.width(), width), hint.height())


def _default_ask(parent: QtWidgets.QWidget) -> Callable[[str], bool]:
    def ask(question: str) -> bool:
        box = QtWidgets.QMessageBox(parent)
        box.setIcon(QtWidgets.QMessageBox.Icon.Question)
        box.setWindowTitle("Rebuild the network?")
        box.setText(question)
        rebuild = box.addButton("Discard and rebuild", QtWidgets.QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QtWidgets.QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(rebuild)
        box.exec()
        return box.clickedButton() is rebuild

    return ask


class SettingsPanel(Zoomable, QtWidgets.QWidget):
    """The current session's settings; the learning rate applies at once, the rest on Apply.

    ``ask(question) -> bool`` confirms discarding a run (a dialog by default; tests pass
    their own).
    """

    rebuilt = QtCore.Signal(object)  # the new Session, after Apply replaced the old one

    def __init__(self, qt: QtSession, ask: Callable[[str], bool] | None = None) -> None:
        super().__init__()
        self.qt = qt
        self._ask = ask if ask is not None else _default_ask(self)
        self._zoom = 1.0
        self._loading = False  # fields being filled from the session: not a user's change
        self._loaded: tuple[Any, ...] = ()
        self._original_data: dict[str, Any] | None = None  # inline / CSV data of the session
        self._row_labels: dict[QtWidgets.QWidget, QtWidgets.QLabel] = {}
        self._label_texts: dict[QtWidgets.QLabel, str] = {}
        self._marked: list[QtWidgets.QLabel] = []
        self._editing = False  # inside our own qt.edit call
        self._refusal: str | None = None  # what qt.refused said during it
        # Each number field's value as loaded and the session's own value behind it: a field
        # the user left alone gives back the session's number, not its rounded or clamped
        # display (a file's momentum 0.9999 in a field of three decimals).
        self._put_values: dict[QtWidgets.QAbstractSpinBox, tuple[float, Any]] = {}
        self.activation_combos: list[QtWidgets.QComboBox] = []

        self._build()
        qt.session_replaced.connect(self._on_session_replaced)
        qt.step_taken.connect(self._on_step_taken)
        qt.refused.connect(self._on_refused)
        self._load(qt.session)

    # --- construction -------------------------------------------------------------------------

    def _build(self) -> None:
        # Alt+letter mnemonics: only letters the window leaves free (its menus take D and V,
        # the breakpoints panel N, H, I, T, C and W); rarer fields are reached by Tab.
        self._forms: list[tuple[QtWidgets.QGroupBox, QtWidgets.QFormLayout]] = []
        self._wrapped: bool | None = None
        self._content = QtWidgets.QWidget()
        column = QtWidgets.QVBoxLayout(self._content)
        column.setContentsMargins(4, 4, 4, 4)  # the dock around the panel has its own margin
        column.addWidget(self._build_architecture())
        column.addWidget(self._build_training())
        column.addWidget(self._build_data())
        column.addWidget(self._build_init())
        column.addLayout(self._build_buttons())
        self._message = QtWidgets.QLabel()
        self._message.setObjectName("settings_message")
        self._message.setWordWrap(True)  # one message; wrapped rather than cut in a narrow dock
        self._message.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self._message.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self._message)
        column.addStretch(1)

        # At 200 % zoom in a narrow dock the form is taller than the dock: it scrolls
        # rather than squeezing fields until their text is clipped.
        scroll = QtWidgets.QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        scroll.setWidget(self._content)
        scroll.installEventFilter(self)  # its width decides whether labels go above fields
        self._scroll = scroll
        outer = QtWidgets.QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    def _form(self, title: str) -> tuple[QtWidgets.QGroupBox, QtWidgets.QFormLayout]:
        box = QtWidgets.QGroupBox(title)
        form = QtWidgets.QFormLayout(box)
        form.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._forms.append((box, form))
        return box, form

    def _row(
        self,
        form: QtWidgets.QFormLayout,
        text: str,
        field: QtWidgets.QWidget,
        tip: str,
        widget: QtWidgets.QWidget | QtWidgets.QLayout | None = None,
        row: int = -1,
    ) -> QtWidgets.QLabel:
        """A labelled row (at the end, or inserted at ``row``) showing ``widget`` (by
        default ``field``); ``text``'s & makes Alt+letter jump to ``field``."""
        label = QtWidgets.QLabel(text)
        label.setBuddy(field)
        label.setToolTip(tip)
        field.setToolTip(tip)
        self._row_labels[field] = label
        self._label_texts[label] = text
        form.insertRow(row, label, widget or field)
        return label

    def _build_architecture(self) -> QtWidgets.QGroupBox:
        box, form = self._form("Architecture")
        self.sizes_field = SizesEdit()
        self.sizes_field.setObjectName("sizes")
        self.sizes_field.setPlaceholderText("2, 2, 1")
        self._row(
            form,
            "Layer &sizes:",
            self.sizes_field,
            "Units per layer, input first, output last, separated by commas: 2, 2, 1 is two "
            "inputs, one hidden layer of two units and one output. A new network: Apply or "
            "Enter.",
        )
        self.sizes_field.textChanged.connect(self._on_sizes_edited)

        # One activation row per layer after the input goes between the sizes and the loss
        # (rows 1 …), in the same form so that the fields line up.
        self._architecture = form

        self.loss_combo = QtWidgets.QComboBox()
        self.loss_combo.setObjectName("loss")
        self._fill(self.loss_combo, list(LOSSES), LOSS_TIPS)
        self._row(
            form,
            "&Loss:",
            self.loss_combo,
            "The loss l(ŷ, y) of one sample; a batch's loss is the mean.\n"
            + "\n".join(LOSS_TIPS.values()),
        )
        self.loss_combo.currentIndexChanged.connect(self._on_changed)
        return box

    def _build_training(self) -> QtWidgets.QGroupBox:
        box, form = self._form("Training")
        self.lr_field = LearningRateSpinBox()
        self.lr_field.setObjectName("learning_rate")
        self._row(
            form,
            "Learning &rate η:",
            self.lr_field,
            "η in W ← W − η·∂l/∂W. Applies at once, from the current stop on, and is recorded "
            "in the timeline like an edit (stepping back across it shows the old rate). The "
            "arrow keys step through 1, 2, 5 × 10ⁿ; type any value from 0.000001 to 100.",
        )
        self.lr_field.valueChanged.connect(self._on_lr_changed)

        # [0, 1): at 1 the velocity would never decay.
        self.momentum_field = NumberSpinBox(0.0, 0.999, 3, 0.1)
        self.momentum_field.setObjectName("momentum")
        self._row(
            form,
            "&Momentum μ:",
            self.momentum_field,
            "μ as in PyTorch's SGD: v ← μ·v + g, then W ← W − η·v (g = ∂l/∂W). 0 is plain "
            "gradient descent; must be below 1. Needs Apply.",
        )
        self.momentum_field.valueChanged.connect(self._on_changed)

        self.batch_field = QtWidgets.QSpinBox()
        self.batch_field.setObjectName("batch_size")
        self.batch_field.setMinimum(1)
        self._batch_of = QtWidgets.QLabel()
        batch_row = QtWidgets.QHBoxLayout()
        batch_row.addWidget(self.batch_field, 1)
        batch_row.addWidget(self._batch_of)
        self._row(
            form,
            "&Batch size:",
            self.batch_field,
            "Samples per iteration, 1 to the number of training samples; the gradient is "
            "the batch mean. Needs Apply.",
            batch_row,
        )
        self.batch_field.valueChanged.connect(self._on_changed)

        self.shuffle_check = QtWidgets.QCheckBox("Sh&uffle each epoch")
        self.shuffle_check.setObjectName("shuffle")
        self.shuffle_check.setToolTip(
            "On: a new order of the samples every epoch, seeded by the initialisation seed. "
            "Off: batches in file order, wrapping around. Needs Apply."
        )
        form.addRow(self.shuffle_check)
        self.shuffle_check.toggled.connect(self._on_changed)
        return box

    def _build_data(self) -> QtWidgets.QGroupBox:
        box, form = self._form("Data")
        self._data_form = form
        self.data_combo = QtWidgets.QComboBox()
        self.data_combo.setObjectName("dataset")
        self._row(
            form,
            "Data s&et:",
            self.data_combo,
            "The training data: the session's own (inline or a CSV file) or a generated toy "
            "set with two features. Needs Apply.\n" + "\n".join(DATASET_TIPS.values()),
        )
        self.data_combo.currentIndexChanged.connect(self._on_data_kind_changed)

        self.data_description = QtWidgets.QLabel()
        self.data_description.setObjectName("data_description")
        self.data_description.setWordWrap(True)
        form.addRow(self.data_description)

        self.n_field = QtWidgets.QSpinBox()
        self.n_field.setObjectName("n")
        self.n_field.setRange(1, MAX_SAMPLES)
        self.n_field.setSingleStep(50)
        self._row(
            form,
            "Sam&ples n:",
            self.n_field,
            "How many samples to generate in all, training and test together.",
        )
        self.noise_field = NumberSpinBox(0.0, 10.0, 3, 0.05)
        self.noise_field.setObjectName("noise")
        self._row(
            form,
            "N&oise:",
            self.noise_field,
            "Standard deviation of the Gaussian jitter added to every generated point.",
        )
        self.classes_field = QtWidgets.QSpinBox()
        self.classes_field.setObjectName("classes")
        self.classes_field.setRange(2, MAX_CLASSES)
        self._row(
            form,
            "Classes:",
            self.classes_field,
            "Number of classes, for spiral and gaussians (the other sets have two). With "
            "cross_entropy the output needs at least this many units.",
        )
        self.data_seed_field = QtWidgets.QSpinBox()
        self.data_seed_field.setObjectName("data_seed")
        self.data_seed_field.setRange(0, MAX_SEED)
        self._row(
            form,
            "Data seed:",
            self.data_seed_field,
            "Seed of the generator and of the train/test split: the same seed, the same samples.",
        )
        self.test_fraction_field = NumberSpinBox(0.0, 0.95, 2, 0.05)
        self.test_fraction_field.setObjectName("test_fraction")
        self._row(
            form,
            "Test &fraction:",
            self.test_fraction_field,
            "Share of the samples held out for testing, rounded: 0.25 of 100 samples is 25 "
            "for testing and 75 for training.",
        )
        for spin in (self.n_field, self.data_seed_field, self.classes_field):
            spin.valueChanged.connect(self._on_changed)
        for dspin in (self.noise_field, self.test_fraction_field):
            dspin.valueChanged.connect(self._on_changed)
        return box

    def _build_init(self) -> QtWidgets.QGroupBox:
        box, form = self._form("Initialisation")
        self.scheme_combo = QtWidgets.QComboBox()
        self.scheme_combo.setObjectName("init_scheme")
        self._fill(self.scheme_combo, list(INIT_SCHEMES), SCHEME_TIPS)
        scheme_tip = "How the starting weights are drawn (biases start at 0).\n" + "\n".join(
            SCHEME_TIPS.values()
        )
        self._row(form, "Scheme:", self.scheme_combo, scheme_tip)
        self.init_seed_field = QtWidgets.QSpinBox()
        self.init_seed_field.setObjectName("init_seed")
        self.init_seed_field.setRange(0, MAX_SEED)
        self._row(
            form,
            "Init seed:",
            self.init_seed_field,
            "Seed of the starting weights (and of shuffling): the same seed, the same numbers.",
        )
        self.params_note = QtWidgets.QLabel(
            "This session gives its starting parameters explicitly: changing the sizes, the "
            "scheme or the seed replaces them with freshly drawn ones."
        )
        self.params_note.setObjectName("params_note")
        self.params_note.setWordWrap(True)
        form.addRow(self.params_note)
        self.scheme_combo.currentIndexChanged.connect(self._on_changed)
        self.init_seed_field.valueChanged.connect(self._on_changed)
        return box

    def _build_buttons(self) -> QtWidgets.QHBoxLayout:
        row = QtWidgets.QHBoxLayout()
        self.apply_button = QtWidgets.QPushButton("&Apply")
        self.apply_button.setObjectName("apply")
        self.apply_button.setToolTip(
            "Build a new network from these settings (Enter); asks before discarding a run "
            "in progress. The learning rate needs no Apply."
        )
        self.apply_button.clicked.connect(self.apply)
        self.revert_button = QtWidgets.QPushButton("Revert")
        self.revert_button.setObjectName("revert")
        self.revert_button.setToolTip("Back to the session's settings (Esc)")
        self.revert_button.clicked.connect(self.revert)
        self.modified_label = QtWidgets.QLabel()
        self.modified_label.setObjectName("modified")
        row.addWidget(self.apply_button)
        row.addWidget(self.revert_button)
        row.addWidget(self.modified_label, 1)
        return row

    @staticmethod
    def _fill(combo: QtWidgets.QComboBox, names: list[str], tips: dict[str, str]) -> None:
        """Add named items with their tooltips; the combo asks for room for its longest
        name (capped), so the form wraps its row at a large zoom instead of cutting it."""
        combo.setSizeAdjustPolicy(
            QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        longest = max([len(combo.itemText(i)) for i in range(combo.count())] + [0])
        combo.setMinimumContentsLength(min(10, max(longest, *map(len, names))))
        for name in names:
            combo.addItem(name, name)
            combo.setItemData(
                combo.count() - 1, tips.get(name, ""), QtCore.Qt.ItemDataRole.ToolTipRole
            )

    # --- activations per layer ------------------------------------------------------------

    def _set_layer_count(self, count: int, keep: list[str] | None = None) -> None:
        """``count`` activation combos (layers after the input), the last for the output.

        Values are kept: the output keeps the output's, a new hidden layer takes the
        hidden layer before it (or tanh), so typing "2, 3, 3, 1" after "2, 3, 1" adds a
        tanh layer and leaves the sigmoid output alone.
        """
        count = max(1, count)
        current = keep if keep is not None else [c.currentText() for c in self.activation_combos]
        if keep is None and len(current) == count:
            self._label_layers()
            return
        hidden, output = (current[:-1], current[-1]) if current else ([], "sigmoid")
        while len(hidden) < count - 1:
            hidden.append(hidden[-1] if hidden else "tanh")
        hidden = hidden[: count - 1]
        values = [*hidden, output]

        form = self._architecture
        for combo in self.activation_combos:
            label = self._row_labels.pop(combo)
            self._label_texts.pop(label, None)
            if label in self._marked:
                self._marked.remove(label)
            form.removeRow(combo)  # deletes the combo and its label
        self.activation_combos = []
        names = list(ACTIVATIONS)
        hidden_names = [n for n in names if not ACTIVATIONS[n].output_only]
        for i, value in enumerate(values):
            output_layer = i == count - 1
            combo = QtWidgets.QComboBox()
            combo.setObjectName(f"activation_{i + 2}")
            # Output-only activations (softmax) are not offered where they cannot go.
            self._fill(combo, names if output_layer else hidden_names, ACTIVATION_TIPS)
            j = combo.findData(value)
            combo.setCurrentIndex(j if j >= 0 else combo.findData("tanh"))
            combo.currentIndexChanged.connect(self._on_changed)
            self._row(
                form,
                "",
                combo,
                f"The activation a[{i + 2}] = f(z[{i + 2}]) of layer {i + 2}.\n"
                + "\n".join(ACTIVATION_TIPS[n] for n in combo_names(combo)),
                row=1 + i,  # after the sizes
            )
            self.activation_combos.append(combo)
        self._label_layers()
        self._order_tabs()
        self._update_wrapping(force=True)

    def _label_layers(self) -> None:
        """Name each activation row by its layer: hidden or the output."""
        count = len(self.activation_combos)
        for i, combo in enumerate(self.activation_combos):
            role = "output" if i == count - 1 else "hidden"
            label = self._row_labels[combo]
            text = f"a[{i + 2}] {role}:"
            self._label_texts[label] = text
            label.setText(text)

    def _update_wrapping(self, force: bool = False) -> None:
        """Labels beside their fields, in one column across all groups, when the panel is
        wide enough for every row; otherwise every label above its field. All or nothing:
        Qt's per-row wrapping leaves a ragged mix in a narrow dock."""
        labels: list[QtWidgets.QWidget] = []
        field_width = 0
        for _, form in self._forms:
            for r in range(form.rowCount()):
                label = form.itemAt(r, QtWidgets.QFormLayout.ItemRole.LabelRole)
                field = form.itemAt(r, QtWidgets.QFormLayout.ItemRole.FieldRole)
                if label is None or field is None or label.widget() is None:
                    continue
                if label.widget().isHidden():
                    continue
                labels.append(label.widget())
                field_width = max(field_width, field.minimumSize().width())
        if not labels:
            return
        label_width = max(w.sizeHint().width() for w in labels)
        box, form = self._forms[0]
        margins = form.contentsMargins()
        outer = self._content.layout().contentsMargins()
        overhead = (
            outer.left()
            + outer.right()
            + (box.width() - box.contentsRect().width())
            + margins.left()
            + margins.right()
        )
        # Measured against the scroll area as if its scroll bar were showing, so that the
        # bar coming or going (as the form grows taller) cannot flip the decision back.
        bar = self.style().pixelMetric(QtWidgets.QStyle.PixelMetric.PM_ScrollBarExtent)
        available = self._scroll.width() - bar
        need = overhead + label_width + form.horizontalSpacing() + field_width
        wrapped = need > available
        if wrapped == self._wrapped and not force:
            return
        self._wrapped = wrapped
        policy = QtWidgets.QFormLayout.RowWrapPolicy
        for _, f in self._forms:
            f.setRowWrapPolicy(policy.WrapAllRows if wrapped else policy.DontWrapRows)
        for w in labels:
            w.setMinimumWidth(0 if wrapped else label_width)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if watched is self._scroll and event.type() == QtCore.QEvent.Type.Resize:
            self._update_wrapping()
        return super().eventFilter(watched, event)

    def _order_tabs(self) -> None:
        """Tab goes top to bottom: the combos made later would otherwise come last."""
        chain: list[QtWidgets.QWidget] = [
            self.sizes_field,
            *self.activation_combos,
            self.loss_combo,
            self.lr_field,
            self.momentum_field,
            self.batch_field,
            self.shuffle_check,
            self.data_combo,
            self.n_field,
            self.noise_field,
            self.classes_field,
            self.data_seed_field,
            self.test_fraction_field,
            self.scheme_combo,
            self.init_seed_field,
            self.apply_button,
            self.revert_button,
        ]
        for first, second in itertools.pairwise(chain):
            QtWidgets.QWidget.setTabOrder(first, second)

    # --- loading the session into the fields ---------------------------------------------

    @property
    def session(self) -> Session:
        return self.qt.session

    def _on_session_replaced(self, session: Session) -> None:
        self._load(session)
        self._show_message("")

    def _load(self, session: Session) -> None:
        """Fill every field from the session; nothing is pending afterwards."""
        spec = session.spec
        self._loading = True
        try:
            self.sizes_field.setText(sizes_text(spec.sizes))
            self._set_layer_count(len(spec.activations), list(spec.activations))
            self._select(self.loss_combo, spec.loss)
            self._show_lr()
            self._put(self.momentum_field, spec.momentum)
            self.shuffle_check.setChecked(spec.shuffle)
            self._load_data(spec)
            self._select(self.scheme_combo, spec.init_scheme)
            self._put(self.init_seed_field, spec.init_seed)
            self.params_note.setVisible(spec.params is not None)
            self._put(self.batch_field, spec.batch_size)
        finally:
            self._loading = False
        self._clear_marks()
        self._loaded = self._state()
        self._update_modified()

    def _load_data(self, spec: SessionSpec) -> None:
        data = spec.data
        generated = "dataset" in data
        self._original_data = None if generated else dict(data)
        self.data_combo.clear()
        if not generated:
            # The session's own data comes first, described; the generated sets follow.
            self.data_combo.addItem(self._own_data_name(spec), None)
            where = f"the file {data['csv']}" if "csv" in data else "the session file itself"
            self.data_combo.setItemData(
                0,
                f"The session's own data: {self._describe_own(spec)}, in {where}.",
                QtCore.Qt.ItemDataRole.ToolTipRole,
            )
        self._fill(self.data_combo, list(DATASETS), DATASET_TIPS)
        self._select(self.data_combo, data["dataset"] if generated else None)
        d = _GENERATE_DEFAULTS
        source = data if generated else {}
        self._put(self.n_field, int(source.get("n", d["n"])))
        self._put(self.noise_field, float(source.get("noise", d["noise"])))
        self._put(self.classes_field, int(source.get("classes", d["classes"])))
        self._put(self.data_seed_field, int(data.get("seed", d["seed"])))
        self._put(self.test_fraction_field, float(data.get("test_fraction", d["test_fraction"])))
        self._update_data_fields()

    @staticmethod
    def _own_data_name(spec: SessionSpec) -> str:
        if "csv" in spec.data:
            return f"{Path(spec.data['csv']).name} (CSV)"
        return "inline samples"

    def _total_samples(self, spec: SessionSpec) -> int:
        x_test = spec.dataset.x_test
        return len(spec.dataset) + (0 if x_test is None else len(x_test))

    def _describe_own(self, spec: SessionSpec) -> str:
        total = self._total_samples(spec)
        where = f" from {Path(spec.data['csv']).name}" if "csv" in spec.data else ", inline"
        return plural(total, "sample") + where

    def _put(self, field: QtWidgets.QSpinBox | QtWidgets.QDoubleSpinBox, value: Any) -> None:
        """Show a session value in a number field, remembering the value behind it."""
        field.setValue(value)
        self._put_values[field] = (field.value(), value)

    def _get(self, field: QtWidgets.QSpinBox | QtWidgets.QDoubleSpinBox) -> Any:
        """A number field's value for the session: the session's own where left alone."""
        shown, value = self._put_values.get(field, (None, None))
        return value if field.value() == shown else field.value()

    def _current_lr(self) -> float:
        """The learning rate in effect at the current stop (edits included)."""
        session = self.session
        try:
            return float(session.context().value("lr"))
        except (ValueError, LookupError):  # pragma: no cover - the context always has lr
            return session.spec.learning_rate

    def _show_lr(self) -> None:
        """Show the learning rate in effect at the current stop."""
        lr = self._current_lr()
        if not math.isclose(self.lr_field.value(), lr, rel_tol=1e-12):
            blocked = self.lr_field.blockSignals(True)
            self.lr_field.setValue(lr)
            self.lr_field.blockSignals(blocked)

    @staticmethod
    def _select(combo: QtWidgets.QComboBox, data: Any) -> None:
        j = combo.findData(data)
        if j >= 0:
            combo.setCurrentIndex(j)

    # --- reacting to the user ---------------------------------------------------------------

    def _on_step_taken(self, _step: object) -> None:
        # Stepping back across a learning-rate edit (or a restart) changes the rate in effect.
        self._show_lr()

    def _on_refused(self, message: str) -> None:
        if self._editing:
            self._refusal = message

    def _on_lr_changed(self, value: float) -> None:
        if self._loading:
            return
        self._editing, self._refusal = True, None
        try:
            applied = self.qt.edit("lr", None, float(value))
        finally:
            self._editing = False
        refusal = self._refusal
        if applied:
            self._show_message(f"Learning rate {self.lr_field.textFromValue(value)} from here on.")
            return
        # Refused (running, say): the field goes back to the rate the session really has.
        self._show_message(f"Learning rate not changed: {refusal or 'refused'}", error=True)
        self._show_lr()

    def _on_sizes_edited(self, _text: str) -> None:
        if self._loading:
            return
        tokens = parse_sizes(self.sizes_field.text())
        if len(tokens) >= 2:
            self._set_layer_count(len(tokens) - 1)
        else:
            self._label_layers()
        self._on_changed()

    def _on_data_kind_changed(self, _index: int) -> None:
        self._update_data_fields()
        self._on_changed()

    def _update_data_fields(self) -> None:
        name = self.data_combo.currentData()
        generated = name is not None
        # The session's own data has no n or noise: those rows show only for a generated set,
        # classes only for the sets that take more than two.
        self._data_form.setRowVisible(self.n_field, generated)
        self._data_form.setRowVisible(self.noise_field, generated)
        self._data_form.setRowVisible(self.classes_field, name in MULTICLASS)
        self._update_wrapping(force=True)
        self._update_counts()

    def _update_counts(self) -> None:
        """The description of the chosen data and the batch size's upper bound."""
        name = self.data_combo.currentData()
        fraction = self.test_fraction_field.value()
        if name is None:
            spec = self.session.spec
            total = self._total_samples(spec)
            head = self._describe_own(spec)
        else:
            total = self.n_field.value()
            head = plural(total, "sample")
        train = _training_count(total, fraction)
        split = "all for training" if train == total else f"{train} training, {total - train} test"
        self.data_description.setText(f"{head} · {split}")
        # QSpinBox clamps a larger value to the new maximum, which is what a file would need.
        self.batch_field.setMaximum(max(1, train))
        self._batch_of.setText(f"of {train}")

    def _on_changed(self, *_args: object) -> None:
        if self._loading:
            return
        self._update_counts()
        self._clear_marks()
        self._update_modified()

    def _state(self) -> tuple[Any, ...]:
        """Everything Apply would change, to tell whether anything is pending."""
        name = self.data_combo.currentData()
        return (
            tuple(parse_sizes(self.sizes_field.text())),
            tuple(c.currentData() for c in self.activation_combos),
            self.loss_combo.currentData(),
            self.momentum_field.value(),
            self.batch_field.value(),
            self.shuffle_check.isChecked(),
            name,
            self.n_field.value() if name else None,
            self.noise_field.value() if name else None,
            self.classes_field.value() if name in MULTICLASS else None,
            self.data_seed_field.value(),
            self.test_fraction_field.value(),
            self.scheme_combo.currentData(),
            self.init_seed_field.value(),
        )

    def is_modified(self) -> bool:
        """Whether some field differs from the session (Apply would build a new network)."""
        return self._state() != self._loaded

    def _update_modified(self) -> None:
        modified = self.is_modified()
        self.apply_button.setEnabled(modified)
        self.revert_button.setEnabled(modified)
        self.modified_label.setText("modified, not applied" if modified else "")

    def revert(self) -> None:
        """Back to the session's settings, nothing pending."""
        self._load(self.session)

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        # Fields pass Enter and Esc on (QLineEdit, spin boxes and closed combos ignore
        # them), so they arrive here from whichever field has the focus.
        key = event.key()
        if key in (QtCore.Qt.Key.Key_Return, QtCore.Qt.Key.Key_Enter):
            focused = self.focusWidget()
            if isinstance(focused, QtWidgets.QAbstractButton):
                focused.animateClick()
            elif self.is_modified():
                self.apply()
            event.accept()
            return
        if key == QtCore.Qt.Key.Key_Escape and self.is_modified():
            self.revert()
            event.accept()
            return
        super().keyPressEvent(event)

    # --- applying ---------------------------------------------------------------------------

    def spec_json(self) -> dict[str, Any]:
        """The session file the fields describe: the current session's JSON with the
        panel's fields written in (not validated)."""
        session = self.session
        spec = session.spec
        obj = spec.to_json()
        sizes = parse_sizes(self.sizes_field.text())
        obj["network"] = {
            "sizes": sizes,
            "activations": [c.currentData() for c in self.activation_combos],
            "loss": self.loss_combo.currentData(),
        }
        scheme, seed = self.scheme_combo.currentData(), self._get(self.init_seed_field)
        obj["init"] = {"scheme": scheme, "seed": seed}
        # Explicit parameters belong to these sizes and stand instead of the init draw:
        # a new shape or a new draw replaces them (the confirmation says so).
        if "params" in obj and (
            sizes != list(spec.sizes) or (scheme, seed) != (spec.init_scheme, spec.init_seed)
        ):
            del obj["params"]
        obj["training"] = {
            # The rate in effect now, which may differ from the file's after an edit (and is
            # what the field shows, unless the file's lies outside the field's range).
            "learning_rate": self._current_lr(),
            "batch_size": self._get(self.batch_field),
            "shuffle": self.shuffle_check.isChecked(),
            "momentum": self._get(self.momentum_field),
        }
        obj["data"] = self._data_json()
        # A rebuilt session starts at its beginning: no resume point, no saved position.
        obj.pop("resume", None)
        if "view" in obj:
            obj["view"] = {k: v for k, v in obj["view"].items() if k != "position"}
        return obj

    def _data_json(self) -> dict[str, Any]:
        name = self.data_combo.currentData()
        seed, fraction = self._get(self.data_seed_field), self._get(self.test_fraction_field)
        if name is None:
            data = dict(self._original_data or {})
            # Written only where they say something, so an untouched file stays the same.
            if seed != _GENERATE_DEFAULTS["seed"] or "seed" in data:
                data["seed"] = seed
            if fraction != _GENERATE_DEFAULTS["test_fraction"] or "test_fraction" in data:
                data["test_fraction"] = fraction
            return data
        data = {
            "dataset": name,
            "n": self._get(self.n_field),
            "noise": self._get(self.noise_field),
            "seed": seed,
            "test_fraction": fraction,
        }
        if name in MULTICLASS:
            data["classes"] = self._get(self.classes_field)
        return data

    def apply(self) -> bool:
        """Build, validate and (after asking, if a run would be lost) show a new session
        from the fields; whether the session was replaced."""
        if not self.is_modified():
            return False
        old = self.session
        try:
            spec = parse_session(self.spec_json())
        except InputError as e:
            self._refuse(e)
            return False
        question = self._question(old, spec)
        if question is not None and not self._ask(question):
            self.revert()
            self._show_message("Kept the current run; the settings are back to its own.")
            return False
        try:
            session = Session(spec)
        except (InputError, ValueError) as e:
            self._refuse(e)
            return False
        notes = carry_over(old, session)
        self.qt.replace(session)  # reloads the fields through session_replaced
        summary = f"Rebuilt: {sizes_text(spec.sizes)}, {spec.loss}, {self._data_name(spec)}."
        self._show_message(" ".join([summary, *notes]))
        self.rebuilt.emit(session)
        return True

    def _question(self, old: Session, spec: SessionSpec) -> str | None:
        """What to ask before the rebuild, or None when nothing would be lost."""
        moved = moved_past_start(old)
        drops_params = old.spec.params is not None and spec.params is None
        if not moved and not drops_params:
            return None
        changes = self._changes(old.spec, spec)
        what = "; ".join(changes) if changes else "the same settings"
        k, i = old.position
        if moved:
            where = f"at stop {i} of iteration {k}" if i else f"back at iteration {k}"
            head = f"Discard the current run ({where}) and rebuild with {what}?"
        else:
            head = f"Rebuild with {what}?"
        lines = [head]
        if drops_params:
            lines.append(
                "The starting parameters the session gives are replaced by ones drawn "
                f"by {spec.init_scheme} from seed {spec.init_seed}."
            )
        lines.append("Breakpoints and watches that fit the new network are kept.")
        return "\n\n".join(lines)

    def _changes(self, a: SessionSpec, b: SessionSpec) -> list[str]:
        """What differs between two specs, as "sizes 2, 2, 1 → 2, 3, 1"."""
        out = []
        pairs = (
            ("sizes", sizes_text(a.sizes), sizes_text(b.sizes)),
            ("activations", sizes_text(a.activations), sizes_text(b.activations)),
            ("loss", a.loss, b.loss),
            ("momentum", f"{a.momentum:g}", f"{b.momentum:g}"),
            ("batch size", str(a.batch_size), str(b.batch_size)),
            ("shuffle", "on" if a.shuffle else "off", "on" if b.shuffle else "off"),
            ("data", self._data_name(a), self._data_name(b)),
            (
                "init",
                f"{a.init_scheme}, seed {a.init_seed}",
                f"{b.init_scheme}, seed {b.init_seed}",
            ),
        )
        for name, before, after in pairs:
            if before != after:
                out.append(f"{name} {before} → {after}")
        return out

    @staticmethod
    def _data_name(spec: SessionSpec) -> str:
        data = spec.data
        if "dataset" in data:
            args = ", ".join(f"{k} {data[k]}" for k in ("n", "noise", "seed") if k in data)
            fraction = data.get("test_fraction", 0)
            if fraction:
                args += f", test {fraction:g}"
            return f"{data['dataset']} ({args})" if args else str(data["dataset"])
        if "csv" in data:
            return Path(data["csv"]).name
        return f"inline data ({plural(len(spec.dataset), 'training sample')})"

    # --- messages and marks -----------------------------------------------------------------

    def _refuse(self, error: Exception) -> None:
        """Show why the settings were refused, and mark the field it names."""
        self._show_message(str(error), error=True)
        field = getattr(error, "field", None) or ""
        widget = self._field_widget(field)
        if widget is not None:
            self._mark(widget, str(error))

    def _field_widget(self, field: str) -> QtWidgets.QWidget | None:
        """The field of the panel that a validator's field name ("network.loss") is about."""
        m = re.match(r"network\.activations\[(\d+)\]", field)
        if m and int(m.group(1)) < len(self.activation_combos):
            return self.activation_combos[int(m.group(1))]
        prefixes = (
            ("network.sizes", self.sizes_field),
            ("network.activations", self.activation_combos[0] if self.activation_combos else None),
            ("network.loss", self.loss_combo),
            ("training.learning_rate", self.lr_field),
            ("training.momentum", self.momentum_field),
            ("training.batch_size", self.batch_field),
            ("training.shuffle", self.shuffle_check),
            ("data.n", self.n_field),
            ("data.noise", self.noise_field),
            ("data.classes", self.classes_field),
            ("data.seed", self.data_seed_field),
            ("data.test_fraction", self.test_fraction_field),
            ("init.scheme", self.scheme_combo),
            ("init.seed", self.init_seed_field),
            ("params", self.scheme_combo),
            ("data", self.data_combo),  # data.x, data.y, data.dataset, a CSV's own errors
        )
        for prefix, widget in prefixes:
            if field == prefix or field.startswith((prefix + ".", prefix + "[")):
                return widget
        return self.data_combo if not field else None

    def _mark(self, widget: QtWidgets.QWidget, message: str) -> None:
        """Mark a field's label as the one in error, the message in its tooltip."""
        label = self._row_labels.get(widget)
        if label is None:
            return
        palette = label.palette()
        palette.setColor(QtGui.QPalette.ColorRole.WindowText, ERROR_COLOUR)
        label.setPalette(palette)
        label.setText("⚠ " + self._label_text(label))
        label.setToolTip(message)
        self._marked.append(label)
        self._update_wrapping(force=True)  # the mark widens the label

    def _label_text(self, label: QtWidgets.QLabel) -> str:
        return self._label_texts.get(label, label.text().removeprefix("⚠ "))

    def _clear_marks(self) -> None:
        for label in self._marked:
            label.setPalette(QtGui.QPalette())
            label.setText(self._label_text(label))
            buddy = label.buddy()
            label.setToolTip(buddy.toolTip() if buddy is not None else "")
        if self._marked:
            self._marked = []
            self._update_wrapping(force=True)
        if self._message.property("error"):
            self._show_message("")

    def _show_message(self, text: str, error: bool = False) -> None:
        # One line of text, whatever the error held: never a traceback.
        self._message.setText(" ".join(text.split()))
        self._message.setProperty("error", error)
        palette = QtGui.QPalette()
        if error:
            palette.setColor(QtGui.QPalette.ColorRole.WindowText, ERROR_COLOUR)
        self._message.setPalette(palette)

    def message(self) -> str:
        """The panel's message line: the last refusal, or what the last change did."""
        return self._message.text()

    def has_error(self) -> bool:
        return bool(self._message.property("error"))

    def marked_fields(self) -> list[QtWidgets.QWidget]:
        """The fields whose labels are marked as in error."""
        return [w for w, label in self._row_labels.items() if label in self._marked]

    # --- zoom ---------------------------------------------------------------------------------

    def _apply_font(self) -> None:
        # The panel's own font follows the application; its content gets it scaled, and
        # every field inherits that.
        font = scaled_font(self.font(), self._zoom)
        self._content.setFont(font)
        self._update_wrapping(force=True)
        if self.isVisible():
            # Lay out now, not on the next event-loop pass, so that a grab() right after
            # (the screenshot command, tests) shows the new size; each pass settles one
            # level (form → group → content → scroll area).
            for _ in range(4):
                QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.LayoutRequest)


def combo_names(combo: QtWidgets.QComboBox) -> list[str]:
    """The names a combo offers, in order."""
    return [combo.itemData(i) for i in range(combo.count())]
