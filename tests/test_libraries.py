"""Libraries real notebooks use inside graded code (tqdm, matplotlib, IPython.display) work in the
executor and print nothing; a library the grader does not provide gets a message naming the line."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from grader.grade import GradeOptions, grade
from grader.results import GradeResult

ROOT = Path(__file__).parent.parent
SUBMISSIONS = ROOT / "submissions"
pytestmark = pytest.mark.slow

VALIDATION_TQDM = '''\
from tqdm import tqdm
from tqdm.auto import tqdm as auto_tqdm
from tqdm.notebook import tqdm as notebook_tqdm, trange

def validation(model, valloader, criterion):
    model.eval()
    correct = 0
    total = 0
    running_loss = 0.0
    for _ in trange(1, desc="validation"):
        pass
    with torch.no_grad():
        bar = tqdm(valloader, desc="validation", leave=True)
        for inputs, labels in notebook_tqdm(auto_tqdm(bar, total=len(valloader))):
            outputs = model(inputs)
            loss = criterion(outputs, labels)
            running_loss += loss.item()
            _, predicted = torch.max(outputs, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
            bar.set_postfix(loss=loss.item())
    mean_val_loss = running_loss / len(valloader)
    mean_val_accuracy = correct / total
    return mean_val_loss, mean_val_accuracy
'''

TRAIN_CLEAR_OUTPUT = '''\
from IPython.display import clear_output, display
import IPython.display

def train(model, trainloader, criterion, optimizer, epoch, num_epochs):
    model.train()
    for i, (inputs, labels) in enumerate(trainloader):
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        clear_output(wait=True)
        display(f"Epoch [{epoch + 1}/{num_epochs}], Step [{i + 1}/{len(trainloader)}], Loss: {loss.item():.4f}")
        IPython.display.display(IPython.display.Markdown("**training**"))
'''

BACKPROP_PLOT = '''\
import matplotlib.pyplot as plt
import matplotlib

def backprop_deep(xtrain, ltrain, net, T, B=100, gamma=.001, rho=.9):
    N = xtrain.size()[0]
    NB = N // B
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=gamma, momentum=rho)
    losses = []
    for epoch in range(T):
        shuffled_indices = np.random.permutation(N)
        for k in range(NB):
            minibatch_indices = shuffled_indices[B*k:min(B*(k+1), N)]
            inputs = xtrain[minibatch_indices]
            labels = ltrain[minibatch_indices]
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        fig, ax = plt.subplots(figsize=(4, 3))
        ax.plot(losses, label="loss")
        ax.set_xlabel("minibatch")
        ax.legend()
        plt.title(f"epoch {epoch + 1}")
        plt.show()
        plt.close(fig)
        plt.figure()
        plt.plot(range(len(losses)), losses)
        plt.savefig("loss.png")
        plt.show()
'''

FIT_PLOT = '''\
import matplotlib.pyplot as plt
from IPython.display import clear_output

def fit(model, optimizer, lr_scheduler, dataloaders, max_epochs, patience):
    best_acc, waited = 0, 0
    best_weights = copy.deepcopy(model.state_dict())
    val_accs = []
    for epoch in range(max_epochs):
        run_epoch(model, optimizer, dataloaders['train'], train=True)
        lr_scheduler.step()
        val_loss, val_acc = run_epoch(model, None, dataloaders['val'], train=False)
        val_accs.append(val_acc)
        clear_output(wait=True)
        plt.plot(val_accs, label='validation accuracy')  # the current figure: a line more every epoch
        plt.legend()
        if val_acc > best_acc:
            best_acc, waited = val_acc, 0
            best_weights = copy.deepcopy(model.state_dict())
        else:
            waited += 1
            if waited >= patience:
                break
    plt.show()
    model.load_state_dict(best_weights)
'''

VALIDATION_GC_TIME = '''\
import gc, time, datetime
from time import perf_counter
def validation(model, valloader, criterion):
    start = perf_counter(); t0 = time.time(); stamp = datetime.datetime.now()
    model.eval()
    correct = total = 0
    running_loss = 0.0
    with torch.no_grad():
        for inputs, labels in valloader:
            outputs = model(inputs)
            running_loss += criterion(outputs, labels).item()
            correct += (outputs.argmax(1) == labels).sum().item()
            total += labels.size(0)
            torch.cuda.empty_cache()
    gc.collect()
    elapsed = f"validation took {perf_counter() - start:.2f}s {time.time() - t0:.1f} {stamp:%H}"
    return running_loss / len(valloader), correct / total
'''

VALIDATION_SKLEARN = '''\
from sklearn.metrics import accuracy_score
def validation(model, valloader, criterion):
    model.eval()
    preds, targets, running_loss = [], [], 0.0
    with torch.no_grad():
        for inputs, labels in valloader:
            outputs = model(inputs)
            running_loss += criterion(outputs, labels).item()
            preds += outputs.argmax(1).tolist(); targets += labels.tolist()
    return running_loss / len(valloader), accuracy_score(targets, preds)
'''

TRAIN_TENSORBOARD = '''\
from torch.utils.tensorboard import SummaryWriter
writer = SummaryWriter()
def train(model, trainloader, criterion, optimizer, epoch, num_epochs):
    model.train()
    for i, (inputs, labels) in enumerate(trainloader):
        optimizer.zero_grad()
        loss = criterion(model(inputs), labels)
        loss.backward()
        optimizer.step()
        writer.add_scalar("loss/train", loss.item(), epoch * len(trainloader) + i)
    writer.flush()
'''

VALIDATION_WANDB = '''\
def validation(model, valloader, criterion):
    import wandb
    model.eval()
    return 0.0, 0.0
'''


def _with_cell(tmp_path: Path, example: str, header: str, source: str) -> Path:
    """The full-marks example with the code cell starting with ``header`` replaced by ``source``."""
    nb = nbformat.read(SUBMISSIONS / example, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith(header)]
    assert len(cells) == 1
    cells[0].source = source
    path = tmp_path / example
    nbformat.write(nb, str(path))
    return path


def _item(result: GradeResult, name: str):  # noqa: ANN202 - an ItemResult
    return next(i for i in result.items if i.name == name)


@pytest.mark.parametrize(("example", "header", "source", "item"), [
    ("mnist_logreg_cnn_full_marks.ipynb", "def validation", VALIDATION_TQDM, "validation"),
    ("mnist_logreg_cnn_full_marks.ipynb", "def train", TRAIN_CLEAR_OUTPUT, "train"),
    ("lenet_mnist_full_marks.ipynb", "def backprop_deep", BACKPROP_PLOT, "backprop_deep"),
    ("resnet_cifar10_full_marks.ipynb", "def fit", FIT_PLOT, "fit"),
    ("mnist_logreg_cnn_full_marks.ipynb", "def validation", VALIDATION_GC_TIME, "validation"),
    ("mnist_logreg_cnn_full_marks.ipynb", "def validation", VALIDATION_SKLEARN, "validation"),
    ("mnist_logreg_cnn_full_marks.ipynb", "def train", TRAIN_TENSORBOARD, "train"),
], ids=["validation_tqdm", "train_clear_output", "backprop_deep_matplotlib", "fit_matplotlib_every_epoch",
        "validation_gc_cuda_time", "validation_sklearn", "train_tensorboard"])
def test_library_in_graded_code_keeps_full_marks(tmp_path: Path, example: str, header: str, source: str,
                                                  item: str) -> None:
    result = grade(_with_cell(tmp_path, example, header, source), GradeOptions(items=(item,)))
    graded = _item(result, item)
    assert graded.score == graded.max_score > 0, [(c.name, c.message) for c in graded.checks if c.outcome != "passed"]
    assert result.sandbox.stdout.strip() == "" and result.sandbox.stderr.strip() == "", result.sandbox


def test_unavailable_library_is_named_with_its_line(tmp_path: Path) -> None:
    result = grade(_with_cell(tmp_path, "mnist_logreg_cnn_full_marks.ipynb", "def validation", VALIDATION_WANDB),
                   GradeOptions(items=("validation",)))
    graded = _item(result, "validation")
    assert graded.score == 0
    messages = "\n".join(c.message for c in graded.checks) + graded.message
    assert "`wandb` is not available to the grader: graded code may use torch, numpy" in messages, messages
    assert "line 2" in messages, messages


def test_nbformat_3_full_marks_notebook_gets_full_marks(tmp_path: Path) -> None:
    """A real nbformat-3 notebook (worksheets, ``input``, ``prompt_number``, heading cells): the
    full-marks example written down to version 3 with nbformat's own converter."""
    from nbformat import v3

    nb4 = nbformat.read(SUBMISSIONS / "lenet_mnist_full_marks.ipynb", as_version=4)
    nb4.cells.insert(0, nbformat.v4.new_markdown_cell("# Assignment 2"))  # becomes a v3 heading cell
    nb3 = nbformat.convert(nb4, 3)
    for number, cell in enumerate((c for c in nb3.worksheets[0].cells if c.cell_type == "code"), start=1):
        cell.prompt_number = number
    path = tmp_path / "lenet_mnist_v3.ipynb"
    path.write_text(v3.writes_json(nb3), encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    assert '"nbformat": 3' in text and '"worksheets"' in text and '"input"' in text and '"prompt_number": 1' in text
    assert '"cell_type": "heading"' in text

    result = grade(path)
    assert result.assignment == "lenet_mnist"
    assert result.score == result.max_score > 0
    assert any("nbformat 3 notebook" in w for w in result.warnings)
