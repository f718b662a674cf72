"""Running one item's student code in a locked-down executor, split by the process each line runs in.

==================  ================================  ==================================================
package             process                           job
==================  ================================  ==================================================
``judge/``          the judge (grader's own process)  start executors through the zygote
                                                      (``launcher``; ``spawner`` where no zygote can
                                                      fork: macOS, Windows), send requests and validate every
                                                      reply, time out and restart (``client``), one
                                                      executor per graded item (``items``)
``executor/``       the zygote, and each executor     the zygote (``zygote``) imports torch and the
                    it forks (or the judge spawns)    probes, never runs student code, forks one
                                                      executor per item (or ``spawned`` starts as a
                                                      fresh interpreter; ``startup``: what both do
                                                      first); the executor (``server``)
                                                      enters its namespaces (``namespaces``), applies
                                                      its limits (``limits``: rlimits, ``landlock``,
                                                      ``seccomp_filter``), loads the student module
                                                      and calls into it (``student``), watching for
                                                      tampering (``guard``, ``audit``) and for what a
                                                      call left behind (``leftovers``)
``probes/``         the executor                      generic probes: grader code that touches student
                                                      objects and returns plain data, in one registry
                                                      (``registry.OPERATIONS``); no verdicts, no
                                                      assignment specifics
``common/``         both (neutral)                    what both sides need: the wire format
                                                      (``protocol``), call descriptions
                                                      (``call_spec``), the limits' values (``limits``),
                                                      the executor's environment (``environment``),
                                                      the submission's cgroup (``cgroup``: the judge
                                                      creates it, executors join it), the probe network
                                                      (``probe_net``) and parameter units
                                                      (``module_units``) both sides build
==================  ================================  ==================================================

Dependencies point one way: ``judge/`` imports ``common/`` only (it names the zygote's module as a
string for ``python -m``, never imports it); ``executor/`` and ``probes/`` import ``common/`` and each
other, never ``reference``, ``assignments``, ``grader.checks``, ``grader.report`` or ``grader.grade``;
``common/`` imports neither side.  ``tests/test_layout.py`` checks all of this.
"""
