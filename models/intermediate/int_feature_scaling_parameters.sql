-- StandardScaler parameters of every feature, fitted on the imputed data: the mean and the
-- population standard deviation (ddof = 0, as scikit-learn). A constant feature gets scale 1,
-- as in scikit-learn, so its standardized value is 0 for everybody. Sums are exact (see
-- exact_sum), so the parameters are the same bit for bit on every run.
{%- set features = segmentation_features() %}

with

customers as (

    select * from {{ ref('int_customers_imputed') }}

),

means as (

    select
        {% for feature in features -%}
            {{ exact_avg(feature) }} as mean__{{ feature }},
        {% endfor %}
        count(*) as n_customers

    from customers

),

aggregated as (

    -- two passes (mean, then squared deviations), both summed exactly: reproducible bit for
    -- bit and as accurate as numpy
    select
        {% for feature in features -%}
            means.mean__{{ feature }},
            sqrt({{ exact_avg(
                "power(customers." ~ feature ~ " - means.mean__" ~ feature ~ ", 2)"
            ) }}) as stddev__{{ feature }},
        {% endfor %}
        means.n_customers

    from customers
    cross join means
    group by all

),

unpivoted as (

    {{ unpivot_feature_columns(
        "aggregated",
        features,
        {"feature_mean": "mean__", "feature_stddev": "stddev__"},
        keep_columns=["n_customers"],
    ) }}

),

final as (

    select
        feature_name,
        feature_mean,
        feature_stddev,
        case when feature_stddev = 0 then 1.0 else feature_stddev end as feature_scale,
        n_customers

    from unpivoted

)

select * from final
