"""Data quality: suites as code, row-level quarantine, batch gates, results as data.

* :mod:`~jobmarket.quality.suites`: one Great Expectations suite per layer
  (normalized postings, tagged postings, source health), built in code.
* :mod:`~jobmarket.quality.runner`: the file GX project stored with the lake,
  checkpoints with GX's own actions (results stored, Data Docs rebuilt), and
  the mapping of failures back to rows (quarantine) and to sources
  (``validation_runs``).
* :mod:`~jobmarket.quality.gates`: per-source batch gates against the trailing
  history of the lake (volume drop, gone empty, null-rate jump, schema drift,
  quarantine rate), each with a configured severity.
* :mod:`~jobmarket.quality.config`: ``include/config/quality.yaml``, validated
  on load.
* :mod:`~jobmarket.quality.tables`: the ``validation_runs`` and
  ``gate_results`` tables.
* :mod:`~jobmarket.quality.quarantine`, :mod:`~jobmarket.quality.rejects`:
  quarantine rows for failed rows and for posting objects rejected at parse.

The steps that run the suites are ``jobmarket.steps.validate``,
``validate_tagged``, ``check_quality`` and ``audit_curated``.

Nothing here imports ``great_expectations`` at module level; importing the
package only makes two libraries GX would import for nothing load lazily
(:mod:`~jobmarket.quality.gx_import`).
"""

from jobmarket.quality.gx_import import defer_unused_dependencies

defer_unused_dependencies()  # before anything here imports GX: see gx_import
