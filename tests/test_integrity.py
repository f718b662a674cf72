"""The code-integrity policy (grader.integrity): what it rejects, through which aliases, and that
no honest answer of the catalog or the example submissions trips it.

Each rule has code that must be rejected, with the rule and the line asserted; the last tests run the
policy over the exact per-item slices extraction cuts from every good catalog entry, every example
submission and every reference solution, with each item's ``forbidden`` names, and require silence.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from catalog_entries import entries
from grader import assignment as assignments
from grader.extract import extract, top_level_names
from grader.integrity import Violation, check_statements, forbidden_mapping
from grader.notebook import read_submission

ROOT = Path(__file__).resolve().parents[1]
RESNET = assignments.get("resnet_cifar10")
DROPOUT = forbidden_mapping(next(i for i in RESNET.items if i.name == "Dropout"))
BATCHNORM = forbidden_mapping(next(i for i in RESNET.items if i.name == "BatchNorm"))
HEADER = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"


def violations(source: str, forbidden: dict[str, str] | None = None, cell: int = 3, line: int = 1) -> list[Violation]:
    return check_statements([(1, 1, HEADER), (cell, line, textwrap.dedent(source))], forbidden or {})


def rules_at(source: str, forbidden: dict[str, str] | None = None) -> set[tuple[str, int]]:
    return {(v.rule, v.line) for v in violations(source, forbidden)}


REJECTED = [
    # (rule, line of the violation within the statement, source)
    ("frame-access", 2, "import sys\nf = sys._getframe()\n"),
    ("frame-access", 3, "def f(x):\n    y = x\n    return y.f_back.f_globals\n"),
    ("frame-access", 1, "g = (i for i in []).gi_frame\n"),
    ("frame-access", 4, "try:\n    1 / 0\nexcept Exception as e:\n    e.__traceback__.tb_frame\n"),
    ("frame-access", 1, "n = (lambda: 0).co_consts\n"),
    ("dunder-attribute", 1, "g = (lambda: 0).__globals__\n"),
    ("dunder-attribute", 1, "subs = object.__subclasses__()\n"),
    ("dunder-attribute", 2, "class A:\n    k = int.__mro__\n"),
    ("dunder-attribute", 1, "d = torch.__dict__\n"),
    ("dunder-attribute", 1, "k = (lambda x=1: x).__defaults__\n"),
    ("dynamic-execution", 1, "y = eval('1 + 1')\n"),
    ("dynamic-execution", 2, "def f():\n    exec('x = 1')\n"),
    ("dynamic-execution", 1, "c = compile('1', 'f', 'eval')\n"),
    ("dynamic-execution", 1, "g = globals()\n"),
    ("dynamic-execution", 1, "b = __builtins__\n"),
    ("dynamic-execution", 1, "m = __import__('os')\n"),
    ("dynamic-execution", 2, "def f():\n    return input()\n"),
    ("denied-import", 2, "import gc\nobjects = gc.get_objects()\n"),
    ("denied-import", 1, "from gc import get_referrers\n"),
    ("denied-import", 1, "from sklearn.utils import parallel_backend\n"),
    ("denied-import", 2, "import gc as g\ng.set_debug(g.DEBUG_SAVEALL)\n"),
    ("denied-import", 1, "import ctypes as c\n"),
    ("denied-import", 1, "from inspect import currentframe\n"),
    ("denied-import", 1, "import importlib.util\n"),
    ("denied-import", 1, "from grader.sandbox import protocol\n"),
    ("denied-import", 1, "import _thread\n"),
    ("denied-import", 1, "from operator import attrgetter\n"),
    ("denied-import", 2, "import operator\nf = operator.methodcaller('x')\n"),
    ("denied-import", 2, "import string\nf = string.Formatter()\n"),
    ("sys-access", 2, "import sys\nm = sys.modules\n"),
    ("sys-access", 1, "from sys import modules\n"),
    ("sys-access", 2, "import sys as s\ns.settrace(None)\n"),
    ("private-attribute", 2, "import random\nr = random._os\n"),
    ("private-attribute", 2, "import numpy as np\nc = np._core\n"),
    ("denied-attribute", 1, "p = torch.serialization.pickle\n"),
    ("denied-attribute", 2, "def f(x):\n    return x.sys\n"),
    ("denied-attribute", 2, "def f(arr):\n    return arr.ctypes\n"),
    ("monkeypatch", 2, "import json\njson.dumps = str\n"),
    ("monkeypatch", 1, "torch.Tensor.var = lambda self: 0\n"),
    ("monkeypatch", 1, "F.relu = torch.sigmoid\n"),
    ("monkeypatch", 1, "nn.Module.__call__ = None\n"),
    ("monkeypatch", 2, "class Dropout(nn.Module):\n    torch.sqrt += 0\n"),
    ("monkeypatch", 1, "del torch.allclose\n"),
    ("monkeypatch", 1, "setattr(torch, 'allclose', None)\n"),
    ("monkeypatch", 3, "import json as j\nk = j.encoder\nk.c_make_encoder = None\n"),
    ("monkeypatch", 2, "from json import encoder\nencoder.ESCAPE_DCT['a'] = 'b'\n"),
    ("torch-internals", 1, "v = torch._VF.dropout\n"),
    ("torch-internals", 1, "a = torch.ops.aten.dropout\n"),
    ("torch-internals", 1, "from torch._C import DisableTorchFunction\n"),
    ("torch-internals", 1, "from torch import _C\n"),
    ("torch-internals", 1, "import torch.library\n"),
    ("torch-internals", 1, "m = torch.overrides.TorchFunctionMode\n"),
    ("torch-internals", 1, "from torch.utils import cpp_extension\n"),
    ("torch-internals", 1, "f = torch.compile(len)\n"),
    ("torch-internals", 1, "h = torch.hub.load\n"),
    ("unsafe-load", 1, "s = torch.load('m.pt', weights_only=False)\n"),
    ("unsafe-load", 2, "import pickle as p\ns = torch.load('m.pt', pickle_module=p)\n"),
    ("unsafe-load", 2, "import numpy as np\na = np.load('a.npy', allow_pickle=True)\n"),
    ("system-path", 1, "t = open('/proc/self/cmdline').read()\n"),
    ("system-path", 2, "def f(pid):\n    return open(f'/proc/{pid}/environ')\n"),
    ("system-path", 1, "z = open('/dev/mem')\n"),
    ("denied-name-string", 1, "g = getattr(len, '__globals__', None)\n"),
    ("denied-name-string", 2, "def up(frame):\n    return getattr(frame, 'f_back')\n"),
]


@pytest.mark.parametrize("rule, line, source", REJECTED, ids=[f"{r}-{i}" for i, (r, _, _) in enumerate(REJECTED)])
def test_rule_rejects(rule: str, line: int, source: str) -> None:
    found = rules_at(source)
    assert (rule, line) in found, found


def test_a_violation_names_cell_line_and_rule_in_words() -> None:
    [violation] = violations("class Dropout(nn.Module):\n    def forward(self, x):\n        return x.f_back\n",
                             cell=7, line=4)
    assert (violation.cell, violation.line, violation.rule) == (7, 6, "frame-access")
    assert violation.message.startswith("cell 7, line 6: `.f_back`")
    assert "integrity rule `frame-access`" in violation.message and "call frames" in violation.message


FORBIDDEN_DROPOUT = [
    "y = F.dropout(x, 0.5)\n",
    "y = torch.dropout(x, 0.5, True)\n",
    "y = torch.nn.functional.dropout(x)\n",
    "y = nn.functional.dropout(x)\n",
    "y = nn.Dropout(0.5)\n",
    "y = torch.nn.AlphaDropout(0.5)\n",
    "y = F.dropout2d(x)\n",
    "y = F.feature_alpha_dropout(x, 0.5, True)\n",
    "d = F.dropout\n",
    "y = getattr(F, 'dropout')(x)\n",
    "from torch.nn.functional import dropout as d\n",
    "from torch.nn import functional as G\ny = G.alpha_dropout(x)\n",
    "from torch.nn import Dropout\n",
    "import torch.nn.functional as G\nH = G\ny = H.dropout1d(x)\n",
    "from torch.nn.functional import *\ny = dropout(x)\n",
]


@pytest.mark.parametrize("source", FORBIDDEN_DROPOUT)
def test_forbidden_dropout_and_its_aliases(source: str) -> None:
    assert "forbidden-function" in {v.rule for v in violations(source, DROPOUT)}
    assert "forbidden-function" not in {v.rule for v in violations(source)}  # only for the items that forbid it


FORBIDDEN_NORMALISATION = [
    "y = F.batch_norm(x, None, None, training=True)\n",
    "y = torch.batch_norm\n",
    "y = torch.native_batch_norm\n",
    "y = F.layer_norm(x, x.shape[1:])\n",
    "y = F.instance_norm(x)\n",
    "y = F.group_norm(x, 1)\n",
    "y = F.normalize(x)\n",
    "BN = nn.BatchNorm2d\n",
    "m = nn.BatchNorm1d(3)\n",
    "m = torch.nn.LayerNorm(3)\n",
    "m = nn.GroupNorm(1, 3)\n",
    "m = nn.InstanceNorm1d(3)\n",
    "m = nn.LocalResponseNorm(2)\n",
    "m = nn.SyncBatchNorm(3)\n",
    "from torch.nn import BatchNorm1d as B\n",
]


@pytest.mark.parametrize("source", FORBIDDEN_NORMALISATION)
def test_forbidden_normalisations_and_their_aliases(source: str) -> None:
    assert "forbidden-function" in {v.rule for v in violations(source, BATCHNORM)}


HONEST = '''\
import copy, gc, math, os, random, sys, time
import numpy as np
from sklearn.metrics import accuracy_score
import sklearn.metrics as metrics
from tqdm.auto import tqdm
from IPython.display import display
import matplotlib.pyplot as plt

class Block(nn.Module):
    def __init__(self, n: int = 2) -> None:
        super().__init__()
        nn.Module.__init__(self)
        for i in range(n):
            setattr(self, f"conv{i}", nn.Conv2d(3, 3, 3, padding=1))
        self.register_buffer("count", torch.zeros(1))
        self.bn = nn.BatchNorm2d(3)
        self.drop = nn.Dropout(0.5)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        out = input
        for i in range(2):
            out = getattr(self, f"conv{i}")(out)
        print(f"{self.__class__.__name__}: {out.shape}", file=sys.stdout)
        mask = (torch.rand_like(out) > 0.5).float()
        return F.relu(self.bn(out * mask)).detach().data + out.mean(dim=(0, 2), keepdim=True)

@torch.no_grad()
def evaluate(model, loader, device=torch.device("cpu")):
    model.eval()
    start = time.time()
    for x, y in tqdm(loader):
        model(x.to(device))
    torch.manual_seed(0); np.random.seed(0); random.seed(math.floor(1.5))
    gc.collect(); torch.cuda.empty_cache()
    best = copy.deepcopy(model.state_dict())
    torch.save(best, os.path.join("ckpt", "best.pt"))
    model.load_state_dict(torch.load(os.path.join("ckpt", "best.pt")))
    model.load_state_dict(torch.load("best.pt", weights_only=True, map_location="cpu"))
    get_ipython().run_line_magic("matplotlib", "inline")
    plt.plot([1, 2]); display(model)
    return time.time() - start, sys.maxsize, sys.version_info, torch.__version__

def train(model, input, vars=None):
    torch.backends.cudnn.benchmark = True
    return input, vars
'''


def test_honest_code_passes() -> None:
    assert violations(HONEST) == []


# -- zero false positives on every honest slice -----------------------------------------------

def _slices(path: Path, assignment: assignments.Assignment):
    """(item, statements) for each item the submission defines: exactly what grading loads per item."""
    notebook = read_submission(path)
    defined = set(top_level_names(notebook))
    names = {}
    for item in assignment.items:
        candidates = [n for n in (item.name, *item.aliases, *item.redefined_aliases) if n in defined]
        names[item.name] = candidates[0] if candidates else item.name
    extraction = extract(notebook, list(names.values()))
    for item in assignment.items:
        needed = extraction.needs.get(names[item.name], ())
        if needed:
            yield item, [(s.cell, s.line, s.source) for s in (extraction.statements[i] for i in needed)]


def _honest_sources() -> list[tuple[Path, assignments.Assignment]]:
    found = [(entry.path, assignments.get(entry.assignment)) for entry in entries() if entry.good]
    examples = sorted(p for p in (ROOT / "submissions").iterdir()
                      if p.suffix == ".ipynb" or (p.suffix == ".py" and not p.stem.endswith(("_examples", "_cells"))
                                                  and p.stem != "make_examples"))
    for path in examples:
        found.append((path, assignments.detect(set(top_level_names(read_submission(path))))))
    for name in assignments.available():
        found.append((ROOT / "reference" / f"{name}.py", assignments.get(name)))
    return found


def test_no_false_positive_on_any_honest_slice() -> None:
    checked = 0
    flagged = []
    for path, assignment in _honest_sources():
        for item, statements in _slices(path, assignment):
            checked += 1
            for violation in check_statements(statements, forbidden_mapping(item)):
                flagged.append(f"{path.relative_to(ROOT)} [{item.name}] {violation.message}")
    print(f"integrity policy: {checked} honest slices checked, {len(flagged)} flagged")
    assert not flagged, "\n".join(flagged)
    assert checked >= 150, checked


# -- the run-time layer: the student namespace's builtins, and the wider guard -------------------

@pytest.fixture()
def student():
    from grader.sandbox.executor.guard import Guard
    from grader.sandbox.executor.student import StudentModule

    module = StudentModule(guard=Guard())
    module.run_statement(1, 1, HEADER + "import json, sys, os, copy, random\n")
    return module


def _outcome(student, source: str) -> str:
    from grader.sandbox.executor.student import StudentCodeError

    try:
        student.run_statement(5, 1, source)
    except StudentCodeError as exc:
        return exc.failure["summary"]
    return "ok"


@pytest.mark.parametrize("source, rule", [
    ("eval('1')", "dynamic-execution"),
    ("exec('x = 1')", "dynamic-execution"),
    ("vars()", "dynamic-execution"),
    ("input()", "dynamic-execution"),
    ("getattr(sys, '_get' + 'frame')", "frame-access"),
    ("getattr(len, '__glo' + 'bals__')", "dunder-attribute"),
    ("getattr(random, '_' + 'os')", "private-attribute"),
    ("getattr(sys, 'mod' + 'ules')", "sys-access"),
    ("setattr(json, 'du' + 'mps', str)", "monkeypatch"),
    ("setattr(torch.Tensor, 'v' + 'ar', None)", "monkeypatch"),
    ("delattr(nn.Module, '__call__')", "monkeypatch"),
    ("__import__('ct' + 'ypes')", "denied-import"),
    ("getattr(__import__('g' + 'c'), 'get_' + 'objects')", "denied-import"),
    ("from gc import get_referents", "denied-import"),
    ("import builtins", "denied-import"),
    ("import grader", "denied-import"),
    ("from torch import _C", "denied-import"),
])
def test_runtime_refusals_name_the_rule(student, source: str, rule: str) -> None:
    summary = _outcome(student, source + "\n")
    assert summary.startswith("IntegrityError") and f"integrity rule `{rule}`" in summary, summary


def test_runtime_layer_lets_honest_code_run(student) -> None:
    source = ("class Block(nn.Module):\n"
              "    def __init__(self):\n"
              "        super().__init__()\n"
              "        for i in range(2):\n"
              "            setattr(self, f'conv{i}', nn.Linear(2, 2))\n"
              "        self.register_buffer('count', torch.zeros(1))\n"
              "    def forward(self, x):\n"
              "        return getattr(self, 'conv1')(getattr(self, 'conv0')(x))\n"
              "block = Block()\n"
              "copy.deepcopy(block)(torch.zeros(1, 2))\n"
              "assert hasattr(block, 'conv1') and block.__class__.__name__ == 'Block'\n"
              "setattr(Block, 'extra', 1)\n"
              "from torch.nn.functional import relu\n"
              "print(os.path.join('a', 'b'), sys.maxsize > 0, file=sys.stdout)\n")
    assert _outcome(student, source) == "ok"


def test_guard_restores_whole_module_and_class_dictionaries() -> None:
    import json
    import time

    import torch

    from grader.sandbox.executor.guard import Guard

    guard = Guard()
    originals = (torch.Tensor.var, torch.sqrt, json.JSONEncoder.encode, json.encoder.c_make_encoder)
    torch.Tensor.var = lambda *args, **kwargs: 0  # shadows TensorBase.var: an addition to Tensor's dict
    torch.sqrt = abs
    json.JSONEncoder.encode = None
    json.encoder.c_make_encoder = None
    changed = guard.check_and_restore()
    assert {"torch.Tensor.var", "torch.sqrt", "json.JSONEncoder.encode", "json.encoder.c_make_encoder"} <= set(changed)
    assert (torch.Tensor.var, torch.sqrt, json.JSONEncoder.encode, json.encoder.c_make_encoder) == originals
    assert guard.check_and_restore() == []
    started = time.perf_counter()
    for _ in range(200):
        guard.check_and_restore()
    per_call_ms = (time.perf_counter() - started) / 200 * 1000
    print(f"guard: {per_call_ms:.3f} ms per check")
    assert per_call_ms < 5


def test_integrity_result_fails_the_item_with_the_rule_and_leaves_clean_items_alone() -> None:
    from grader.extract import Statement
    from grader.grade import integrity_result

    dropout = next(i for i in RESNET.items if i.name == "Dropout")
    header = Statement(1, 1, HEADER, ("torch", "nn", "F"))
    cheat = Statement(2, 1, "class Dropout(nn.Module):\n    def forward(self, x):\n        return F.dropout(x)\n",
                      ("Dropout",))
    honest = Statement(2, 1, "class Dropout(nn.Module):\n    def forward(self, x):\n        return x * 1.0\n",
                       ("Dropout",))
    assert integrity_result(dropout, [header, honest]) is None
    result = integrity_result(dropout, [header, cheat])
    assert result is not None and result.score == 0 and result.max_score == dropout.max_points
    assert (result.found_as, result.location) == ("Dropout", "cell 2, line 1")
    first, *others = result.checks
    assert first.name == "integrity" and first.outcome == "failed"
    assert "cell 2, line 3" in first.message and "forbidden-function" in first.message
    assert [c.name for c in others] == [c.name for c in dropout.checks]
    assert all(c.message.startswith("not run: integrity violation at cell 2, line 3") for c in others)
