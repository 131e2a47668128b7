"""A real PostgreSQL anywhere: a server named by URL, a testcontainers container when a Docker
engine answers, else a throwaway cluster from the local server binaries (``server`` chooses;
``local_cluster``, ``cluster_registry``, ``initdb_template`` and ``pg_process`` make and sweep
the throwaway clusters; ``termination`` makes SIGTERM unwind them). A product of its own, like a
testcontainers module: it imports nothing of the harness but the leaves (``polling``, ``ports``,
``pids``), which import nothing themselves.
"""
