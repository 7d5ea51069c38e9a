-- The queries behind every figure of the market report, run on the views of
-- views.sql with as_of() set to the report date. docs/analysts.md repeats each
-- one verbatim (a test checks), so an analyst can rerun any figure.

-- name: headline
SELECT dt AS as_of, open, new, closed, open_unique
FROM market_daily
WHERE dimension = 'all' AND dt = as_of();

-- name: reading
SELECT source, count(DISTINCT board) AS boards, count(*) AS open,
       count(*) FILTER (WHERE tag_basis = 'body') AS body_read,
       count(*) FILTER (WHERE tag_basis = 'title_only') AS title_only,
       count(*) FILTER (WHERE tag_basis = 'title_fallback') AS title_fallback
FROM postings_current
GROUP BY source
ORDER BY open DESC, source;

-- name: reading_trend
SELECT dt, count(*) AS open,
       count(*) FILTER (WHERE tag_basis(tag_flags) = 'body') AS body_read,
       count(*) FILTER (WHERE tag_basis(tag_flags) <> 'body') AS from_title
FROM observations
WHERE dt <= as_of()
GROUP BY dt
ORDER BY dt;

-- name: changes
WITH prev AS (SELECT max(dt) AS d FROM observations WHERE dt < as_of())
SELECT c.posting_id, c.company, c.source, p.title AS title_before, c.title AS title_now,
       tag_basis(p.tag_flags) AS basis_before, p.archetype AS archetype_before,
       c.tag_basis AS basis_now, c.archetype AS archetype_now, c.url, prev.d AS previous_dt
FROM postings_current AS c
JOIN observations AS p ON p.posting_id = c.posting_id
JOIN prev ON p.dt = prev.d
WHERE p.title <> c.title OR p.archetype <> c.archetype
ORDER BY c.company, c.title, c.posting_id;

-- name: archetype_trend
SELECT dt, archetype, count(*) AS open
FROM observations
WHERE dt <= as_of() AND tag_basis(tag_flags) = 'body'
GROUP BY ALL
ORDER BY ALL;

-- name: archetype_mix
SELECT c.archetype,
       count(*) FILTER (WHERE c.body_read) AS open,
       count(*) FILTER (WHERE c.body_read AND l.first_seen = as_of()) AS new,
       count(*) FILTER (WHERE NOT c.body_read) AS from_title
FROM postings_current AS c
LEFT JOIN posting_lifecycle_latest AS l USING (posting_id)
GROUP BY c.archetype
ORDER BY c.archetype;

-- name: title_families
SELECT title_family, count(*) AS open, count(*) FILTER (WHERE body_read) AS body_read
FROM postings_current
GROUP BY title_family
ORDER BY open DESC, title_family;

-- name: title_matrix
SELECT title_family, archetype, count(*) AS postings
FROM postings_current
WHERE body_read AND title_family <> 'Other'
GROUP BY ALL
ORDER BY ALL;

-- name: title_by_company
SELECT title_family, company, archetype, count(*) AS postings
FROM postings_current
WHERE body_read AND title_family <> 'Other'
GROUP BY ALL
ORDER BY ALL;

-- name: title_examples
SELECT title_family, archetype, company, title, url, evidence_json
FROM postings_current
WHERE body_read AND title_family <> 'Other'
QUALIFY row_number() OVER (
    PARTITION BY title_family, archetype ORDER BY confidence DESC, posting_id) <= 2
ORDER BY title_family, archetype, company, title;

-- name: title_unread_examples
SELECT title_family, company, title, url
FROM postings_current
WHERE NOT body_read AND title_family <> 'Other'
QUALIFY row_number() OVER (PARTITION BY title_family ORDER BY company, title, posting_id) <= 2
ORDER BY title_family, company, title;

-- name: top_skills
WITH described AS (
    SELECT archetype, count(*) AS described
    FROM postings_current
    WHERE body_read
    GROUP BY archetype
)
SELECT s.archetype, s.skill, count(DISTINCT s.posting_id) AS postings, d.described,
       round(100.0 * count(DISTINCT s.posting_id) / d.described, 1) AS pct_of_described
FROM skills_current AS s
JOIN postings_current AS c ON c.version_id = s.version_id AND c.posting_id = s.posting_id AND c.body_read
JOIN described AS d ON d.archetype = s.archetype
GROUP BY s.archetype, s.skill, d.described
QUALIFY row_number() OVER (PARTITION BY s.archetype ORDER BY postings DESC, s.skill) <= 8
ORDER BY s.archetype, postings DESC, s.skill;

-- name: skill_trend
WITH bounds AS (
    SELECT min(dt) AS first_dt, as_of() AS last_dt FROM observations WHERE dt <= as_of()
),
described AS (
    SELECT o.dt, o.posting_id, o.version_id
    FROM observations AS o, bounds AS b
    WHERE o.dt IN (b.first_dt, b.last_dt)
      AND NOT list_contains(coalesce(o.tag_flags, []), 'title_only')
),
totals AS (
    SELECT dt, count(*) AS described FROM described GROUP BY dt
),
hits AS (
    SELECT d.dt, s.skill, count(DISTINCT d.posting_id) AS postings
    FROM described AS d JOIN skills AS s USING (version_id)
    GROUP BY ALL
)
SELECT h.skill, b.first_dt, b.last_dt,
       coalesce(max(h.postings) FILTER (WHERE h.dt = b.first_dt), 0) AS postings_first,
       coalesce(max(h.postings) FILTER (WHERE h.dt = b.last_dt), 0) AS postings_last,
       round(100.0 * postings_first / any_value(tf.described), 2) AS pct_first,
       round(100.0 * postings_last / any_value(tl.described), 2) AS pct_last,
       round(pct_last - pct_first, 2) AS change_pp
FROM hits AS h, bounds AS b, totals AS tf, totals AS tl
WHERE tf.dt = b.first_dt AND tl.dt = b.last_dt AND b.first_dt < b.last_dt
GROUP BY h.skill, b.first_dt, b.last_dt
HAVING greatest(postings_first, postings_last) >= 3
ORDER BY change_pp DESC, h.skill;

-- name: salary_rows
SELECT posting_id, source, archetype, coalesce(seniority, 'unknown') AS seniority,
       coalesce(loc_country, 'unknown') AS country, body_read,
       salary_annual_min, salary_annual_max, salary_currency, salary_source
FROM postings_current
WHERE salary_source IS NOT NULL
ORDER BY posting_id;

-- name: salary_overall
SELECT source, count(*) AS open, count(*) FILTER (WHERE salary_source IS NOT NULL) AS with_salary
FROM postings_current
GROUP BY source
ORDER BY open DESC, source;

-- name: salary_share
SELECT archetype, count(*) AS open,
       count(*) FILTER (WHERE salary_source IS NOT NULL) AS with_salary,
       round(100.0 * with_salary / open, 1) AS pct_with_salary
FROM postings_current
WHERE body_read
GROUP BY ALL
ORDER BY open DESC, archetype;

-- name: work_arrangement
SELECT archetype, work_arrangement, count(*) AS postings,
       round(100.0 * count(*) / sum(count(*)) OVER (PARTITION BY archetype), 1) AS pct
FROM postings_current
WHERE body_read
GROUP BY archetype, work_arrangement
ORDER BY archetype, work_arrangement;

-- name: top_companies
SELECT archetype, company, count(*) AS postings
FROM postings_current
WHERE body_read
GROUP BY archetype, company
QUALIFY row_number() OVER (PARTITION BY archetype ORDER BY count(*) DESC, company) <= 5
ORDER BY archetype, postings DESC, company;

-- name: flow
SELECT dt, open, new, closed
FROM market_daily
WHERE dimension = 'all' AND dt <= as_of()
ORDER BY dt;

-- name: lifecycle
SELECT posting_id, source, company, title, archetype, title_family(title) AS title_family,
       first_seen, last_seen, is_open, closed_on, left_censored,
       source_posted_at::DATE AS posted_on, last_seen = as_of() AS seen_on_as_of
FROM posting_lifecycle_latest
ORDER BY posting_id;

-- name: coverage
SELECT dt, count(DISTINCT family) AS sources, count(DISTINCT family || '/' || board) AS boards,
       count(*) FILTER (WHERE status IN ('ok', 'empty', 'not_modified')) AS boards_crawled,
       count(*) FILTER (WHERE status = 'failed') AS boards_failed,
       sum(postings_found) AS postings_found
FROM source_health
WHERE dt <= as_of()
GROUP BY dt
ORDER BY dt;

-- name: source_status
SELECT h.family AS source, count(*) AS boards,
       count(*) FILTER (WHERE h.status = 'ok') AS ok,
       count(*) FILTER (WHERE h.status = 'empty') AS empty,
       count(*) FILTER (WHERE h.status = 'failed') AS failed,
       count(*) FILTER (WHERE h.status NOT IN ('ok', 'empty', 'failed')) AS other,
       any_value(p.open) AS open_postings
FROM source_health_latest AS h
LEFT JOIN (SELECT source, count(*) AS open FROM postings_current GROUP BY source) AS p
       ON p.source = h.family
GROUP BY h.family
ORDER BY boards DESC, source;

-- name: failures
SELECT dt, family AS source, board, status, http_status, error
FROM source_health
WHERE dt <= as_of() AND status = 'failed'
ORDER BY dt DESC, source, board
LIMIT 25;

-- name: quality_trend
WITH dates AS (SELECT DISTINCT dt FROM market_daily WHERE dt <= as_of()),
q AS (SELECT dt, count(*) AS quarantined FROM quarantine WHERE dt <= as_of() GROUP BY dt),
v AS (SELECT dt, count(*) AS expectations, count(*) FILTER (WHERE NOT success) AS expectations_failed
      FROM validation_runs WHERE source IS NULL AND dt <= as_of() GROUP BY dt),
g AS (SELECT dt, count(*) FILTER (WHERE outcome = 'warn') AS gates_warn,
             count(*) FILTER (WHERE outcome = 'fail') AS gates_fail,
             sum(held_back_rows) AS held_back_rows
      FROM gate_results WHERE dt <= as_of() GROUP BY dt)
SELECT dates.dt, coalesce(q.quarantined, 0) AS quarantined,
       coalesce(v.expectations, 0) AS expectations, coalesce(v.expectations_failed, 0) AS expectations_failed,
       coalesce(g.gates_warn, 0) AS gates_warn, coalesce(g.gates_fail, 0) AS gates_fail,
       coalesce(g.held_back_rows, 0) AS held_back_rows
FROM dates
LEFT JOIN q USING (dt) LEFT JOIN v USING (dt) LEFT JOIN g USING (dt)
ORDER BY dates.dt;

-- name: quarantine_reasons
SELECT expectation, count(*) AS rows_quarantined
FROM (SELECT unnest(failed_expectations) AS expectation FROM quarantine WHERE dt <= as_of())
GROUP BY expectation
ORDER BY rows_quarantined DESC, expectation
LIMIT 10;
