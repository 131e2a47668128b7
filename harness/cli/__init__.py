"""``wallet-harness``, the command line: ``main`` parses and dispatches, one module per command
(``serve``, ``fault``, ``clock``, ``reproduce``, ``simulate``, ``matrix``, ``merge_reports``;
``run`` is pytest, started by ``main``), with the argument types they share in ``options``. A
top room: it may import any other, and nothing imports it.
"""
