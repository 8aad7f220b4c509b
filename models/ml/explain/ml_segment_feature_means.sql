-- Per segment and profile feature (every input and engineered feature, not only the model's):
-- the segment's mean value after imputation, the overall mean and population standard deviation,
-- and the segment mean in standard deviations from the overall mean,
-- (segment mean - overall mean) / overall stddev (the mean z-score; a constant feature gets 0).
-- The basis of profiles and personas, independent of the model's transforms and scaling.
-- Sums are exact (exact_sum), so the table is the same bit for bit on every run.
--
-- Two streaming passes over the scored customers, each reading ml_customer_scores itself: the
-- per-segment sums (the overall mean is their exact total), then the squared deviations from
-- the overall mean. No per-customer CTE is read twice: DuckDB would materialize it, every
-- feature of every customer (out of memory at 100M customers; docs/lean-build.md).
{%- set features = available_features() %}

with

segment_sums as (

    select
        segment_id,
        {% for feature in features -%}
            {{ exact_decimal_sum(feature) }} as sum__{{ feature }},
            count({{ feature }}) as count__{{ feature }},
        {% endfor %}
        count(*) as n_customers

    from {{ ref('ml_customer_scores') }}
    group by segment_id

),

segment_means as (

    select
        segment_id,
        {% for feature in features -%}
            cast(sum__{{ feature }} as double) / count__{{ feature }} as mean__{{ feature }},
        {% endfor %}
        n_customers

    from segment_sums

),

overall_means as (

    select
        {% for feature in features -%}
            cast(sum(sum__{{ feature }}) as double) / sum(count__{{ feature }})
                as mean__{{ feature }},
        {% endfor %}
        count(*) as n_segments

    from segment_sums

),

overall as (

    select
        {% for feature in features -%}
            overall_means.mean__{{ feature }},
            sqrt({{ exact_avg(
                "power(scores." ~ feature ~ " - overall_means.mean__" ~ feature ~ ", 2)"
            ) }}) as stddev__{{ feature }},
        {% endfor %}
        overall_means.n_segments

    from {{ ref('ml_customer_scores') }} as scores
    cross join overall_means
    group by all

),

segment_unpivoted as (

    {{ unpivot_feature_columns(
        "segment_means",
        features,
        {"mean_value": "mean__"},
        keep_columns=["segment_id", "n_customers"],
    ) }}

),

overall_unpivoted as (

    {{ unpivot_feature_columns(
        "overall", features, {"overall_mean_value": "mean__", "overall_stddev": "stddev__"}
    ) }}

),

final as (

    select
        segment_unpivoted.segment_id,
        segment_unpivoted.feature_name,
        segment_unpivoted.n_customers,
        segment_unpivoted.mean_value,
        (segment_unpivoted.mean_value - overall_unpivoted.overall_mean_value)
        / case
            when overall_unpivoted.overall_stddev = 0 then 1.0
            else overall_unpivoted.overall_stddev
        end as mean_standardized_value,
        overall_unpivoted.overall_mean_value,
        overall_unpivoted.overall_stddev

    from segment_unpivoted
    inner join overall_unpivoted
        on segment_unpivoted.feature_name = overall_unpivoted.feature_name

)

select * from final
