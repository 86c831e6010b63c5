"""Narration: every stop of every network explains itself, with the stop's own numbers, and
a session's notes speak exactly at the stops they are keyed to."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

from bpdebugger.debugger import Session
from bpdebugger.debugger.narration import narrate, note_for, opening
from bpdebugger.engine.demos import demo_names, load_demo
from bpdebugger.engine.session import parse_session

X4 = [[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0], [1.0, 1.0]]


def session(
    sizes: list[int],
    activations: list[str],
    loss: str,
    y: list,
    batch_size: int = 1,
    momentum: float = 0.0,
    notes: dict[str, str] | None = None,
) -> Session:
    obj = {
        "format": "bpdebugger-session/1",
        "network": {"sizes": sizes, "activations": activations, "loss": loss},
        "init": {"scheme": "xavier", "seed": 3},
        "training": {"learning_rate": 0.25, "batch_size": batch_size, "momentum": momentum},
        "data": {"x": X4, "y": y},
    }
    if notes is not None:
        obj["notes"] = notes
    return Session(parse_session(obj))


# Together these cover every activation (hidden and output), every loss, both output
# shortcuts, softmax without its shortcut, one sample and a batch, and momentum.
SESSIONS = {
    "relu→sigmoid, bce": lambda: session([2, 3, 1], ["relu", "sigmoid"], "bce", [1, 0, 1, 0]),
    "leaky_relu→softmax, cross_entropy": lambda: session(
        [2, 3, 3], ["leaky_relu", "softmax"], "cross_entropy", [0, 2, 1, 2]
    ),
    "identity→softmax, squared_error, batch": lambda: session(
        [2, 3, 2],
        ["identity", "softmax"],
        "squared_error",
        [[1, 0], [0, 1], [1, 0], [0, 1]],
        batch_size=2,
    ),
    "sigmoid→tanh, squared_error, momentum, batch": lambda: session(
        [2, 3, 2],
        ["sigmoid", "tanh"],
        "squared_error",
        [[0.5, -0.5], [0.1, 0.2], [-0.3, 0.9], [0.0, 0.4]],
        batch_size=4,
        momentum=0.9,
    ),
    "tanh→identity, squared_error, momentum": lambda: session(
        [2, 4, 1], ["tanh", "identity"], "squared_error", [0.3, -1.2, 0.8, 2.0], momentum=0.5
    ),
}


def all_sessions() -> list[tuple[str, Session]]:
    made = [(name, make()) for name, make in SESSIONS.items()]
    return made + [(f"demo {name}", Session.from_demo(name)) for name in demo_names()]


def numbers(text: str) -> list[float]:
    """The numbers written in ``text``, true minus and exponents understood."""
    found = re.findall(r"[−-]?\d+(?:\.\d+)?(?:e[−-]?\d+)?", text.replace("−", "-"))
    return [float(n) for n in found]


def after(text: str, marker: str) -> list[float]:
    """The numbers of the value written right after ``marker``: "0.25", "(0.5, −1)",
    "0.7727 − 1 = −0.2273", "−1 − 1×0.105 = −1.105" (it ends at the first word)."""
    assert marker in text, (marker, text)
    rest = text.split(marker, 1)[1]
    return numbers(re.match(r"[\s\d.,()×−=+e]*", rest).group())


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=\.)\s+", text.replace("i.e.", "that is")) if s]


def close(written: list[float], values) -> bool:
    """Numbers written to 4 significant digits agree with the engine's values."""
    values = np.ravel(np.asarray(values, dtype=np.float64)).tolist()
    return len(written) == len(values) and all(
        w == pytest.approx(v, rel=5e-4, abs=1e-12) for w, v in zip(written, values, strict=True)
    )


# --- every stop explains itself -----------------------------------------------------------------


def test_the_sessions_cover_every_node_kind():
    seen = set()
    for _, s in all_sessions():
        for _ in s.stops:
            rec = s.step_into()
            seen.add((rec.phase, rec.op))
    ops = {"tanh", "sigmoid", "relu", "leaky_relu", "identity", "softmax"}
    losses = {"bce", "squared_error", "cross_entropy"}
    want = (
        {("forward", op) for op in ops | losses | {"linear"}}
        | {("backward", op) for op in ops | losses | {"linear"}}
        | {("update", "sgd")}
    )
    assert seen == want


@pytest.mark.parametrize(
    ("name", "s"), all_sessions(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_stop_has_a_short_explanation_naming_its_node(name, s):
    for _ in range(2 * len(s.stops)):  # two iterations: momentum's v is set in the second
        rec = s.step_into()
        n = narrate(rec, s.spec)
        assert n.heading == f"{rec.phase} · {rec.node} · {rec.op}"
        text = n.explanation
        if rec.node == "l":
            assert ("∂l/∂l = 1" if rec.phase == "backward" else "l = ") in text
        else:
            assert rec.node in text, (name, rec.phase, rec.node, text)
        assert 2 <= len(sentences(text)) <= 4, (name, rec.phase, rec.node, text)
        assert "nan" not in text.lower()


# --- the explanations' numbers are the stop's -------------------------------------------------


def stops_of(s: Session) -> dict[tuple[str, str], object]:
    return {(rec.phase, rec.node): rec for rec in (s.step_into() for _ in s.stops)}


def test_one_sample_numbers_are_the_stops_values():
    s = Session.from_demo("worked_example")
    stop = stops_of(s)

    def text(phase: str, node: str) -> str:
        return narrate(stop[phase, node], s.spec).explanation

    assert close(after(text("forward", "z[2]"), "Here z[2] ="), stop["forward", "z[2]"].output)
    assert close(after(text("forward", "a[2]"), "Here a[2] ="), stop["forward", "a[2]"].output)
    assert close(after(text("forward", "l"), "For this sample l ="), [stop["forward", "l"].loss])
    assert close(
        after(text("backward", "l"), "Here ∂l/∂a[3] ="), stop["backward", "l"].downstream["a[3]"]
    )
    # The output's shortcut written out: ŷ − y = δ[3].
    y_hat = stop["forward", "a[3]"].output[0, 0]
    delta = stop["backward", "a[3]"].downstream["z[3]"][0, 0]
    assert close(after(text("backward", "a[3]"), "Here δ[3] ="), [y_hat, 1.0, delta])
    assert close(
        after(text("backward", "a[2]"), "Here tanh′(z[2]) ="),
        stop["backward", "a[2]"].local["z[2]"],
    )
    assert close(
        after(text("backward", "z[2]"), "Here ∂l/∂b[2] = δ[2] ="),
        stop["backward", "z[2]"].downstream["b[2]"],
    )


@pytest.mark.parametrize(
    ("name", "s"), all_sessions(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_update_explanations_give_eta_and_the_entry_that_moves_most(name, s):
    s.continue_(max_iterations=1)  # the second iteration: momentum's v holds a history
    for rec in stops_of(s).values():
        if rec.phase != "update":
            continue
        text = narrate(rec, s.spec).explanation
        assert close(after(text, "η ="), [rec.learning_rate])
        i = np.unravel_index(np.argmax(np.abs(rec.change)), rec.change.shape)
        where = "[" + ",".join(str(k + 1) for k in i) + "]"
        if s.spec.momentum:
            assert "v ← μ·v + ∂l/∂" in text and f"{rec.node} ← {rec.node} − η·v" in text
            assert close(after(text, "μ ="), [s.spec.momentum])
            written = after(text, f"The largest change, −η·v, is at entry {where}:")
            assert close(written, [rec.before[i], rec.change[i], rec.after[i]])
        else:
            written = after(text, f"the largest move here is entry {where}:")
            assert close(written, [rec.before[i], rec.learning_rate, rec.grad[i], rec.after[i]])
        if len(rec.batch) > 1:
            assert f"the mean over the batch of {len(rec.batch)}" in text


def test_sigmoid_layers_give_their_largest_slope_in_a_batch():
    s = Session.from_demo("vanishing")
    rec = stops_of(s)["backward", "a[4]"]
    text = narrate(rec, s.spec).explanation
    assert "σ′(z[4])" in text and "Each of the 10 samples has its own σ′(z)" in text
    assert close(after(text, "σ′ is at most"), [rec.local["z[4]"].max()])


def test_relu_explanations_count_the_dead_units():
    s = Session.from_demo("dying_relu")
    s.continue_(max_iterations=50)  # the note: 7 of the 8 units dead after 50 iterations
    assert s.position == (50, len(s.stops))
    stop = stops_of(s)  # iteration 51
    forward = narrate(stop["forward", "a[2]"], s.spec).explanation
    assert "Here 7 of the 8 units are 0 for all 10 samples of the batch" in forward
    rec = stop["backward", "a[2]"]
    blocked = int((rec.local["z[2]"] == 0).all(axis=1).sum())
    assert blocked >= 7
    text = narrate(rec, s.spec).explanation
    assert f"Here {blocked} of the 8 units have relu′ = 0 for all 10 samples" in text


def test_batch_gradients_are_said_to_be_means():
    s = Session.from_demo("circles")
    stop = stops_of(s)
    text = narrate(stop["backward", "z[3]"], s.spec).explanation
    assert "∂l/∂W[3] and ∂l/∂b[3] are means over the 10 samples of the batch" in text
    text = narrate(stop["forward", "l"], s.spec).explanation
    assert close(after(text, "mean of the 10 samples' losses: l ="), [stop["forward", "l"].loss])


def test_the_first_layer_says_the_input_gradient_is_not_needed():
    s = Session.from_demo("xor")
    stop = stops_of(s)
    first = narrate(stop["backward", "z[2]"], s.spec).explanation
    assert "∂l/∂x is not needed" in first and "W[2]ᵀ·δ[2]" in first
    above = narrate(stop["backward", "z[3]"], s.spec).explanation
    assert "not needed" not in above and "∂l/∂a[2] = W[3]ᵀ·δ[3]" in above


def test_fan_out_paths_add_up_only_where_there_are_several():
    s = Session.from_demo("xor")  # z[2] has 2 units, z[3] one
    stop = stops_of(s)
    assert "paths" in narrate(stop["backward", "z[2]"], s.spec).explanation
    assert "paths" not in narrate(stop["backward", "z[3]"], s.spec).explanation


def test_softmax_without_its_loss_explains_the_full_jacobian():
    s = SESSIONS["identity→softmax, squared_error, batch"]()
    rec = stops_of(s)["backward", "a[3]"]
    text = narrate(rec, s.spec).explanation
    assert not rec.chain and "full 2×2 matrix" in text and "not ⊙" in text


def test_the_output_shortcuts_say_why():
    for make, shortcut in (
        (lambda: Session.from_demo("xor"), "the factors cancel and δ[3] = ŷ − y exactly"),
        (lambda: Session.from_demo("iris"), "collapses to δ[3] = s − y for a one-hot y"),
    ):
        s = make()
        stop = stops_of(s)
        assert shortcut in narrate(stop["backward", "a[3]"], s.spec).explanation
        loss = narrate(stop["backward", "l"], s.spec).explanation
        assert "the product collapses to ŷ − y" in loss
    s = SESSIONS["tanh→identity, squared_error, momentum"]()
    loss = narrate(stops_of(s)["backward", "l"], s.spec).explanation
    assert "collapses" not in loss and "∂l/∂ŷ = ŷ − y" in loss


# --- notes --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", demo_names())
def test_a_demo_note_speaks_exactly_at_its_stop(name):
    s = Session.from_demo(name)
    notes = load_demo(name).notes
    spoken = {}
    for _ in s.stops:
        rec = s.step_into()
        n = narrate(rec, s.spec)
        key = f"{rec.phase} {rec.node}"
        assert n.note == notes.get(key, "")
        if n.note:
            spoken[key] = n.note
        # The note adds to the built-in explanation, which is there at every stop.
        assert n.explanation
    assert spoken == notes


def test_a_note_keyed_by_node_name_speaks_at_each_stop_of_that_node():
    notes = {"a[2]": "the hidden layer", "backward z[2]": "the first layer, going back"}
    s = session([2, 2, 1], ["tanh", "sigmoid"], "bce", [1, 0, 1, 0], notes=notes)
    heard = {}
    for _ in s.stops:
        rec = s.step_into()
        heard[f"{rec.phase} {rec.node}"] = narrate(rec, s.spec).note
    assert {k: v for k, v in heard.items() if v} == {
        "forward a[2]": "the hidden layer",
        "backward a[2]": "the hidden layer",
        "backward z[2]": "the first layer, going back",
    }


def test_a_phase_key_wins_over_the_node_name():
    notes = {"z[3]": "any z[3]", "forward z[3]": "the forward z[3]"}
    assert note_for(notes, "forward", "z[3]") == "the forward z[3]"
    assert note_for(notes, "backward", "z[3]") == "any z[3]"
    assert note_for(notes, "update", "W[3]") == ""


def test_the_opening_gives_the_title_and_how_to_step():
    spec = load_demo("vanishing")
    text = opening(spec)
    assert text.startswith(spec.extra["title"]) and "F11" in text
    plain = session([2, 3, 1], ["relu", "sigmoid"], "bce", [1, 0, 1, 0]).spec
    assert opening(plain).startswith("A network 2 → 3 → 1 (relu, sigmoid; bce)")


def test_narration_needs_no_qt():
    code = (
        "import sys; import bpdebugger.debugger.narration; "
        "print(any(m.split('.')[0] in ('PySide6', 'pyqtgraph') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
