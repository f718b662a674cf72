# Two commands on a fresh machine: `make grade SUBMISSION=…` and `make test`.
# Both create .venv and install the pinned dependencies on the way.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
SUBMISSION ?= submissions/resnet_cifar10_full_marks.ipynb
ASSIGNMENT ?=
GRADE_ARGS ?=
# SMOKE=1: also run the training smoke tests (--smoke; zero points, see README).
SMOKE ?=
# Test processes: every grading test is one judge plus one single-threaded worker, so one per core.
TEST_WORKERS ?= $(shell nproc 2>/dev/null || echo 2)

OUT ?=

.PHONY: install grade check release test clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

grade: $(STAMP)
	$(PY) -m grader grade "$(SUBMISSION)" $(if $(ASSIGNMENT),--assignment "$(ASSIGNMENT)") $(if $(filter 1,$(SMOKE)),--smoke) $(GRADE_ARGS)

# A student's self-check: the public checks only (the grade also uses hidden ones).
check: $(STAMP)
	$(PY) -m grader check "$(SUBMISSION)" $(if $(ASSIGNMENT),--assignment "$(ASSIGNMENT)")

# The student bundle of ASSIGNMENT (template, public checks, self-check entry point) into OUT.
release: $(STAMP)
	@test -n "$(ASSIGNMENT)" || { echo "error: name the assignment: make release ASSIGNMENT=name [OUT=dir]" >&2; exit 2; }
	$(PY) -m grader release "$(ASSIGNMENT)" $(if $(OUT),--out "$(OUT)")

test: $(STAMP)
	$(PY) -m pytest -q -n $(TEST_WORKERS)

# The Gradescope autograder zip of one assignment (README "Gradescope"): make gradescope ASSIGNMENT=name [OUT=dir]
.PHONY: gradescope
gradescope: $(STAMP)
	$(PY) -m grader.gradescope build "$(ASSIGNMENT)" $(if $(OUT),--out "$(OUT)")

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
