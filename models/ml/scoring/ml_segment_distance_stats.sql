-- Per segment: how far its customers lie from the centroid (mean, max) and the outlier
-- threshold, the segment's (1 - outlier_contamination) quantile of distance to the centroid.
-- A customer farther than the threshold is an outlier (customer_segments.is_outlier), the
-- k-means anomaly rule of BigQuery ML's DETECT_ANOMALIES with `contamination`, per segment.
--
-- The quantile is exact (linear interpolation, numpy's default: the same bits as DuckDB's
-- quantile_cont) but computed from ranks, not with a quantile aggregate: a quantile aggregate
-- holds every value of the group in memory (100M customers did not fit DuckDB's 1 GB
-- default), while a window sort spills to disk. One pass: each customer's rank within the
-- segment, then only the two customers around the quantile's position and the farthest one
-- are kept (docs/lean-build.md, "Bounded memory").
{%- set contamination = setting("diagnostics", "outlier_contamination") | float %}
{%- if not (0 <= contamination < 1) %}
    {{ exceptions.raise_compiler_error(
        "var 'diagnostics.outlier_contamination' must be a number in [0, 1), got '"
        ~ setting("diagnostics", "outlier_contamination") ~ "'") }}
{%- endif %}

with

scores as (

    select
        segment_id,
        distance_to_centroid

    from {{ ref('ml_customer_scores') }}

),

ranked as (

    select
        segment_id,
        distance_to_centroid,
        row_number() over (
            partition by segment_id order by distance_to_centroid
        ) as distance_rank,
        count(*) over (partition by segment_id) as n_customers,
        {{ exact_decimal_sum("distance_to_centroid") }} over (
            partition by segment_id
        ) as distance_sum

    from scores

),

-- the quantile's position among the n sorted distances, counted from 0
positioned as (

    select
        *,
        (n_customers - 1) * cast({{ 1 - contamination }} as double) as quantile_position

    from ranked

),

-- the ranks of the two customers the position lies between
bracketing_ranks as (

    select
        *,
        {{ quantile_bracketing_ranks("quantile_position", "n_customers") }}

    from positioned

),

-- the two customers around the quantile and the farthest customer (rank n)
around_quantile as (

    select * from bracketing_ranks
    where distance_rank in (below_rank, above_rank, n_customers)

),

bracketed as (

    select
        segment_id,
        max(n_customers) as n_customers,
        max(distance_sum) as distance_sum,
        max(quantile_position) as quantile_position,
        max(case when distance_rank = below_rank then distance_to_centroid end) as distance_below,
        max(case when distance_rank = above_rank then distance_to_centroid end) as distance_above,
        max(distance_to_centroid) as max_distance_to_centroid

    from around_quantile
    group by segment_id

),

final as (

    select
        segment_id,
        n_customers,
        cast(distance_sum as double) / n_customers as mean_distance_to_centroid,
        max_distance_to_centroid,
        {{ interpolated_quantile("distance_below", "distance_above", "quantile_position") }}
            as outlier_distance_threshold,
        {{ contamination }} as outlier_contamination

    from bracketed

)

select * from final
