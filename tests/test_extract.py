"""grader.extract: slicing the graded definitions out of a notebook, and the report of it."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat import v4

from grader.extract import Extraction, Statement, extract, top_level_names
from grader.notebook import Cell, Notebook, neutralise, read_submission
from grader.results import CellProblem, DroppedStatement


def nb(*cells: str, skipped: tuple[CellProblem, ...] = ()) -> Notebook:
    """A notebook whose i-th argument is code cell i (1-based), IPython syntax neutralised."""
    return Notebook(
        path="test.ipynb",
        cells=tuple(Cell(index=i, source=neutralise(c), original=c) for i, c in enumerate(cells, start=1)),
        skipped_cells=skipped,
    )


def kept(ex: Extraction) -> list[tuple[int, int]]:
    return [(s.cell, s.line) for s in ex.statements]


def sources(ex: Extraction) -> list[str]:
    return [s.source for s in ex.statements]


def reasons(ex: Extraction) -> dict[str, str]:
    return {d.summary: d.reason for d in ex.summary.dropped}


def module(ex: Extraction) -> dict[str, object]:
    """Run the sliced module (our own fixture code) and return its namespace."""
    ns: dict[str, object] = {}
    exec(compile("\n".join(sources(ex)), "<student>", "exec"), ns)
    return ns


# --------------------------------------------------------------------- slicing


def test_transitive_helper_and_constant_are_kept() -> None:
    ex = extract(
        nb(
            "import math\nimport os\nSCALE = 2.0\nUNUSED = 1",
            "def helper(x):\n    return math.sqrt(x) * SCALE\n\ndef other():\n    return os.getcwd()",
            "class Dropout:\n    def forward(self, x):\n        return helper(x)",
        ),
        ["Dropout"],
    )
    assert kept(ex) == [(1, 1), (1, 3), (2, 1), (3, 1)]
    assert ex.statements[0] == Statement(cell=1, line=1, source="import math", binds=("math",))
    assert ex.found == {"Dropout": (3, 1)}
    assert reasons(ex) == {
        "import os": "not needed by any graded name",
        "UNUSED = 1": "not needed by any graded name",
        "def other():": "not needed by any graded name",
    }
    assert module(ex)["Dropout"]().forward(4.0) == 4.0  # type: ignore[operator]


def test_last_definition_wins() -> None:
    ex = extract(
        nb(
            "class Dropout:\n    version = 1",
            "x = 0",
            "class Dropout:\n    version = 2",
        ),
        ["Dropout"],
    )
    assert kept(ex) == [(3, 1)]
    assert ex.found == {"Dropout": (3, 1)}
    assert module(ex)["Dropout"].version == 2  # type: ignore[attr-defined]
    assert DroppedStatement(1, 1, "class Dropout:", "Dropout is defined again in cell 3, line 1; the last definition wins") in ex.summary.dropped


def test_alias_keeps_the_aliased_definition() -> None:
    ex = extract(nb("class MyDropout:\n    pass", "Dropout = MyDropout"), ["Dropout"])
    assert kept(ex) == [(1, 1), (2, 1)]
    assert ex.found == {"Dropout": (2, 1)}
    assert ex.statements[1].binds == ("Dropout",)
    assert module(ex)["Dropout"].__name__ == "MyDropout"  # type: ignore[attr-defined]


def test_eager_use_takes_binding_before_it_late_use_takes_last() -> None:
    ex = extract(
        nb("n = 5\ndef make(k):\n    return [k]\nresnet = make(n)\nn = 3\ndef depth():\n    return n"),
        ["resnet"],
    )
    assert sources(ex) == ["n = 5", "def make(k):\n    return [k]", "resnet = make(n)"]
    assert module(ex)["resnet"] == [5]

    ex = extract(
        nb("n = 5\ndef make(k):\n    return [k]\nresnet = make(n)\nn = 3\ndef depth():\n    return n"),
        ["depth"],
    )
    assert sources(ex) == ["n = 3", "def depth():\n    return n"]


def test_default_decorator_and_base_class_are_eager() -> None:
    ex = extract(
        nb(
            "K = 1\nBase = object\ndef deco(f):\n    return f",
            "@deco\ndef fit(model, k=K):\n    return k\nclass Net(Base):\n    width = K * 2",
            "K = 2\nBase = int\ndef deco(f):\n    return None",
        ),
        ["fit", "Net"],
    )
    assert kept(ex) == [(1, 1), (1, 2), (1, 3), (2, 1), (2, 4)]
    assert ex.statements[3].source == "@deco\ndef fit(model, k=K):\n    return k"
    assert ex.statements[3].line == 1
    ns = module(ex)
    assert ns["fit"](None) == 1  # type: ignore[operator]
    assert ns["Net"].width == 2  # type: ignore[attr-defined]


def test_function_locals_and_parameters_are_not_dependencies() -> None:
    ex = extract(
        nb(
            "model = object()\nout = 3\nloss = 4\nx = 5",
            "def fit(model, x):\n    out = model(x)\n    loss = out\n    return [loss for x in range(2)]",
        ),
        ["fit"],
    )
    assert kept(ex) == [(2, 1)]


def test_method_bodies_do_not_see_class_attributes() -> None:
    ex = extract(
        nb("import math", "class Net:\n    math = None\n    def f(self):\n        return math.pi"),
        ["Net"],
    )
    assert kept(ex) == [(1, 1), (2, 1)]
    assert module(ex)["Net"]().f() > 3  # type: ignore[operator]


def test_global_declared_in_function_is_a_dependency() -> None:
    ex = extract(nb("counter = 0", "def step():\n    global counter\n    counter += 1\n    return counter"), ["step"])
    assert kept(ex) == [(1, 1), (2, 1)]


def test_lambda_body_is_late() -> None:
    ex = extract(nb("scale = 1", "act = lambda x: x * scale", "scale = 3"), ["act"])
    assert kept(ex) == [(2, 1), (3, 1)]
    assert module(ex)["act"](2) == 6  # type: ignore[operator]


def test_mutation_after_binding_is_kept() -> None:
    ex = extract(
        nb("CONFIG = {}", "CONFIG['lr'] = 0.1\nprint(CONFIG)", "def fit():\n    return CONFIG['lr']"),
        ["fit"],
    )
    assert kept(ex) == [(1, 1), (2, 1), (3, 1)]
    assert module(ex)["fit"]() == 0.1  # type: ignore[operator]


def test_augmented_assignment_needs_earlier_binding() -> None:
    ex = extract(nb("width = 8\nwidth *= 2\nunused = 1", "def f():\n    return width"), ["f"])
    assert kept(ex) == [(1, 1), (1, 2), (2, 1)]
    assert module(ex)["f"]() == 16  # type: ignore[operator]


def test_semicolon_statements_are_separate() -> None:
    ex = extract(nb("a = 1; b = 2; print(a)", "def f():\n    return b"), ["f"])
    assert sources(ex) == ["b = 2", "def f():\n    return b"]
    assert kept(ex) == [(1, 1), (2, 1)]
    assert reasons(ex)["print(a)"] == "print/display"


# --------------------------------------------------------------------- compound statements


def test_if_binding_in_both_branches_is_kept() -> None:
    ex = extract(
        nb(
            "import sys",
            "if sys.platform == 'x':\n    device = 'cuda'\nelse:\n    device = 'cpu'",
            "def fit():\n    return device",
        ),
        ["fit"],
    )
    assert kept(ex) == [(1, 1), (2, 1), (3, 1)]
    assert module(ex)["fit"]() == "cpu"  # type: ignore[operator]


def test_conditional_binding_keeps_the_previous_one_too() -> None:
    ex = extract(nb("device = 'cpu'\nif False:\n    device = 'cuda'", "def fit():\n    return device"), ["fit"])
    assert kept(ex) == [(1, 1), (1, 2), (2, 1)]


def test_try_import_kept_when_needed() -> None:
    ex = extract(
        nb(
            "try:\n    import tqdm\nexcept ImportError:\n    tqdm = None",
            "def fit():\n    return tqdm",
        ),
        ["fit"],
    )
    assert kept(ex) == [(1, 1), (2, 1)]


def test_compound_statement_with_unsafe_part_is_dropped() -> None:
    ex = extract(
        nb("device = 'cpu'", "if True:\n    print('using cuda')\n    device = 'cuda'", "def fit():\n    return device"),
        ["fit"],
    )
    assert kept(ex) == [(1, 1), (3, 1)]
    assert reasons(ex)["if True:"] == "print/display"


def test_loop_nested_in_compound_statement_is_dropped() -> None:
    ex = extract(
        nb("layers = []", "if True:\n    for i in range(3):\n        layers.append(i)\n    layers = []",
           "def f():\n    return layers"),
        ["f"],
    )
    assert kept(ex) == [(1, 1), (3, 1)]
    assert reasons(ex)["if True:"] == "loop at top level (training or data code)"


def test_comprehension_iterable_is_a_dependency_its_target_is_not() -> None:
    ex = extract(nb("xs = [1, 2]\nx = 99", "sizes = [x * 2 for x in xs]", "def f():\n    return sizes"), ["f"])
    assert kept(ex) == [(1, 1), (2, 1), (3, 1)]
    assert module(ex)["f"]() == [2, 4]  # type: ignore[operator]


def test_colab_drive_import_dropped_when_not_needed() -> None:
    ex = extract(
        nb(
            "from google.colab import drive\ndrive.mount('/content/drive')",
            "try:\n    from google.colab import files\nexcept ImportError:\n    pass",
            "class LeNet:\n    pass",
        ),
        ["LeNet"],
    )
    assert kept(ex) == [(3, 1)]
    assert reasons(ex) == {
        "from google.colab import drive": "not needed by any graded name",
        "drive.mount('/content/drive')": "expression",
        "try:": "not needed by any graded name",
    }


# --------------------------------------------------------------------- never kept


def test_top_level_expressions_dropped_by_kind() -> None:
    ex = extract(
        nb(
            "%matplotlib inline\n!pip install torchsummary\nimport matplotlib.pyplot as plt",
            "def run_epoch(m):\n    return m\ndef init(m):\n    pass\nclass Net:\n    def apply(self, f):\n        pass",
            "net = Net()\nnet\nnet.apply(init)\nrun_epoch(net)\nnet.fit(1)\nplt.show()\nprint(net)\ndisplay(net)\nnet?",
        ),
        ["Net", "run_epoch"],
    )
    assert kept(ex) == [(2, 1), (2, 5)]
    assert ex.summary.dropped == (
        DroppedStatement(1, 1, "get_ipython().run_line_magic('matplotlib', 'inline')", "IPython magic or shell command"),
        DroppedStatement(1, 2, "get_ipython().system('pip install torchsummary')", "IPython magic or shell command"),
        DroppedStatement(1, 3, "import matplotlib.pyplot as plt", "not needed by any graded name"),
        DroppedStatement(2, 3, "def init(m):", "not needed by any graded name"),
        DroppedStatement(3, 1, "net = Net()", "not needed by any graded name"),
        DroppedStatement(3, 2, "net", "expression"),
        DroppedStatement(3, 3, "net.apply(init)", "expression"),
        DroppedStatement(3, 4, "run_epoch(net)", "training call"),
        DroppedStatement(3, 5, "net.fit(1)", "training call"),
        DroppedStatement(3, 6, "plt.show()", "plotting"),
        DroppedStatement(3, 7, "print(net)", "print/display"),
        DroppedStatement(3, 8, "display(net)", "print/display"),
        DroppedStatement(3, 9, "get_ipython().run_line_magic('pinfo', 'net')", "IPython magic or shell command"),
    )


@pytest.mark.parametrize(
    ("statement", "reason"),
    [
        ("data = train(LeNet())", "training call"),
        ("data = LeNet().train()", "training call"),
        ("data = loss.backward()", "training call"),
        ("data = opt.step()", "training call"),
        ("data = DataLoader(ds, batch_size=64)", "DataLoader construction"),
        ("data = torch.utils.data.DataLoader(ds)", "DataLoader construction"),
        ("data = datasets.CIFAR10('./data', train=True)", "dataset download or construction"),
        ("data = MNIST(root, download=True)", "dataset download or construction"),
        ("data = make_set(root, download=True)", "dataset download or construction"),
        ("data = ImageFolder('imgs')", "dataset download or construction"),
        ("data = load_dataset('mnist')", "dataset download or construction"),
        ("data = urllib.request.urlretrieve(u, 'x')", "dataset download or construction"),
        ("data = requests.get(u).content", "dataset download or construction"),
        ("data = gdown.download(u)", "dataset download or construction"),
        ("data = plt.figure()", "plotting"),
        ("data = ax.imshow(img)", "plotting"),
        ("data = sns.heatmap(m)", "plotting"),
        ("data = print('x')", "print/display"),
        ("data = input('device? ')", "input() call"),
        ("data = open('weights.txt').read()", "file or checkpoint I/O"),
        ("data = torch.load('model.pt')", "file or checkpoint I/O"),
        ("data = torch.save(m, 'model.pt')", "file or checkpoint I/O"),
        ("data = os.system('ls')", "shell command or subprocess"),
        ("data = subprocess.run(['ls'])", "shell command or subprocess"),
        ("data = !ls", "IPython magic or shell command"),
        ("data = [train(m) for m in ms]", "training call"),
        ("data = sys.exit(1)", "exit call"),
    ],
)
def test_unsafe_statement_binding_needed_name_is_dropped(statement: str, reason: str) -> None:
    """The graded function reads the global ``data``; the binding must still not run."""
    ex = extract(
        nb("data = None", statement, "class LeNet:\n    pass\ndef train(m):\n    return data"),
        ["LeNet", "train"],
    )
    assert kept(ex) == [(1, 1), (3, 1), (3, 3)]
    first = neutralise(statement).split("\n")[0]
    assert DroppedStatement(2, 1, first, reason) in ex.summary.dropped


def test_assert_and_loops_are_never_kept() -> None:
    ex = extract(
        nb(
            "class Dropout:\n    pass",
            "assert Dropout is not None",
            "for epoch in range(3):\n    Dropout = None",
            "while False:\n    Dropout = 1",
        ),
        ["Dropout"],
    )
    assert kept(ex) == [(1, 1)]
    assert ex.found == {"Dropout": (1, 1)}
    assert reasons(ex) == {
        "assert Dropout is not None": "assert / test code",
        "for epoch in range(3):": "loop at top level (training or data code)",
        "while False:": "loop at top level (training or data code)",
    }


def test_definition_is_never_dropped_for_what_its_body_does() -> None:
    """A print, plot, loop or training call in a class body (or a function body) is part of the definition."""
    ex = extract(
        nb(
            "import torch.nn as nn\nimport matplotlib.pyplot as plt",
            "class Dropout(nn.Module):\n    print('defining')\n    display(1)\n    plt.plot([1])\n"
            "    for i in range(2):\n        pass\n    def forward(self, x):\n        print(x)\n        return x",
            "def fit(m):\n    print('training')\n    m.fit()\n    return m",
            "print(Dropout)",
        ),
        ["Dropout", "fit"],
    )
    assert ex.found == {"Dropout": (2, 1), "fit": (3, 1)}
    assert kept(ex) == [(1, 1), (1, 2), (2, 1), (3, 1)]
    assert reasons(ex) == {"print(Dropout)": "print/display"}  # a top-level print is still dropped


def test_class_header_is_still_classified() -> None:
    """Decorators, bases and keywords run with the class statement: those still get it dropped."""
    ex = extract(nb("class Dropout(make_base(print('x'))):\n    pass"), ["Dropout"])
    assert ex.found == {}
    assert reasons(ex) == {"class Dropout(make_base(print('x'))):": "print/display"}


def test_print_in_class_body_runs_with_the_class() -> None:
    ex = extract(nb("class Dropout:\n    print('defining')\n    p = 0.5"), ["Dropout"])
    assert kept(ex) == [(1, 1)]
    assert module(ex)["Dropout"].p == 0.5  # type: ignore[attr-defined]


def test_graded_class_call_is_not_a_training_call() -> None:
    ex = extract(nb("class LeNet:\n    pass", "proto = LeNet()", "def backprop_deep():\n    return proto"),
                 ["LeNet", "backprop_deep"])
    assert kept(ex) == [(1, 1), (2, 1), (3, 1)]


def test_only_unsafe_bindings_means_missing() -> None:
    ex = extract(nb("import torch", "fit = torch.load('fit.pt')"), ["fit"])
    assert ex.found == {}
    assert ex.summary.missing == ("fit",)
    assert reasons(ex)["fit = torch.load('fit.pt')"] == "file or checkpoint I/O"


# --------------------------------------------------------------------- imports


def test_import_binding_rules() -> None:
    ex = extract(
        nb("import torch.nn\nimport torch.nn as nn\nfrom torch import optim as o", "def f():\n    return torch, nn, o"),
        ["f"],
    )
    assert [s.binds for s in ex.statements] == [("torch",), ("nn",), ("o",), ("f",)]


def test_safe_star_import_kept_unknown_reported() -> None:
    ex = extract(
        nb("from math import *\nfrom helpers import *\nfrom math import pi", "def f():\n    return sqrt(pi), len([])"),
        ["f"],
    )
    assert sources(ex) == ["from math import *", "from math import pi", "def f():\n    return sqrt(pi), len([])"]
    assert reasons(ex) == {"from helpers import *": "star import from a module the grader does not know"}
    assert module(ex)["f"]() == (pi_sqrt(), 0)  # type: ignore[operator]


def pi_sqrt() -> float:
    import math

    return math.sqrt(math.pi)


def test_star_import_not_kept_for_builtins_only() -> None:
    ex = extract(nb("from math import *", "def f():\n    return len([])"), ["f"])
    assert kept(ex) == [(2, 1)]


def test_future_import_kept_first() -> None:
    ex = extract(nb("x = 1", "from __future__ import annotations\ndef f(a: Later) -> Later:\n    return a"), ["f"])
    assert sources(ex)[0] == "from __future__ import annotations"
    assert kept(ex) == [(2, 1), (2, 2)]
    assert module(ex)["f"](3) == 3  # type: ignore[operator]


# --------------------------------------------------------------------- report


def test_syntax_error_cell_is_skipped_and_reported_rest_still_extracted() -> None:
    skipped = (CellProblem(cell=2, line=1, message="cell magic %%bash is not Python; cell skipped"),)
    ex = extract(
        nb("class Dropout:\n    pass", "x = 1", "def fit(:\n    pass", "class BatchNorm:\n    pass", skipped=skipped),
        ["Dropout", "BatchNorm", "fit"],
    )
    assert kept(ex) == [(1, 1), (4, 1)]
    assert ex.found == {"Dropout": (1, 1), "BatchNorm": (4, 1)}
    assert ex.summary.missing == ("fit",)
    assert ex.summary.cell_problems == (
        skipped[0],
        CellProblem(cell=3, line=1, message="SyntaxError: invalid syntax"),
    )


def test_kept_summary_lines_and_long_dropped_summary_is_shortened() -> None:
    long_call = "print(" + "'x', " * 40 + ")"
    ex = extract(nb("class Dropout(object):\n    pass", long_call), ["Dropout", "resnet"])
    assert ex.summary.kept == ("cell 1, line 1: class Dropout(object):",)
    (dropped,) = ex.summary.dropped
    assert len(dropped.summary) == 80
    assert dropped.summary.endswith("…")
    assert dropped.summary[:-1] == long_call[:79]
    assert ex.summary.missing == ("resnet",)


def test_deterministic() -> None:
    notebook = nb(
        "import math\nA = 1\nB = 2",
        "def f():\n    return A + B + math.pi\nclass G:\n    x = A",
        "for i in range(2):\n    pass\nprint(A)",
    )
    first = extract(notebook, ["G", "f", "G"])
    assert first == extract(notebook, ["G", "f"])
    assert list(first.found) == ["G", "f"]


def test_top_level_names_reports_last_binding() -> None:
    names = top_level_names(
        nb("import torch.nn as nn\nx = 1", "def x():\n    y = 2\n    return y", "for epoch in range(2):\n    pass", "bad("),
    )
    assert names == {"epoch": (3, 1), "nn": (1, 1), "x": (2, 1)}


def test_end_to_end_from_notebook_file(tmp_path: Path) -> None:
    path = tmp_path / "sub.ipynb"
    cells = [
        v4.new_markdown_cell("# ResNet"),
        v4.new_code_cell("%matplotlib inline\nimport math\nfrom google.colab import drive"),
        v4.new_code_cell("%%time\nWIDTH = 4\ndef block(x):\n    return x * WIDTH"),
        v4.new_code_cell("%%bash\nwget http://example.com/data.tgz"),
        v4.new_code_cell("class ResidualBlock:\n    def forward(self, x):\n        return block(math.floor(x))"),
        v4.new_code_cell("rb = ResidualBlock()\nrb.forward(2.5)\nassert rb.forward(1) == 4"),
    ]
    nbformat.write(v4.new_notebook(cells=cells), str(path))
    ex = extract(read_submission(path), ["ResidualBlock"])
    assert ex.summary.kept == (
        "cell 2, line 2: import math",
        "cell 3, line 2: WIDTH = 4",
        "cell 3, line 3: def block(x):",
        "cell 5, line 1: class ResidualBlock:",
    )
    assert ex.summary.cell_problems == (CellProblem(4, 1, "cell magic %%bash is not Python; cell skipped"),)
    assert module(ex)["ResidualBlock"]().forward(2.5) == 8  # type: ignore[operator]


@pytest.mark.slow
def test_dropout_with_print_in_class_body_gets_full_marks(tmp_path: Path) -> None:
    """End to end: the class-body print no longer hides a correct Dropout (it ran, in the worker)."""
    from grader.grade import GradeOptions, grade

    catalog = Path(__file__).parent / "catalog" / "resnet_cifar10" / "Dropout" / "good_bernoulli_mask.py"
    source = catalog.read_text().replace("class Dropout(nn.Module):\n",
                                         "class Dropout(nn.Module):\n    print(\"defining\")\n", 1)
    assert 'print("defining")' in source
    path = tmp_path / "dropout_print.py"
    path.write_text(source)
    result = grade(path, GradeOptions(assignment="resnet_cifar10", items=("Dropout",)))
    (item,) = result.items
    assert item.found_as == "Dropout"
    assert item.score == item.max_score > 0, [c.message for c in item.checks if not c.passed]
    assert "defining" in result.sandbox.stdout


# --------------------------------------------------------------- parse once


def test_grading_parses_each_cell_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Name resolution (assignment, aliases, suggestions) and slicing share one parse of each cell
    (before: three, by top_level_names, definitions and extract)."""
    import ast

    from grader import assignment as assignments
    from grader.grade import GradeOptions, resolve_and_slice

    path = Path(__file__).parent.parent / "submissions" / "resnet_cifar10_full_marks.ipynb"
    notebook = read_submission(path)
    notebook = Notebook(notebook.path, notebook.cells + (Cell(99, "class MyDropout:\n    pass", ""),), ())
    for assignment in assignments.available().values():
        assignment.template_definitions()  # cached: the templates' parse is not the submission's
    sources = {cell.source for cell in notebook.cells}
    parsed: list[str] = []
    real = ast.parse

    def counting(source: str, *args: object, **kwargs: object) -> ast.AST:
        parsed.append(source)
        return real(source, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ast, "parse", counting)
    names, extraction = resolve_and_slice(notebook, GradeOptions(aliases=(("Dropout", "Missing"),)))
    assert names.assignment.name == "resnet_cifar10" and names.graded["Dropout"] == "Missing"
    assert "Missing" not in extraction.found and "MyDropout" in names.hint(names.items[0])
    assert sorted(parsed) == sorted(sources)  # every cell once, nothing else
