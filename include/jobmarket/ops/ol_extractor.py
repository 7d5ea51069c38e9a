"""The OpenLineage provider's extractor for our tasks.

The provider's own extractor for Python tasks reports source code but no
datasets, and the GX operator has none. This one is registered for both
operator classes (``[openlineage] extractors``, see the README) and names
each task's inputs and outputs from :func:`jobmarket.ops.lineage.task_datasets`
when the task completes or fails: the partition date comes from the task's
own context. At START the provider hands an extractor no task instance, so
the START event carries no datasets; a catalog takes them from COMPLETE.
"""

from __future__ import annotations

from airflow.providers.openlineage.extractors.base import BaseExtractor, OperatorLineage


class JobmarketExtractor(BaseExtractor):
    @classmethod
    def get_operator_classnames(cls) -> list[str]:
        # @task functions run as _PythonDecoratedOperator; audit_curated is the GX provider's operator.
        return ["_PythonDecoratedOperator", "PythonOperator", "GXValidateCheckpointOperator"]

    def _execute_extraction(self) -> OperatorLineage | None:
        return OperatorLineage()

    def extract_on_complete(self, task_instance) -> OperatorLineage | None:
        from jobmarket.core.lake import Lake
        from jobmarket.core.runctx import partition_date
        from jobmarket.core.settings import Settings
        from jobmarket.ops.lineage import task_datasets, to_openlineage

        lake = Lake(Settings.from_env().lake)
        dt = partition_date(task_instance.get_template_context())
        label = getattr(task_instance, "rendered_map_index", None)
        ins, outs = task_datasets(self.operator.task_id, dt, lake, map_label=label)
        return OperatorLineage(inputs=to_openlineage(ins, lake, kind="input"),
                               outputs=to_openlineage(outs, lake, kind="output"))
