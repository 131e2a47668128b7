"""Counts the HTTP requests each Starlette app in this process answers, by method and path
shape (ids replaced by ``{id}``), for ``bench/exchanges_per_topup.py``, which puts this
directory first on the stack's ``PYTHONPATH`` and names a directory in ``COUNT_REQUESTS_DIR``.
A thread writes the counts there as ``<pid>.json`` (with the process's command line) a few
times a second while they change. Without ``COUNT_REQUESTS_DIR`` it does nothing at all.

Python imports the first ``sitecustomize`` on its path, so this one stands in for any other
while the bench runs (Debian's does nothing a bench needs)."""

from __future__ import annotations

import os

if os.environ.get("COUNT_REQUESTS_DIR"):
    from request_counting import install

    install(os.environ["COUNT_REQUESTS_DIR"])
