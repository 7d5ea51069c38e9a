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
