-- Per segment and profile feature (every input and engineered feature): how far the segment's
-- customers sit from all OTHER customers, as Cohen's d with the pooled standard deviation:
--
--     d = (mean_segment - mean_rest) / s_pooled,
--     s_pooled = sqrt((SS_segment + SS_rest) / (n_segment + n_rest - 2)),
--
-- where SS is the sum of squared deviations from the group's own mean, so SS / (n - 1) is the
-- sample variance (the standard pooled estimate with n - 1). d is NULL when the rest is empty
-- (one segment), n_segment + n_rest <= 2 or the pooled variance is 0 (a constant feature).
--
-- One pass over the customers: the sum of squared deviations from the segment mean per
-- segment (exact_sum, so the table is the same bit for bit on every run). The rest of the
-- customers' mean and SS then follow from the per-segment statistics alone, without another
-- pass: SS_rest = sum over the other segments h of SS_h + n_h * (mean_h - mean_rest)^2.
{%- set features = available_features() %}
{%- set model_features = segmentation_features() %}

with

scores as (

    select * from {{ ref('ml_customer_scores') }}

),

feature_means as (

    select * from {{ ref('ml_segment_feature_means') }}

),

segment_mean_columns as (

    select
        segment_id,
        {{ pivot_feature_values("mean_value", features, prefix="mean__") }}

    from feature_means
    group by segment_id

),

segment_squares as (

    select
        scores.segment_id,
        {% for feature in features -%}
            {{ exact_sum(
                "(scores." ~ feature ~ " - segment_mean_columns.mean__" ~ feature ~ ")"
                ~ " * (scores." ~ feature ~ " - segment_mean_columns.mean__" ~ feature ~ ")"
            ) }} as squares__{{ feature }},
        {% endfor %}
        count(*) as n_customers

    from scores
    inner join segment_mean_columns
        on scores.segment_id = segment_mean_columns.segment_id
    group by scores.segment_id

),

segment_squares_unpivoted as (

    {{ unpivot_feature_columns(
        "segment_squares",
        features,
        {"sum_of_squares": "squares__"},
        keep_columns=["segment_id"],
    ) }}

),

segment_stats as (

    select
        feature_means.segment_id,
        feature_means.feature_name,
        feature_means.n_customers,
        feature_means.mean_value,
        feature_means.mean_standardized_value,
        feature_means.overall_mean_value,
        segment_squares_unpivoted.sum_of_squares

    from feature_means
    inner join segment_squares_unpivoted
        on
            feature_means.segment_id = segment_squares_unpivoted.segment_id
            and feature_means.feature_name = segment_squares_unpivoted.feature_name

),

rest_means as (

    select
        segment_stats.segment_id,
        segment_stats.feature_name,
        cast(sum(other_segments.n_customers) as bigint) as n_rest,
        {{ exact_sum("other_segments.n_customers * other_segments.mean_value") }}
        / sum(other_segments.n_customers) as rest_mean_value

    from segment_stats
    inner join segment_stats as other_segments
        on
            segment_stats.feature_name = other_segments.feature_name
            and segment_stats.segment_id <> other_segments.segment_id
    group by segment_stats.segment_id, segment_stats.feature_name

),

rest_squares as (

    select
        rest_means.segment_id,
        rest_means.feature_name,
        rest_means.n_rest,
        rest_means.rest_mean_value,
        {{ exact_sum(
            "other_segments.sum_of_squares + other_segments.n_customers"
            ~ " * (other_segments.mean_value - rest_means.rest_mean_value)"
            ~ " * (other_segments.mean_value - rest_means.rest_mean_value)"
        ) }} as rest_sum_of_squares

    from rest_means
    inner join segment_stats as other_segments
        on
            rest_means.feature_name = other_segments.feature_name
            and rest_means.segment_id <> other_segments.segment_id
    group by
        rest_means.segment_id,
        rest_means.feature_name,
        rest_means.n_rest,
        rest_means.rest_mean_value

),

pooled as (

    select
        segment_stats.segment_id,
        segment_stats.feature_name,
        segment_stats.n_customers,
        coalesce(rest_squares.n_rest, cast(0 as bigint)) as n_rest,
        segment_stats.mean_value,
        segment_stats.mean_standardized_value,
        rest_squares.rest_mean_value,
        segment_stats.overall_mean_value,
        case
            when segment_stats.n_customers > 1
                then sqrt(segment_stats.sum_of_squares / (segment_stats.n_customers - 1))
        end as stddev_value,
        case
            when rest_squares.n_rest > 1
                then sqrt(rest_squares.rest_sum_of_squares / (rest_squares.n_rest - 1))
        end as rest_stddev_value,
        case
            when segment_stats.n_customers + rest_squares.n_rest > 2
                then sqrt(
                    (segment_stats.sum_of_squares + rest_squares.rest_sum_of_squares)
                    / (segment_stats.n_customers + rest_squares.n_rest - 2)
                )
        end as pooled_stddev

    from segment_stats
    left join rest_squares
        on
            segment_stats.segment_id = rest_squares.segment_id
            and segment_stats.feature_name = rest_squares.feature_name

),

effects as (

    select
        *,
        case
            when pooled_stddev > 0
                then (mean_value - rest_mean_value) / pooled_stddev
        end as cohens_d

    from pooled

),

ranked as (

    select
        *,
        -- bigint on every engine (Spark's row_number is an int)
        cast(row_number() over (
            partition by segment_id
            order by abs(cohens_d) desc nulls last, feature_name asc
        ) as bigint) as effect_rank

    from effects

),

final as (

    select
        segment_id,
        feature_name,
        feature_name in (
            {%- for feature in model_features -%}
                '{{ feature }}'{{ ", " if not loop.last }}
            {%- endfor -%}
        ) as is_model_feature,
        n_customers,
        n_rest,
        mean_value,
        mean_standardized_value,
        rest_mean_value,
        overall_mean_value,
        stddev_value,
        rest_stddev_value,
        pooled_stddev,
        cohens_d,
        effect_rank

    from ranked

)

select * from final
