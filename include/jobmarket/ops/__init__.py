"""Operations: what the pipeline tells its operators and its catalog.

* :mod:`~jobmarket.ops.runs`: the night's outcome as one ``curated/runs`` row.
* :mod:`~jobmarket.ops.notify`: the messages a night deserves (failed run,
  tripped gates, dead sources, missed deadline), sent once per run and cause
  through an Airflow notifier (Apprise).
* :mod:`~jobmarket.ops.deadline`: the Deadline Alert's callback (triggerer).
* :mod:`~jobmarket.ops.lineage`: each task's input and output datasets, with
  schema and data-quality facets; :mod:`~jobmarket.ops.ol_extractor` hands
  them to the OpenLineage provider.

Nothing here imports Airflow at module level except ``ol_extractor``, which
only the OpenLineage provider loads.
"""
