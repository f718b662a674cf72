"""Solution-notebook markers → the student's template (grader.release.markers)."""

from __future__ import annotations

import nbformat
import pytest

from grader.release.markers import MarkerError, strip_cell, template_notebook

SOLUTION = """\
class Dropout(nn.Module):
    def forward(self, input):
        \"\"\"Kept: the docstring is outside the region.\"\"\"
        ### BEGIN SOLUTION
        mask = torch.rand_like(input) > self.p
        return input * mask / (1 - self.p)
        ### END SOLUTION
"""


def test_solution_region_becomes_todo_and_raise_at_its_indentation() -> None:
    out = strip_cell(SOLUTION, 1)
    assert "rand_like" not in out and "BEGIN" not in out
    assert out.splitlines()[-2:] == ["        # TODO: your code here", "        raise NotImplementedError()"]
    assert '"""Kept: the docstring is outside the region."""' in out


def test_prompt_replaces_the_default_stub_uncommented() -> None:
    source = ("n = 5\n# BEGIN SOLUTION\n# BEGIN PROMPT\n# resnet = nn.Sequential(\n#     # TODO: the layers\n# )\n"
              "# END PROMPT\nresnet = nn.Sequential(nn.Conv2d(3, 16, 3))\n# END SOLUTION\n")
    assert strip_cell(source, 3) == "n = 5\nresnet = nn.Sequential(\n    # TODO: the layers\n)"


def test_hidden_region_is_removed_without_a_stub() -> None:
    source = "x = 1\n### BEGIN HIDDEN TESTS\nassert secret(x)\n### END HIDDEN TESTS\ny = 2"
    assert strip_cell(source, 1) == "x = 1\ny = 2"


def test_markdown_solution_becomes_your_answer_here() -> None:
    assert strip_cell("Q1\n### BEGIN SOLUTION\nThe answer is 42.\n### END SOLUTION", 2, markdown=True) == \
        "Q1\nYOUR ANSWER HERE"


def test_text_without_markers_is_unchanged() -> None:
    text = "def f(x):\n    # BEGIN is only a word here\n    return x"
    assert strip_cell(text, 1) == text


@pytest.mark.parametrize("source, message", [
    ("### BEGIN SOLUTION\nx = 1\n", "cell 4, line 1: BEGIN SOLUTION is never closed"),
    ("x = 1\n### END SOLUTION\n", "cell 4, line 2: END SOLUTION without a matching BEGIN SOLUTION"),
    ("### BEGIN SOLUTION\n### BEGIN HIDDEN\n", "cell 4, line 2: BEGIN HIDDEN inside the SOLUTION region"),
    ("### BEGIN PROMPT\n# x\n### END PROMPT\n", "cell 4, line 1: BEGIN PROMPT must be inside a SOLUTION"),
    ("### BEGIN HIDDEN\nx\n### END SOLUTION\n", "cell 4, line 3: END SOLUTION without a matching"),
])
def test_unbalanced_markers_name_cell_and_line(source: str, message: str) -> None:
    with pytest.raises(MarkerError, match=message):
        strip_cell(source, 4)


def test_template_notebook_clears_outputs_and_keeps_the_solution_untouched() -> None:
    solution = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title"),
                                               nbformat.v4.new_code_cell(SOLUTION, execution_count=3)])
    solution.cells[1].outputs = [nbformat.v4.new_output("stream", text="hi")]
    template = template_notebook(solution)
    assert template.cells[1].outputs == [] and template.cells[1].execution_count is None
    assert "NotImplementedError" in template.cells[1].source and "rand_like" in solution.cells[1].source
    assert template.cells[0].source == "# Title"
