"""A ready Gradescope autograder: the zip to upload (:mod:`.bundle`) and what it runs (:mod:`.run`).

``python -m grader.gradescope build ASSIGNMENT [--out DIR]`` (``make gradescope``) writes the zip;
inside Gradescope, ``run_autograder`` calls ``python -m grader.gradescope run``.
"""
