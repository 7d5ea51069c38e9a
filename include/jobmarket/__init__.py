"""jobmarket: the job-market intelligence pipeline's logic, importable without Airflow."""

__version__ = "0.1.0"
