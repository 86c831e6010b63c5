"""The current stop as Markdown and LaTeX: parsed back, its numbers are the Step's."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

from bpdebugger.debugger import Session
from bpdebugger.engine.notation import fmt as number
from bpdebugger.engine.stop_text import (
    Notation,
    stop_file_stem,
    stop_latex,
    stop_markdown,
    tex_escape,
)

MINUS = "\u2212"


def stop(demo: str, index: int):
    """Stop ``index`` of iteration 1 of a demo, as the debugger records it."""
    session = Session.from_demo(demo)
    for _ in range(index):
        step = session.step_into()
    assert step.index == index
    return step


def to_float(text: str) -> float:
    return float(text.replace(MINUS, "-"))


def md_matrices(md: str) -> dict[str, tuple[np.ndarray, str]]:
    """Every matrix of the Markdown: symbol → (values, the line above the block)."""
    found = {}
    pattern = re.compile(
        r"^\*\*([^\n]+?)\*\* · (\d+)×(\d+)([^\n]*)\n\n```text\n(.*?)\n```", re.M | re.S
    )
    for m in pattern.finditer(md):
        rows = [r.strip("[] ").split() for r in m.group(5).splitlines()]
        values = np.array([[to_float(c) for c in row] for row in rows])
        assert values.shape == (int(m.group(2)), int(m.group(3))), m.group(0)
        found[m.group(1)] = (values, m.group(4))
    return found


def close(shown: np.ndarray, exact: object) -> bool:
    """Equal to the 4 significant digits shown."""
    exact = np.asarray(exact, dtype=np.float64).reshape(shown.shape)
    return bool(np.allclose(shown, exact, rtol=5e-4, atol=0.0))


def tex_matrices(tex: str) -> dict[str, np.ndarray]:
    """Each "symbol = \\begin{bmatrix} … \\end{bmatrix} \\quad (r \\times c…)" line."""
    found = {}
    pattern = re.compile(
        r"^(.*?) = \\begin\{bmatrix\} (.*?) \\end\{bmatrix\} \\quad \((\d+) \\times (\d+)", re.M
    )
    for m in pattern.finditer(tex):
        rows = [[float(c) for c in row.split(" & ")] for row in m.group(2).split(r" \\ ")]
        values = np.array(rows)
        assert values.shape == (int(m.group(3)), int(m.group(4)))
        found[m.group(1)] = values
    return found


def balanced(tex: str) -> bool:
    """Braces balance (escaped ones aside) and every \\begin{x} closes in order."""
    depth = 0
    for c in re.sub(r"\\[{}]", "", tex):
        depth += {"{": 1, "}": -1}.get(c, 0)
        if depth < 0:
            return False
    stack = []
    for kind, env in re.findall(r"\\(begin|end)\{(\w+\*?)\}", tex):
        if kind == "begin":
            stack.append(env)
        elif not stack or stack.pop() != env:
            return False
    return depth == 0 and not stack


# --- Markdown ---------------------------------------------------------------------------------


def test_backward_activation_markdown_has_the_three_gradients_and_the_chain_rule():
    step = stop("xor", 7)  # backward a[3], sigmoid, one sample
    md = stop_markdown(step)
    assert md.startswith("# backward · a[3] · sigmoid · iteration 1, stop 7\n")
    for heading in ("## Upstream", "## Local", "## Downstream", "## Chain rule"):
        assert heading in md
    m = md_matrices(md)
    up, local, down = (
        float(np.ravel(v)[0]) for v in (step.upstream, step.local["z[3]"], step.downstream["z[3]"])
    )
    assert close(m["∂l/∂a[3]"][0], up)
    assert close(m["σ′(z[3])"][0], local)
    assert close(m["∂l/∂z[3]"][0], down)
    line = next(x for x in md.splitlines() if x.startswith("∂l/∂z[3] = ∂l/∂a[3] ⊙ σ′(z[3]) = "))
    # the numbers substituted: (upstream) × local = result, the result being their product
    numbers = [to_float(t) for t in re.findall(r"[−\d.]+(?:e[+−]\d+)?", line.split(" = ", 2)[2])]
    assert numbers[0] == pytest.approx(up, rel=5e-4)
    assert numbers[1] == pytest.approx(local, rel=5e-4)
    assert numbers[2] == pytest.approx(up * local, rel=5e-4)
    assert f"({number(up)})" in line  # a negative factor in parentheses, true minus
    # the output's shortcut ŷ − y agrees with the chain
    assert "ŷ − y" in md and "## Output shortcut" in md


def test_numbers_use_true_minus_signs_in_markdown():
    md = stop_markdown(stop("xor", 8))
    assert MINUS in md
    assert not re.search(r"-\d", md)


def test_linear_backward_markdown_gives_the_outer_product_and_the_bias_gradient():
    step = stop("xor", 8)  # backward z[3]
    md = stop_markdown(step)
    m = md_matrices(md)
    delta = np.asarray(step.upstream)[:, 0]
    a = np.asarray(step.local["W[3]"])[:, 0]
    assert close(m["∂l/∂z[3] = δ[3]"][0], delta)
    assert close(m["∂z[3]/∂a[2] = W[3]"][0], step.local["a[2]"])
    assert close(m["∂l/∂a[2]"][0], np.asarray(step.local["a[2]"]).T @ delta)
    assert close(m["∂l/∂W[3]"][0], np.outer(delta, a))
    assert close(m["∂l/∂b[3]"][0], delta)
    outer = next(x for x in md.splitlines() if x.startswith("∂l/∂W[3] = δ[3]·a[2]ᵀ = "))
    result = outer.rsplit(" = ", 1)[1].strip("[]").split(", ")
    assert np.allclose([to_float(v) for v in result], np.outer(delta, a).ravel(), rtol=5e-4)
    bias = next(x for x in md.splitlines() if x.startswith("∂l/∂b[3] = δ[3]"))
    assert to_float(bias.rsplit(" = ", 1)[1]) == pytest.approx(delta[0], rel=5e-4)


def test_forward_linear_markdown_shows_inputs_operation_and_output():
    step = stop("xor", 1)  # forward z[2]
    md = stop_markdown(step)
    m = md_matrices(md)
    assert close(m["W[2]"][0], step.inputs["W[2]"])
    assert close(m["a[1] = x"][0], np.asarray(step.inputs["a[1]"])[:, 0])
    assert close(m["z[2]"][0], np.asarray(step.output)[:, 0])
    units = [x for x in md.splitlines() if x.startswith("- unit ")]
    assert len(units) == 2
    for i, line in enumerate(units):
        assert to_float(line.rsplit(" = ", 1)[1]) == pytest.approx(step.output[i, 0], rel=5e-4)


def test_update_markdown_shows_w_the_change_and_the_new_w():
    step = stop("xor", 11)  # update W[3]
    md = stop_markdown(step)
    m = md_matrices(md)
    assert close(m["W[3]"][0], step.before)
    assert close(m["−η·∂l/∂W[3]"][0], -step.learning_rate * np.asarray(step.grad))
    assert close(m["W[3] new"][0], step.after)
    assert f"η = {number(step.learning_rate)}" in md


def test_a_batch_shows_the_mean_and_says_so_or_the_sample_asked_for():
    step = stop("circles", 8)  # backward z[3], a batch of 10
    mean = stop_markdown(step, None)
    assert "batch of 10, batch mean" in mean
    values, caption = md_matrices(mean)["∂l/∂z[3] = δ[3]"]
    assert close(values, np.asarray(step.upstream).mean(axis=1))
    assert "batch mean" in caption
    third = stop_markdown(step, 2)
    assert "sample 3: x = (" in third
    values, _ = md_matrices(third)["∂l/∂z[3] = δ[3]"]
    assert close(values, np.asarray(step.upstream)[:, 2])
    # the parameter gradients are the batch's means either way
    values, caption = md_matrices(third)["∂l/∂W[3]"]
    assert close(values, step.downstream["W[3]"]) and "batch mean" in caption


def test_softmax_shows_its_full_jacobian_for_a_sample():
    step = stop("iris", 7)  # backward a[3], softmax
    m = md_matrices(stop_markdown(step, 1))
    assert close(m["∂a[3]/∂z[3]"][0], np.asarray(step.local["z[3]"])[1])
    assert close(m["∂l/∂z[3]"][0], np.asarray(step.downstream["z[3]"])[:, 1])


# --- LaTeX ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("demo", "index"),
    [("xor", 1), ("xor", 5), ("xor", 7), ("xor", 8), ("xor", 11), ("iris", 7), ("spiral", 10)],
)
def test_latex_is_ascii_balanced_and_holds_the_steps_numbers(demo, index):
    step = stop(demo, index)
    tex = stop_latex(step, 0, standalone=True)
    assert tex.isascii()
    assert balanced(tex)
    assert tex.startswith("\\documentclass{article}\n\\usepackage{amsmath}\n")
    assert tex.rstrip().endswith("\\end{document}")
    matrices = tex_matrices(tex)
    # one bmatrix line per matrix of the Markdown, in the same order
    assert len(matrices) == len(md_matrices(stop_markdown(step, 0)))
    widest = max(m.shape[1] for m in matrices.values())
    limit = int(re.search(r"\\setcounter\{MaxMatrixCols\}\{(\d+)\}", tex).group(1))
    assert limit >= widest  # amsmath refuses wider matrices than MaxMatrixCols
    if shutil.which("pdflatex"):
        compile_latex(tex)


def compile_latex(tex: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        Path(d, "stop.tex").write_text(tex)
        done = subprocess.run(
            ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "stop.tex"],
            cwd=d,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stdout[-2000:]


def test_latex_backward_stop_writes_gradients_as_bmatrix_with_partials():
    step = stop("xor", 7)
    tex = stop_latex(step)
    m = tex_matrices(tex)
    up = r"\frac{\partial l}{\partial \mathbf{a}^{[3]}}"
    assert close(m[up], np.asarray(step.upstream)[:, 0])
    assert close(m[r"\sigma'(\mathbf{z}^{[3]})"], np.asarray(step.local["z[3]"])[:, 0])
    chain = next(
        x
        for x in tex.splitlines()
        if x.startswith(
            r"\frac{\partial l}{\partial "
            r"\mathbf{z}^{[3]}} = " + up
        )
    )
    assert r"\odot \sigma'(\mathbf{z}^{[3]})" in chain
    result = float(chain.rsplit(" = ", 1)[1])
    product = float(np.ravel(step.upstream)[0] * np.ravel(step.local["z[3]"])[0])
    assert result == pytest.approx(product, rel=5e-4)
    assert "\u2212" not in tex and "-" + number(abs(result))[0] in tex


def test_latex_linear_backward_has_the_transpose_without_a_double_superscript():
    tex = stop_latex(stop("xor", 8))
    assert r"\mathbf{W}^{[3]\top} \cdot \boldsymbol{\delta}^{[3]}" in tex
    assert r"\boldsymbol{\delta}^{[3]} \cdot \mathbf{a}^{[2]\top}" in tex
    assert not re.search(r"\^\{[^{}]*\}\^", tex)


def test_latex_numbers_and_words_are_escaped():
    n = Notation(tex=True)
    assert n.num(-1.5e-7) == r"-1.5 \times 10^{-7}"
    assert n.num(float("nan")) == r"\mathrm{NaN}"
    assert n.num(float("-inf")) == r"-\infty"
    assert n.call("leaky_relu", "z", prime=True) == r"\operatorname{leaky\_relu}'(z)"
    assert tex_escape("squared_error 50% & {x}") == r"squared\_error 50\% \& \{x\}"
    assert r"squared\_error" in stop_latex(stop("diverging", 5))


def test_numbers_have_four_significant_digits_and_no_negative_zero():
    assert number(-0.336612) == f"{MINUS}0.3366"
    assert number(1234567.0) == "1.235e+06"
    assert number(-0.0) == "0"
    assert number(float("inf")) == "inf"
    assert number(2.5, minus="-") == "2.5"


def test_file_stem_names_the_stop():
    assert stop_file_stem(stop("xor", 8)) == "iteration-1-stop-8-backward-z3"


def test_a_long_vector_is_written_as_its_first_numbers_and_an_ellipsis():
    n = Notation(tex=False, inline=4)
    assert n.vector([1.0, -2.0]) == f"[1; {MINUS}2]"
    assert n.vector(np.arange(8.0)) == "[0, 1, 2, 3, 4, 5, …]"
    assert (
        Notation(tex=True, inline=4).vector(np.arange(8.0))
        == r"\left[0, 1, 2, 3, 4, 5, \ldots\right]"
    )


def test_the_document_says_why_the_chain_rule_takes_its_form():
    from bpdebugger.engine.stop_text import document

    notes = document(stop("xor", 7), 0, Notation(tex=False)).notes  # backward a[3], sigmoid
    assert any("σ acts element by element" in s for s in notes)
    assert any(s.startswith("They agree: with bce") for s in notes)
    softmax = document(stop("iris", 7), None, Notation(tex=False)).notes
    assert any("softmax mixes its inputs" in s for s in softmax)
    assert any(s.startswith("Batch mean") for s in softmax)
