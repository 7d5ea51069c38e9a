"""Incremental work: what lets a night do only what changed.

One module per mechanism, each with the same protocol (docs/architecture.md):
a cache entry is keyed by a hash of its input, and the whole cache by a
*version* from ``version.version_of`` (the code of the step that produces the
entry, the reference data it reads, the versions of the packages it calls).
A version that differs means a cold start for that mechanism only.

* ``parse_reuse``: rows of an earlier parse for raw units that did not change;
* ``normalize_cache``: normalized columns by hash of their inputs;
* ``carry``: validation verdicts of reused rows, carried from that earlier date;
* ``tag_cache``: tag results by hash of (title, description), per tagger version;
* ``raw_keys``: the JSON keys of each board's raw records (the schema drift gate).
"""
