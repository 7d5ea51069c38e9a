"""The bottom layer: settings, the lake layout and every hand-off name, atomic
writes, the table schemas and the run context (the only clock).

Nothing here imports anything else of ``jobmarket``.
"""
