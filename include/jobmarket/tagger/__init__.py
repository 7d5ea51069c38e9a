"""Role-archetype tagger: archetype, skills, seniority and degree for one job posting.

>>> from jobmarket.tagger import tag
>>> tag("Data Engineer", "<p>Build ETL pipelines with Spark and Airflow.</p>")["archetype"]
'data_engineer'
"""

from .core import tag, tag_many, tagger_version
from .lexicon import ARCHETYPES

TAGGER_VERSION = tagger_version()

__all__ = ["ARCHETYPES", "TAGGER_VERSION", "tag", "tag_many"]
