-- DuckDB views over the jobmarket Parquet lake.
--
-- `jobmarket views --lake LAKE --db FILE.duckdb` (jobmarket.report.create_views)
-- first defines one base view per curated table, each with a `dt` DATE column
-- from the Hive partition (an empty typed view when the table has no
-- partitions yet):
--   observations, postings, skills, posting_lifecycle, market_daily,
--   source_health, quarantine, validation_runs, gate_results
-- then runs this file. Every view below reads "as of" one date: as_of() is the
-- session variable `as_of` when set (SET VARIABLE as_of = DATE '2026-08-10';),
-- else the newest date in market_daily. The report sets it to the report date.

CREATE OR REPLACE MACRO as_of() AS
    coalesce(getvariable('as_of')::DATE, (SELECT max(dt) FROM market_daily), (SELECT max(dt) FROM observations));

-- Normalized title bucket from the title text alone (case-insensitive; first
-- rule that matches wins). "Other" for every title that names none of the six.
CREATE OR REPLACE MACRO title_bucket(t) AS CASE
    WHEN regexp_matches(lower(t), '\b(data|decision|product) scien') THEN 'Data Scientist'
    WHEN regexp_matches(lower(t), '\bresearch(er)?\b|\bscientist\b')
         AND NOT regexp_matches(lower(t), '\b(ux|user|design|market|marketing|customer) research') THEN 'Research Scientist'
    WHEN regexp_matches(lower(t), '\b(ml|mlops|machine learning|deep learning|computer vision|nlp|perception)\b')
         AND regexp_matches(lower(t), 'engineer|developer|architect') THEN 'ML Engineer'
    WHEN regexp_matches(lower(t), '\b(ai|genai|llms?|generative|artificial intelligence|agents?|agentic)\b')
         AND regexp_matches(lower(t), 'engineer|developer|architect')
         AND NOT regexp_matches(lower(t), '\b(sales|customer|support|solutions?|account) engineer') THEN 'AI Engineer'
    WHEN regexp_matches(lower(t), '\bdata (engineer|platform|infrastructure|architect|warehous|pipeline)|\banalytics engineer|\betl\b|\bbig data\b') THEN 'Data Engineer'
    WHEN regexp_matches(lower(t), '\banalyst\b|\banalytics\b|business intelligence|\bbi\b') THEN 'Analyst'
    ELSE 'Other'
END;

-- The latest version of each posting open on as_of(): its observation of that
-- date (work arrangement, pay, tags) plus the version's description and skills.
CREATE OR REPLACE VIEW postings_current AS
SELECT
    o.* EXCLUDE (dt),
    o.dt AS as_of,
    p.description,
    p.skills,
    p.first_seen AS version_first_seen,
    title_bucket(o.title) AS title_bucket
FROM observations AS o
LEFT JOIN postings AS p USING (version_id)
WHERE o.dt = as_of();

-- Every posting known on as_of(), open or closed, with first/last seen and days open.
CREATE OR REPLACE VIEW posting_lifecycle_latest AS
SELECT * EXCLUDE (dt) FROM posting_lifecycle WHERE dt = as_of();

-- market_daily rows of as_of() only.
CREATE OR REPLACE VIEW market_daily_latest AS
SELECT * FROM market_daily WHERE dt = as_of();

-- Skills of the postings open on as_of(), one row per posting and skill.
CREATE OR REPLACE VIEW skills_current AS
SELECT c.posting_id, c.version_id, c.archetype, c.company, s.skill, s.category
FROM postings_current AS c
JOIN skills AS s USING (version_id);

-- One row per source and board crawled on as_of(), with its outcome.
CREATE OR REPLACE VIEW source_health_latest AS
SELECT * EXCLUDE (dt) FROM source_health WHERE dt = as_of();
