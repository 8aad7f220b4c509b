-- Per segment: how far its customers lie from the centroid (mean, max) and the outlier
-- threshold, the segment's (1 - outlier_contamination) quantile of distance to the centroid.
-- A customer farther than the threshold is an outlier (customer_segments.is_outlier), the
-- k-means anomaly rule of BigQuery ML's DETECT_ANOMALIES with `contamination`, per segment.
{%- set contamination = var("outlier_contamination") | float %}
{%- if not (0 <= contamination < 1) %}
    {{ exceptions.raise_compiler_error(
        "var 'outlier_contamination' must be a number in [0, 1), got '"
        ~ var("outlier_contamination") ~ "'") }}
{%- endif %}

with

scores as (

    select * from {{ ref('ml_customer_scores') }}

),

final as (

    select
        segment_id,
        count(*) as n_customers,
        {{ exact_avg("distance_to_centroid") }} as mean_distance_to_centroid,
        max(distance_to_centroid) as max_distance_to_centroid,
        {{ quantile("distance_to_centroid", 1 - contamination) }} as outlier_distance_threshold,
        {{ contamination }} as outlier_contamination

    from scores
    group by segment_id

)

select * from final
