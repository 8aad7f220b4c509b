-- How each model feature becomes the value k-means sees: its transform (setting
-- features.transforms: none | log1p | winsorize, with the winsorizing bounds at
-- features.winsorize_quantiles) and its
-- scaling (features.scaling), fitted on the imputed, engineered customers:
--   standard: center = mean, scale = population standard deviation (ddof 0, as StandardScaler)
--   robust:   center = median, scale = interquartile range (as RobustScaler)
--   minmax:   center = min, scale = max - min (as MinMaxScaler; z lands in [0, 1])
-- A zero scale becomes 1, as in scikit-learn, so a constant feature is 0 for everybody (standard,
-- robust) or its value minus the min (minmax). feature_mean and feature_stddev describe the
-- transformed feature whatever the scaling. Means and standard deviations are two-pass sums
-- computed exactly (see exact_sum), so the parameters are the same bit for bit on every run.
--
-- A score run (docs/lifecycle.md) selects the scoring model's stored rows instead of `fitted`.
{%- set decision = lifecycle_decision() %}
{%- set parameters = stored_parameters("ml_model_scaling_parameters", decision.model_run_id)
    if decision.run_kind == "score" else "fitted" %}
{%- set features = segmentation_features() %}
{#- segmentation_features() has checked features.scaling and features.winsorize_quantiles -#}
{%- set scaling = setting("features", "scaling") %}
{%- set quantiles = setting("features", "winsorize_quantiles") %}
{%- set low_q, high_q = quantiles[0] | float, quantiles[1] | float %}

with

bounds as (

    select
        {% for feature in features -%}
            {% if feature_transform(feature) == "winsorize" -%}
                {{ quantile(feature, low_q) }} as lower__{{ feature }},
                {{ quantile(feature, high_q) }} as upper__{{ feature }},
            {%- else -%}
                cast(null as double) as lower__{{ feature }},
                cast(null as double) as upper__{{ feature }},
            {%- endif %}
        {% endfor %}
        count(*) as n_customers

    from {{ ref('int_customers_engineered') }}

),

means as (

    select
        {% for feature in features -%}
            {{ exact_avg(transformed_feature(feature, "customers.", "bounds.")) }}
                as mean__{{ feature }},
        {% endfor %}
        count(*) as n_customers

    from {{ ref('int_customers_engineered') }} as customers
    cross join bounds

),

-- a second pass for the deviations from the means: each pass reads the customers itself
-- (a per-customer CTE read by both would be held in memory; docs/lean-build.md)
aggregated as (

    select
        {% for feature in features -%}
            {%- set transformed = transformed_feature(feature, "customers.", "bounds.") %}
            means.mean__{{ feature }},
            sqrt({{ exact_avg(
                "power(" ~ transformed ~ " - means.mean__" ~ feature ~ ", 2)"
            ) }}) as stddev__{{ feature }},
            {% if scaling == "robust" -%}
                {{ median(transformed) }} as center__{{ feature }},
                {{ quantile(transformed, 0.75) }}
                - {{ quantile(transformed, 0.25) }} as spread__{{ feature }},
            {%- elif scaling == "minmax" -%}
                min({{ transformed }}) as center__{{ feature }},
                max({{ transformed }}) - min({{ transformed }})
                    as spread__{{ feature }},
            {%- endif %}
        {% endfor %}
        means.n_customers

    from {{ ref('int_customers_engineered') }} as customers
    cross join bounds
    cross join means
    group by all

),

-- standard scaling: the centre and spread are the mean and stddev computed above
unpivoted as (

    {{ unpivot_feature_columns(
        "aggregated",
        features,
        {
            "feature_mean": "mean__",
            "feature_stddev": "stddev__",
            "feature_center": "mean__" if scaling == "standard" else "center__",
            "feature_spread": "stddev__" if scaling == "standard" else "spread__",
        },
        keep_columns=["n_customers"],
    ) }}

),

bounds_unpivoted as (

    {{ unpivot_feature_columns(
        "bounds", features, {"lower_bound": "lower__", "upper_bound": "upper__"}
    ) }}

),

transforms as (

    {% for feature in features -%}
        select
            '{{ feature }}' as feature_name,
            '{{ feature_transform(feature) }}' as transform_method
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

fitted as (

    select
        unpivoted.feature_name,
        transforms.transform_method,
        case when transforms.transform_method = 'winsorize' then bounds_unpivoted.lower_bound end
            as lower_bound,
        case when transforms.transform_method = 'winsorize' then bounds_unpivoted.upper_bound end
            as upper_bound,
        '{{ scaling }}' as scaling_method,
        unpivoted.feature_center,
        case
            when unpivoted.feature_spread = 0 or unpivoted.feature_spread is null then 1.0
            else unpivoted.feature_spread
        end as feature_scale,
        unpivoted.feature_mean,
        unpivoted.feature_stddev,
        unpivoted.n_customers

    from unpivoted
    inner join transforms
        on unpivoted.feature_name = transforms.feature_name
    inner join bounds_unpivoted
        on unpivoted.feature_name = bounds_unpivoted.feature_name

),

final as (

    select
        model_parameters.feature_name,
        model_parameters.transform_method,
        model_parameters.lower_bound,
        model_parameters.upper_bound,
        model_parameters.scaling_method,
        model_parameters.feature_center,
        model_parameters.feature_scale,
        model_parameters.feature_mean,
        model_parameters.feature_stddev,
        model_parameters.n_customers

    from {{ parameters }} as model_parameters

)

select * from final
