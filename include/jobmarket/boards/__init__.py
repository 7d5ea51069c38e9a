"""The board registry: every company board we know of, as a versioned table
in the lake (docs/registry.md). ``registry`` reads lists and versions,
``crawl`` selects, shards and folds outcomes, ``probe`` checks candidates,
``cli`` is ``jobmarket boards``."""
