"""``python -m grader.gradescope build ASSIGNMENT [--out DIR]`` and ``... run --assignment NAME``.

``build`` writes the zip to upload (exit 0; 2 with an ``error:`` line for an unknown assignment, an
unpinned dependency or an output folder that cannot be written).  ``run`` is what ``run_autograder``
calls inside Gradescope (see :mod:`grader.gradescope.run`); like ``python -m grader``, it fixes the
hash seed first so that the same submission always gets the same grade.
"""

from __future__ import annotations

import sys

from grader.sandbox.judge import launcher

if sys.argv[1:2] == ["run"]:
    launcher.pin_hash_seed("grader.gradescope", sys.argv[1:])

import argparse  # noqa: E402

from grader.errors import EXIT_BAD_INPUT, EXIT_GRADED, BadInput  # noqa: E402

USAGE = "python -m grader.gradescope {build ASSIGNMENT [--out DIR] | run --assignment NAME [--root DIR]}"


def _build(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.gradescope build",
                                     description="Write the autograder zip to upload to Gradescope.")
    parser.add_argument("assignment", help="the assignment's folder name under assignments/")
    parser.add_argument("--out", default="build/gradescope", help="folder for the zip (default %(default)s)")
    args = parser.parse_args(argv)
    from grader.gradescope.bundle import build

    try:
        path = build(args.assignment, args.out)
    except BadInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"error: could not write the zip in {args.out} ({exc.strerror or exc}); check that the folder "
              "can be written", file=sys.stderr)
        return EXIT_BAD_INPUT
    from grader.assignment import get
    from grader.report._text import fmt_points

    total = fmt_points(sum(item.max_points for item in get(args.assignment).items))
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB): upload it as the assignment's autograder "
          f"(Configure Autograder > Zip file upload) and give the assignment {total} points")
    return EXIT_GRADED


def main(argv: list[str]) -> int:
    if argv[:1] == ["build"]:
        return _build(argv[1:])
    if argv[:1] == ["run"]:
        from grader.gradescope.run import main as run

        return run(argv[1:], fork_zygote=True)
    print(f"error: expected 'build' or 'run'; usage: {USAGE}", file=sys.stderr)
    return EXIT_BAD_INPUT


sys.exit(main(sys.argv[1:]))
