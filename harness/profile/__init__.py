"""An app profile: one TOML file that tells the harness how to run, reset, read and drive a
wallet app it has never seen. ``model`` holds the keys and their types (pydantic, unknown keys
refused), ``placeholders`` the values the harness fills into commands and environments
(``{database_url}``, ``{port}``, ...), ``loading`` reads a file and turns every mistake into one
message that names the key, and finds the project's default profile. docs/app-profile.md
documents the keys one by one. It sits just above the leaves and imports only ``project`` and
``files``; every room above may read a profile.
"""
