"""The defect matrix: ``table`` reads ``features/defect_matrix.toml`` (which scenarios must fail
against which defect, with which assertion and diagnosis stage) and judges one result;
``runner`` runs the scenarios as pytest processes of their own, healthy and per defect. It
imports nothing of the harness but the leaves.
"""
