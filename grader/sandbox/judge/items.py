"""Judge side: one executor per graded item, all sharing the submission's clock.

An item's executor loads only the statements that item needs (its slice), so one
item's tampering, crash or hang costs only that item.  A statement that hung or
crashed an executor is not run again for the next item that needs it: the failure
is carried over, so a notebook-level ``while True`` costs one deadline, not one per item.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from grader.extract import Extraction
from grader.sandbox.common.cgroup import SubmissionCgroup
from grader.sandbox.common.limits import Limits
from grader.sandbox.judge.client import Clock, Failure, Sandbox


@dataclass
class ItemSandboxes:
    """The executors of one submission: started per item from its slice, closed with the submission."""

    extraction: Extraction
    limits: Limits
    clock: Clock = field(default_factory=Clock)
    #: statement index (into ``extraction.statements``) -> why it failed to load
    load_failures: dict[int, Failure] = field(default_factory=dict)
    _used: list[Sandbox] = field(default_factory=list)
    _launched: dict[str, Sandbox] = field(default_factory=dict)  #: forked ahead, not started yet
    cgroup: SubmissionCgroup | None = None  #: memory and processes of all the executors together
    cgroup_note: str = ""  #: why there is no cgroup, when there is none

    def __post_init__(self) -> None:
        self.cgroup, note = SubmissionCgroup.create(self.limits.memory_bytes, self.limits.max_processes)
        self.cgroup_note = "" if self.cgroup is not None else note

    def launch(self, name: str) -> None:
        """Fork ``name``'s executor now, so that its set-up overlaps the judge's work on the item before."""
        if name not in self._launched:
            self._launched[name] = self._new(name)
            self._launched[name].launch()

    def start(self, name: str) -> Sandbox:
        """A running executor holding what ``name`` needs (the caller closes it)."""
        indices = self.extraction.needs.get(name, ())
        sandbox = self._launched.pop(name, None) or self._new(name)
        sandbox.load_failures.update({local: self.load_failures[index] for local, index in enumerate(indices)
                                      if index in self.load_failures})
        self._used.append(sandbox)
        sandbox.start()
        for local, failure in sandbox.load_failures.items():
            self.load_failures.setdefault(indices[local], failure)
        return sandbox

    def _new(self, name: str) -> Sandbox:
        indices = self.extraction.needs.get(name, ())
        return Sandbox(tuple(self.extraction.statements[i] for i in indices), self.limits, clock=self.clock,
                       cgroup=self.cgroup)

    # -- what the report says about all of them -------------------------------------
    @property
    def restarts(self) -> int:
        return sum(sandbox.restarts for sandbox in self._used)

    @property
    def limits_applied(self) -> tuple[str, ...]:
        return next((s.limits_applied for s in self._used if s.limits_applied), ())

    @property
    def limits_not_applied(self) -> tuple[str, ...]:
        notes = next((s.limits_not_applied for s in self._used if s.limits_applied or s.limits_not_applied), ())
        return notes + ((self.cgroup_note,) if self.cgroup_note else ())

    @property
    def stdout(self) -> str:
        return self._joined("stdout")

    @property
    def stderr(self) -> str:
        return self._joined("stderr")

    def _joined(self, stream: str) -> str:
        text = "".join(getattr(sandbox, stream) for sandbox in self._used)
        cap = self.limits.output_bytes
        return text if len(text) <= cap else text[:cap] + "\n… (output truncated)"

    def close(self) -> None:
        for sandbox in [*self._used, *self._launched.values()]:
            sandbox.close()
        self._launched.clear()
        if self.cgroup is not None:
            self.cgroup.close()
