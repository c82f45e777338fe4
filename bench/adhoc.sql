-- The ad-hoc corpus (issue 28, point 6): questions of the kinds analysts write, beyond
-- the seven dashboards, over the generator's files (`bi-platform generate --tenants 100
-- --campaigns-per-tenant 10000 --targets-csv`). bench/adhoc.py runs each one in ours,
-- DuckDB and SQLite, checks the answers agree and prints the times; benches/adhoc.rs
-- times ours.
--
-- One statement per `-- name: <id>` line. Written in the SQL that SQLite, DuckDB and ours
-- read alike: no engine-only functions; dates compared as 'YYYY-MM-DD' text (DuckDB holds
-- a DATE and casts the literal); months from dim_date, not from the date's text (DuckDB's
-- substr and strftime do not take a DATE); no integer / integer (SQLite truncates,
-- DuckDB does not): `* 1.0` first; LIKE patterns in the data's own case (SQLite's LIKE
-- ignores ASCII case, DuckDB's does not); an ORDER BY down to a unique key on every
-- answer of more than one row, with no NULL among the sort keys (the engines sort NULL
-- differently).

-- name: case_bucket_minmax
SELECT CASE WHEN roi < 0 THEN '1 loss' WHEN roi < 1 THEN '2 under 100%'
            WHEN roi < 2 THEN '3 under 200%' ELSE '4 200% and up' END AS roi_bucket,
       COUNT(*) AS rows_, MIN(spend) AS min_spend, MAX(spend) AS max_spend,
       MIN(revenue) AS min_revenue, MAX(revenue) AS max_revenue
FROM fact_campaigns GROUP BY 1 ORDER BY 1;

-- name: case_bucket_spend_channel
SELECT channel,
       CASE WHEN spend < 1000 THEN 'a small' WHEN spend < 10000 THEN 'b medium'
            ELSE 'c large' END AS size,
       COUNT(*) AS rows_, SUM(revenue) AS revenue, AVG(roi) AS avg_roi
FROM fact_campaigns GROUP BY 1, 2 ORDER BY 1, 2;

-- name: like_date_range
SELECT COUNT(*) AS rows_, SUM(revenue) AS revenue, SUM(conversions) AS conversions
FROM fact_campaigns
WHERE campaign_name LIKE '%Search%' AND date >= '2024-11-01' AND date < '2024-11-16';

-- name: like_prefix_not_like
SELECT tenant_id, COUNT(*) AS rows_, SUM(spend) AS spend
FROM fact_campaigns
WHERE campaign_id LIKE 'camp_tenant_00%' AND campaign_name NOT LIKE '%Email'
GROUP BY tenant_id ORDER BY tenant_id;

-- name: distinct_multi
SELECT DISTINCT tenant_id, region, product, channel FROM fact_campaigns
ORDER BY tenant_id, region, product, channel;

-- name: distinct_offset
SELECT DISTINCT campaign_name FROM fact_campaigns
ORDER BY campaign_name LIMIT 50 OFFSET 1000;

-- name: count_distinct
SELECT tenant_id, COUNT(DISTINCT campaign_id) AS campaigns, COUNT(DISTINCT date) AS days,
       COUNT(DISTINCT campaign_name) AS names
FROM fact_campaigns GROUP BY tenant_id ORDER BY tenant_id;

-- name: topk_offset
SELECT tenant_id, campaign_id, date, revenue FROM fact_campaigns
ORDER BY revenue DESC, tenant_id, campaign_id LIMIT 20 OFFSET 100;

-- name: topk_filtered
SELECT tenant_id, campaign_id, channel, profit, roi FROM fact_campaigns
WHERE channel = 'Video' AND region = 'East'
ORDER BY profit DESC, tenant_id, campaign_id LIMIT 10;

-- name: scalar_subquery_filter
SELECT COUNT(*) AS rows_, SUM(revenue) AS revenue FROM fact_campaigns
WHERE revenue > 2 * (SELECT AVG(revenue) FROM fact_campaigns);

-- name: scalar_subquery_share
SELECT channel, SUM(revenue) / (SELECT SUM(revenue) FROM fact_campaigns) AS revenue_share
FROM fact_campaigns GROUP BY channel ORDER BY channel;

-- name: in_subquery
SELECT region, COUNT(*) AS rows_, SUM(spend) AS spend FROM fact_campaigns
WHERE tenant_id IN (SELECT tenant_id FROM fact_campaigns GROUP BY tenant_id HAVING COUNT(*) < 5000)
GROUP BY region ORDER BY region;

-- name: exists_customers
-- Scoped to the smallest tenant (~2,000 rows), as it was when ours ran the correlated
-- subquery once per outer row; it now runs once per (tenant, region, product).
SELECT COUNT(*) AS rows_, SUM(revenue) AS revenue FROM fact_campaigns f
WHERE f.tenant_id = 'tenant_100' AND EXISTS (SELECT 1 FROM dim_customers c
              WHERE c.tenant_id = f.tenant_id AND c.region = f.region
                AND c.product_preference = f.product AND c.total_orders >= 19);

-- name: window_top_per_tenant
SELECT tenant_id, campaign_id, revenue, rn FROM (
  SELECT tenant_id, campaign_id, revenue,
         ROW_NUMBER() OVER (PARTITION BY tenant_id ORDER BY revenue DESC, campaign_id) AS rn
  FROM fact_campaigns) AS ranked
WHERE rn <= 3 ORDER BY tenant_id, rn;

-- name: window_rank_channel
SELECT tenant_id, channel, revenue, rk FROM (
  SELECT tenant_id, channel, SUM(revenue) AS revenue,
         RANK() OVER (PARTITION BY tenant_id ORDER BY SUM(revenue) DESC) AS rk
  FROM fact_campaigns GROUP BY tenant_id, channel) AS ranked
WHERE rk <= 2 ORDER BY tenant_id, rk, channel;

-- name: window_running_sum
SELECT date, SUM(revenue) AS revenue,
       SUM(SUM(revenue)) OVER (ORDER BY date) AS running_revenue
FROM fact_campaigns GROUP BY date ORDER BY date;

-- name: join_dim_date
SELECT d.iso_week, d.weekday, COUNT(*) AS rows_, SUM(f.revenue) AS revenue
FROM fact_campaigns f JOIN dim_date d ON d.date = f.date
GROUP BY d.iso_week, d.weekday ORDER BY d.iso_week, d.weekday;

-- name: join_targets_attainment
SELECT t.region, t.month, SUM(t.target_revenue) AS target, SUM(a.revenue) AS actual,
       SUM(a.revenue) / NULLIF(SUM(t.target_revenue), 0) AS attainment
FROM dim_sales_targets t
JOIN (SELECT f.tenant_id, f.region, f.product, d.year, d.month, SUM(f.revenue) AS revenue
      FROM fact_campaigns f JOIN dim_date d ON d.date = f.date
      GROUP BY f.tenant_id, f.region, f.product, d.year, d.month) AS a
  ON a.tenant_id = t.tenant_id AND a.region = t.region AND a.product = t.product
 AND a.year = t.year AND a.month = t.month
GROUP BY t.region, t.month ORDER BY t.region, t.month;

-- name: join_targets_missed
SELECT t.month, COUNT(*) AS targets,
       SUM(CASE WHEN a.spend IS NULL OR a.spend < t.target_spend THEN 1 ELSE 0 END) AS under_spent
FROM dim_sales_targets t
LEFT JOIN (SELECT f.tenant_id, f.region, f.product, d.year, d.month, SUM(f.spend) AS spend
           FROM fact_campaigns f JOIN dim_date d ON d.date = f.date
           GROUP BY f.tenant_id, f.region, f.product, d.year, d.month) AS a
  ON a.tenant_id = t.tenant_id AND a.region = t.region AND a.product = t.product
 AND a.year = t.year AND a.month = t.month
GROUP BY t.month ORDER BY t.month;

-- name: join_customers
SELECT c.product_preference, COUNT(*) AS pairs, SUM(f.spend) AS spend,
       SUM(c.total_spent) AS customer_spent
FROM fact_campaigns f
JOIN dim_customers c ON c.tenant_id = f.tenant_id AND c.region = f.region
                    AND c.product_preference = f.product
WHERE c.total_orders > 15
GROUP BY c.product_preference ORDER BY c.product_preference;

-- name: group_having
SELECT tenant_id, channel, COUNT(*) AS rows_, SUM(profit) AS profit FROM fact_campaigns
GROUP BY tenant_id, channel HAVING SUM(profit) > 10000000 ORDER BY tenant_id, channel;

-- name: union_all
SELECT 'search in November' AS slice, COUNT(*) AS rows_, SUM(revenue) AS revenue
FROM fact_campaigns WHERE channel = 'Search' AND date >= '2024-11-01'
UNION ALL
SELECT 'large spend', COUNT(*), SUM(revenue) FROM fact_campaigns WHERE spend > 20000
UNION ALL
SELECT 'losses', COUNT(*), SUM(revenue) FROM fact_campaigns WHERE roi < 0
ORDER BY 1;

-- name: expr_aggregates_ratios
SELECT region, product, SUM(revenue - spend) AS profit,
       SUM(revenue - spend) / NULLIF(SUM(spend), 0) AS roi,
       SUM(conversions) * 1.0 / NULLIF(SUM(clicks), 0) AS conversion_rate,
       AVG(roi) AS avg_roi, AVG(ctr) AS avg_ctr, AVG(cpa) AS avg_cpa
FROM fact_campaigns GROUP BY region, product ORDER BY region, product;

-- name: date_range_count
SELECT COUNT(*) AS rows_, SUM(conversions) AS conversions FROM fact_campaigns
WHERE date BETWEEN '2024-10-15' AND '2024-10-31';

-- name: group_campaign_limit
SELECT campaign_id, SUM(revenue) AS revenue, SUM(clicks) AS clicks FROM fact_campaigns
GROUP BY campaign_id ORDER BY revenue DESC, campaign_id LIMIT 25;
