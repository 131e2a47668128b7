"""The test harness for the money path between Stripe Checkout and a wallet ledger.

Its rooms, top to bottom; a room imports only rooms below it (``tox -e lint`` checks this with
the import contracts in ``pyproject.toml``; docs/architecture.md explains them):

- ``cli`` (``wallet-harness``) and ``plugin`` (the pytest plugin): the two ways in;
- ``simulation`` (thousands of top-ups under random faults) and ``defect_matrix`` (every defect
  caught by the scenarios named for it);
- ``checks``: the named assertions "then" steps make;
- ``diagnosis``: where a top-up's flow broke, stage by stage, from runtime evidence;
- ``scenario``: one scenario's world on a running stack;
- ``drivers``: user-level actions (a customer in a browser, webhook faults, the ledger, ...);
- ``pages`` (page objects), ``records`` (read-only views of the app's tables and ledger),
  ``stack`` (the running stack of real processes), ``browser`` (choosing Chromium, its contexts);
- ``postgres``: a real PostgreSQL anywhere, a product of its own;
- the leaves, which import nothing of the harness but ``files``: ``money``, ``durations``,
  ``polling``, ``ports``, ``pids``, ``console``, ``project``, ``sharding``;
- ``files``: reading a file a person named, saying plainly why it cannot be read.
"""
