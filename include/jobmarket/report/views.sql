-- DuckDB views over the jobmarket Parquet lake.
--
-- `jobmarket views --lake LAKE --db FILE.duckdb` (jobmarket.report.create_views)
-- first defines one base view per curated table, each with a `dt` DATE column
-- from the Hive partition (an empty typed view when the table has no
-- partitions yet):
--   observations, postings, skills, posting_lifecycle, market_daily,
--   source_health, quarantine, validation_runs, gate_results
-- (posting_lifecycle's is renamed posting_lifecycle_stored below) then runs this file. Every view below reads "as of" one date: as_of() is the
-- session variable `as_of` when set (SET VARIABLE as_of = DATE '2026-08-10';),
-- else the newest date in market_daily. The report sets it to the report date.

CREATE OR REPLACE MACRO as_of() AS
    coalesce(getvariable('as_of')::DATE, (SELECT max(dt) FROM market_daily), (SELECT max(dt) FROM observations));

-- title_family(t), family_archetypes(f) and norm_title(t) are defined before this
-- file runs, from the tagger's title families (jobmarket.tagger.title.TITLE_FAMILIES): the
-- same rule decides the tagger's title_mismatch. See docs/analysts.md for the families.

-- What the archetype was judged from: 'body' (the description was read and spoke about the
-- role), 'title_only' (no description: the board sent none, or only boilerplate) or
-- 'title_fallback' (a description without evidence of the role: the title decided).
-- Every figure about archetypes counts 'body' postings only.
CREATE OR REPLACE MACRO tag_basis(flags) AS CASE
    WHEN list_contains(coalesce(flags, []), 'title_only') THEN 'title_only'
    WHEN list_contains(coalesce(flags, []), 'weak_evidence') THEN 'title_fallback'
    ELSE 'body'
END;

-- The latest version of each posting open on as_of() ("open" everywhere in the report:
-- observed on its board's crawl of that date): its observation (work arrangement, pay,
-- tags) plus the version's description, skills and evidence, its title family and what
-- its archetype was judged from.
CREATE OR REPLACE VIEW postings_current AS
SELECT
    o.* EXCLUDE (dt),
    o.dt AS as_of,
    p.description,
    p.skills,
    p.first_seen AS version_first_seen,
    p.evidence_json,
    title_family(o.title) AS title_family,
    tag_basis(o.tag_flags) AS tag_basis,
    tag_basis(o.tag_flags) = 'body' AS body_read
FROM observations AS o
LEFT JOIN postings AS p USING (version_id)
WHERE o.dt = as_of();

-- posting_lifecycle is stored as a snapshot on the first date of each month and, on the
-- other dates, only the rows that changed (jobmarket.incremental.lifecycle). The base view
-- over its files becomes posting_lifecycle_stored; posting_lifecycle_at(d) is the full
-- lifecycle as of d, exactly what the daily snapshot held: each posting's newest stored
-- row of d's month up to d, moved to d. A row whose posting was seen on the row's date
-- (last_seen = dt) was seen on every later date of the month up to d: a date it was
-- missed on would have stored a row. Empty when d has no stored partition; an error
-- when an earlier date of the month has observations but no partition (its changes
-- would be missing).
DROP VIEW IF EXISTS posting_lifecycle_stored;
ALTER VIEW posting_lifecycle RENAME TO posting_lifecycle_stored;

CREATE OR REPLACE MACRO posting_lifecycle_at(d) AS TABLE
WITH stored AS (
    SELECT * FROM posting_lifecycle_stored
    WHERE dt <= d::DATE AND dt >= date_trunc('month', d::DATE)::DATE
), chain AS (  -- the month's dates up to d, each with how many come after it
    SELECT dt, count(*) OVER (ORDER BY dt ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) - 1 AS later
    FROM (SELECT DISTINCT dt FROM stored)
), gap AS (
    SELECT min(o.dt) AS dt FROM (SELECT DISTINCT dt FROM observations
                                 WHERE dt < d::DATE AND dt >= date_trunc('month', d::DATE)::DATE) AS o
    WHERE o.dt NOT IN (SELECT dt FROM chain)
), latest AS (
    SELECT * FROM stored
    QUALIFY row_number() OVER (PARTITION BY posting_id ORDER BY dt DESC) = 1
)
SELECT
    d::DATE AS as_of, l.posting_id, l.source, l.board, l.company, l.title, l.archetype, l.first_seen,
    CASE WHEN l.last_seen = l.dt THEN d::DATE ELSE l.last_seen END AS last_seen,
    (l.times_seen + CASE WHEN l.last_seen = l.dt THEN c.later ELSE 0 END)::INTEGER AS times_seen,
    l.versions, l.is_open, l.closed_on, l.reopened_count, l.left_censored,
    (coalesce(l.closed_on, d::DATE) - l.first_seen)::INTEGER AS days_open,
    l.source_posted_at, l.source_updated_at
FROM latest AS l
JOIN chain AS c USING (dt)
WHERE EXISTS (SELECT 1 FROM chain WHERE chain.dt = d::DATE)
  AND coalesce((SELECT error('posting_lifecycle as of ' || d::DATE || ' needs the partition of ' || dt
                             || ': run jobmarket curate for that date') FROM gap WHERE dt IS NOT NULL), true)
ORDER BY l.posting_id;

-- Every posting known on each date, open or closed (one full lifecycle per stored date,
-- as the daily snapshots were): the same rows as posting_lifecycle_at(dt), built for all
-- dates at once so that a filter on dt with a literal date reaches the stored partitions
-- (about 1 s for a date of a 100,000-posting year; `dt = as_of()` is not pushed down and
-- reads every month: use posting_lifecycle_latest for that). Unlike posting_lifecycle_at,
-- it does not check the month's partitions against the observation dates.
CREATE OR REPLACE VIEW posting_lifecycle AS
WITH stored AS (
    SELECT *, date_trunc('month', dt)::DATE AS month FROM posting_lifecycle_stored
), chain AS (  -- each stored date with its number within its month
    SELECT dt AS d, month, count(*) OVER (PARTITION BY month ORDER BY dt) AS n
    FROM (SELECT DISTINCT dt, month FROM stored)
), latest AS (  -- for each date, each posting's newest stored row of the month up to it
    SELECT c.d, c.n AS n_d, s.*
    FROM chain AS c JOIN stored AS s ON s.month = c.month AND s.dt <= c.d
    QUALIFY row_number() OVER (PARTITION BY c.d, s.posting_id ORDER BY s.dt DESC) = 1
)
SELECT
    l.d AS as_of, l.posting_id, l.source, l.board, l.company, l.title, l.archetype, l.first_seen,
    CASE WHEN l.last_seen = l.dt THEN l.d ELSE l.last_seen END AS last_seen,
    (l.times_seen + CASE WHEN l.last_seen = l.dt THEN l.n_d - x.n ELSE 0 END)::INTEGER AS times_seen,
    l.versions, l.is_open, l.closed_on, l.reopened_count, l.left_censored,
    (coalesce(l.closed_on, l.d) - l.first_seen)::INTEGER AS days_open,
    l.source_posted_at, l.source_updated_at, l.d AS dt
FROM latest AS l
JOIN chain AS x ON x.d = l.dt;

-- Every posting known on as_of(), open or closed, with first/last seen and days open.
CREATE OR REPLACE VIEW posting_lifecycle_latest AS
SELECT * FROM posting_lifecycle_at(as_of());

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
