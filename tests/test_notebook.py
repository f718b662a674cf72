"""grader.notebook: reading .ipynb (v3, v4) and .py exports, neutralising IPython syntax."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import pytest
from nbformat import v3, v4

import grader.notebook as notebook_mod
from grader.errors import UnreadableSubmission
from grader.notebook import Cell, Notebook, neutralise, read_submission
from grader.results import CellProblem
from notebook_files import write_with_huge_output


def write_v4(path: Path, cells: list) -> Path:
    nbformat.write(v4.new_notebook(cells=cells), str(path))
    return path


def lines(text: str) -> int:
    return len(text.split("\n"))


# --------------------------------------------------------------------- .ipynb


def test_v4_code_cells_keep_notebook_index(tmp_path: Path) -> None:
    path = write_v4(
        tmp_path / "sub.ipynb",
        [
            v4.new_markdown_cell("# Title"),
            v4.new_code_cell("import torch"),
            v4.new_raw_cell("raw"),
            v4.new_code_cell("x = 1\ny = 2"),
        ],
    )
    nb = read_submission(path)
    assert isinstance(nb, Notebook)
    assert nb.path == str(path)
    assert [(c.index, c.source) for c in nb.cells] == [(2, "import torch"), (4, "x = 1\ny = 2")]
    assert nb.cells[1].original == "x = 1\ny = 2"
    assert nb.skipped_cells == ()


def test_v3_notebook_is_converted(tmp_path: Path) -> None:
    nb3 = v3.new_notebook(
        worksheets=[
            v3.new_worksheet(
                cells=[
                    v3.new_text_cell("markdown", source="intro"),
                    v3.new_code_cell(input="import torch\n%time y = 2"),
                    v3.new_code_cell(input="class Dropout:\n    pass"),
                ]
            )
        ]
    )
    path = tmp_path / "old.ipynb"
    path.write_text(v3.writes_json(nb3), encoding="utf-8")
    nb = read_submission(path)
    assert [c.index for c in nb.cells] == [2, 3]
    assert nb.cells[0].original == "import torch\n%time y = 2"
    assert nb.cells[0].source == "import torch\nget_ipython().run_line_magic('time', 'y = 2')"
    assert nb.cells[1].source == "class Dropout:\n    pass"
    assert nb.notes == (f"{path} is an nbformat 3 notebook; it was converted to nbformat 4 for grading "
                        "(nothing is lost; re-save it with a current Jupyter to silence this note)",)


def test_v3_notebook_with_heading_cells_and_outputs_is_read_by_nbformat(tmp_path: Path) -> None:
    """Line lists everywhere (heading ``source``, ``input``, outputs), as Jupyter wrote them:
    nbformat's own reader rejoins them before converting."""
    nb3 = v3.new_notebook(worksheets=[v3.new_worksheet(cells=[
        v3.new_heading_cell("Homework 2", level=1),
        v3.new_code_cell(input="x = 1\ny = 2", prompt_number=4,
                         outputs=[v3.new_output("stream", output_text="a\nb\n"),
                                  v3.new_output("pyout", output_text="3", prompt_number=4)]),
    ])])
    path = tmp_path / "old.ipynb"
    path.write_text(v3.writes_json(nb3), encoding="utf-8")
    assert '"source": [' in path.read_text(encoding="utf-8")  # the heading's line list
    nb = read_submission(path)
    assert [(c.index, c.source) for c in nb.cells] == [(2, "x = 1\ny = 2")]
    assert "nbformat 3 notebook; it was converted" in nb.notes[0]


def test_v3_notebook_nbformat_rejects_still_gives_its_code_cells(tmp_path: Path) -> None:
    """nbformat's converter gives up on a damaged output; the code cells are all the grader needs."""
    path = tmp_path / "odd.ipynb"
    path.write_text('{"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": ['
                    '{"cell_type": "heading", "level": 1, "source": ["Homework"]}, '
                    '{"cell_type": "code", "input": ["x = 1\\n", "y = 2"], "outputs": [7]}]}]}', encoding="utf-8")
    with pytest.raises(Exception):
        nbformat.reads(path.read_text(encoding="utf-8"), as_version=4, capture_validation_error={})
    nb = read_submission(path)
    assert [(c.index, c.source) for c in nb.cells] == [(2, "x = 1\ny = 2")]


def test_v4_notebook_has_no_notes(tmp_path: Path) -> None:
    path = write_v4(tmp_path / "sub.ipynb", [v4.new_code_cell("x = 1")])
    assert read_submission(path).notes == ()


def test_v4_cells_missing_metadata_still_read(tmp_path: Path) -> None:
    """Hand-edited: nbformat's validation would reject it, the sources are all the grader needs."""
    path = tmp_path / "bare.ipynb"
    path.write_text('{"nbformat": 4, "nbformat_minor": 2, "cells": [{"cell_type": "markdown", "source": "hi"}, '
                    '{"cell_type": "code", "source": "x = 1"}]}', encoding="utf-8")
    nb = read_submission(path)
    assert [(c.index, c.source) for c in nb.cells] == [(2, "x = 1")]
    assert nb.notes == ()


def test_list_sources_from_hand_written_json(tmp_path: Path) -> None:
    doc = {
        "nbformat": 4, "nbformat_minor": 5, "metadata": {},
        "cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                   "source": ["a = 1\n", "b = 2"]}],
    }
    path = tmp_path / "s.ipynb"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert read_submission(path).cells[0].source == "a = 1\nb = 2"


def test_huge_outputs_still_load(tmp_path: Path) -> None:
    """200 MB of output: loads, and only sources are kept."""
    path = write_with_huge_output(tmp_path / "huge.ipynb", "x = 1")
    nb = read_submission(path)
    assert [(c.index, c.source) for c in nb.cells] == [(1, "x = 1")]


def test_other_extension_with_notebook_json_is_read(tmp_path: Path) -> None:
    path = tmp_path / "submission.json"
    nbformat.write(v4.new_notebook(cells=[v4.new_code_cell("z = 3")]), str(path))
    assert read_submission(path).cells[0].source == "z = 3"


# --------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.ipynb", b"", "is empty"),
        ("blank.ipynb", b"  \n", "is empty"),
        ("trunc.ipynb", b'{"cells": [', "is not valid JSON (line 1, column 12"),
        ("list.ipynb", b"[1, 2]", "is JSON but not a Jupyter notebook"),
        ("dict.ipynb", b'{"a": 1}', "is JSON but not a Jupyter notebook"),
        ("nocells.ipynb", b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}}', "not a Jupyter notebook"),
        ("future.ipynb", b'{"nbformat": 9, "cells": []}', "Unsupported nbformat version 9"),
        ("text_version.ipynb", b'{"nbformat": "4", "cells": []}', "Unsupported nbformat version '4'"),
        ("v3_damaged.ipynb", b'{"nbformat": 3, "worksheets": 5}', "nbformat 3 notebook that could not be converted"),
        ("deep.ipynb", b"[" * 100_000 + b"]" * 100_000, "its JSON is nested too deeply"),
        ("deep.json", b'{"a": ' * 100_000 + b"1" + b"}" * 100_000, "its JSON is nested too deeply"),
        ("long_int.ipynb", b'{"nbformat": ' + b"9" * 5000 + b"}", "is not valid JSON (Exceeds the limit"),
        ("garbage.ipynb", bytes(range(256)) * 4, "is not UTF-8 text; re-save it from Jupyter as .ipynb"),
        ("latin1.ipynb", '{"cells": "caf\u00e9"}'.encode("latin-1"), "is not UTF-8 text"),
        ("nul.py", b"x = 1\x00\n", "is not UTF-8 text"),
        ("zipped.ipynb", b"PK\x03\x04rest-of-zip", "is a zip archive"),
        ("notes.txt", b"just some notes", "unsupported file type '.txt'"),
    ],
)
def test_bad_input_raises_with_helpful_message(tmp_path: Path, name: str, content: bytes, expected: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableSubmission) as info:
        read_submission(path)
    message = str(info.value)
    assert expected in message
    assert str(path) in message
    assert "\n" not in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UnreadableSubmission, match="no such file"):
        read_submission(tmp_path / "nope.ipynb")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(UnreadableSubmission, match="is a directory; pass the .ipynb or .py file"):
        read_submission(tmp_path)


def test_unsupported_extension_lists_accepted_formats(tmp_path: Path) -> None:
    path = tmp_path / "model.docx"
    path.write_text("class Dropout: pass", encoding="utf-8")
    with pytest.raises(UnreadableSubmission) as info:
        read_submission(path)
    assert ".ipynb" in str(info.value) and ".py" in str(info.value)


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.py"
    path.write_bytes(b"\xef\xbb\xbfx = 'caf\xc3\xa9'\n")
    assert read_submission(path).cells[0].source == "x = 'café'\n"


# --------------------------------------------------------------------- .py exports


def test_percent_format(tmp_path: Path) -> None:
    path = tmp_path / "sub.py"
    path.write_text(
        "# ---\n# jupyter:\n#   kernelspec: {}\n# ---\n"
        "\n# %% [markdown]\n# # Title\n"
        "\n# %%\nimport torch\n"
        "\n#%% tags=[\"graded\"]\nclass A:\n    pass\n",
        encoding="utf-8",
    )
    nb = read_submission(path)
    assert [(c.index, c.source) for c in nb.cells] == [
        (2, "import torch\n\n"),
        (3, "class A:\n    pass\n"),
    ]


def test_commented_cell_magic_is_not_a_cell_marker(tmp_path: Path) -> None:
    # jupytext comments a %%time magic as "# %%time": a comment inside the cell, not a new cell.
    path = tmp_path / "sub.py"
    path.write_text("# %%\n# %%time\nfit(model)\nx = 1\n# %%[markdown]\n# text\n", encoding="utf-8")
    nb = read_submission(path)
    assert [(c.index, c.source) for c in nb.cells] == [(1, "# %%time\nfit(model)\nx = 1\n")]


def test_nbconvert_script_export(tmp_path: Path) -> None:
    path = tmp_path / "sub.py"
    path.write_text(
        "#!/usr/bin/env python\n# coding: utf-8\n\n# In[1]:\n\n\nimport torch\n\n\n# In[ ]:\n\n\nx = 1\n",
        encoding="utf-8",
    )
    nb = read_submission(path)
    assert [c.index for c in nb.cells] == [1, 2]
    assert nb.cells[0].source == "\n\nimport torch\n\n\n"
    assert nb.cells[1].source.strip() == "x = 1"


def test_py_without_markers_is_one_cell_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "plain.py"
    path.write_text("import torch\n\ndef f():\n    return 1\n", encoding="utf-8")
    nb = read_submission(path)
    assert [(c.index, c.source) for c in nb.cells] == [(1, "import torch\n\ndef f():\n    return 1\n")]
    [note] = nb.notes
    assert note.startswith(f"{path} has no cell markers")
    assert "one cell" in note and "line N of the file" in note


@pytest.mark.parametrize("text", ["# %%\nx = 1\n", "# In[1]:\nx = 1\n", "import os\n# %%\nx = 1\n"])
def test_py_with_markers_has_no_notes(tmp_path: Path, text: str) -> None:
    path = tmp_path / "cells.py"
    path.write_text(text, encoding="utf-8")
    assert read_submission(path).notes == ()


def test_py_preamble_with_code_is_a_cell(tmp_path: Path) -> None:
    path = tmp_path / "pre.py"
    path.write_text("import os\n# %%\nx = 1\n", encoding="utf-8")
    nb = read_submission(path)
    assert [(c.index, c.source) for c in nb.cells] == [(1, "import os\n"), (2, "x = 1\n")]


# --------------------------------------------------------------------- IPython syntax


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("%matplotlib inline\nimport torch", "get_ipython().run_line_magic('matplotlib', 'inline')\nimport torch"),
        ("!pip install torchsummary\nx = 1", "get_ipython().system('pip install torchsummary')\nx = 1"),
        ("x = 1\nx?", "x = 1\nget_ipython().run_line_magic('pinfo', 'x')"),
        ("files = !ls\n", "files = get_ipython().getoutput('ls')\n"),
        ("def f():\n    %time g()\n    return 1", "def f():\n    get_ipython().run_line_magic('time', 'g()')\n    return 1"),
        ("\n\n%time x = 1\n", "\n\nget_ipython().run_line_magic('time', 'x = 1')\n"),
        ("s = '''\n!ls\n'''", "s = '''\n!ls\n'''"),
        ("x = 1\r\ny = 2", "x = 1\ny = 2"),
    ],
)
def test_line_magics_are_neutralised(tmp_path: Path, original: str, expected: str) -> None:
    path = write_v4(tmp_path / "m.ipynb", [v4.new_code_cell(original)])
    cell = read_submission(path).cells[0]
    assert cell.source == expected
    assert cell.original == original
    assert lines(cell.source) == lines(original.replace("\r\n", "\n"))
    ast.parse(cell.source)


@pytest.mark.parametrize("magic", ["%%time", "%%timeit", "%%capture", "  %%time"])
def test_python_cell_magic_keeps_body_and_line_numbers(tmp_path: Path, magic: str) -> None:
    original = f"{magic}\nclass Dropout:\n    pass\n%time y = 1"
    path = write_v4(tmp_path / "m.ipynb", [v4.new_code_cell(original)])
    cell = read_submission(path).cells[0]
    assert cell.source == "\nclass Dropout:\n    pass\nget_ipython().run_line_magic('time', 'y = 1')"
    tree = ast.parse(cell.source)
    assert tree.body[0].lineno == 2


@pytest.mark.parametrize("magic", ["bash", "writefile data.txt", "html", "javascript", "sh", "latex", "script bash"])
def test_non_python_cell_magic_is_skipped_and_reported(tmp_path: Path, magic: str) -> None:
    path = write_v4(
        tmp_path / "m.ipynb",
        [v4.new_code_cell("x = 1"), v4.new_code_cell(f"\n%%{magic}\necho hi\nrm -rf /"), v4.new_code_cell("y = 2")],
    )
    nb = read_submission(path)
    assert [c.index for c in nb.cells] == [1, 3]
    name = magic.split()[0]
    assert nb.skipped_cells == (CellProblem(cell=2, line=2, message=f"cell magic %%{name} is not Python; cell skipped"),)


def test_line_count_kept_when_ipython_joins_continuation_lines() -> None:
    original = "%time x = \\\n  1\ny = 2\nz = 3"
    out = neutralise(original)
    assert lines(out) == lines(original)
    assert out.split("\n")[2:] == ["y = 2", "z = 3"]


def test_transformer_failure_keeps_original(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(_: str) -> str:
        raise RuntimeError("IPython bug")

    monkeypatch.setattr(notebook_mod._manager, "transform_cell", boom)
    assert neutralise("x = 1\n!ls") == "x = 1\n!ls"


@pytest.mark.parametrize(
    "original",
    [
        "", "\n", "x = 1", "x = 1\n", "x = 1\n\n\n", "  x = 1\n  y?", ">>> x = 1\n... ",
        "%%time", "%time \\", "a = %who_ls\n", "def f(:\n  !ls\n", "x = (1,\n2)\n!ls\n!ls \\\n -l\n",
        "if x:\n    y?\n    %matplotlib\n",
    ],
)
def test_neutralise_preserves_line_count(original: str) -> None:
    assert lines(neutralise(original)) == lines(original)


def test_cell_is_frozen() -> None:
    cell = Cell(index=1, source="x", original="x")
    with pytest.raises(AttributeError):
        cell.index = 2  # type: ignore[misc]
