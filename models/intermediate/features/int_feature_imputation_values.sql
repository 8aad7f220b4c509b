-- The value each feature's missing entries are filled with (var `imputation`: mean | median),
-- one row per feature. Persisted so new customers can be imputed exactly the same way.
--
-- Score run (docs/lifecycle.md): the scoring model's stored values instead.
{%- set decision = lifecycle_decision() %}
{%- if decision.run_kind == "score" %}

with

stored as (

    select * from {{ stored_parameters("ml_model_imputation_values", decision.model_run_id) }} as stored_rows

),

final as (

    select
        feature_name,
        imputation_method,
        imputation_value,
        n_customers,
        n_missing

    from stored

)

select * from final
{%- else %}
{%- set method = setting("features", "imputation") %}
{%- if method not in ["mean", "median"] and execute %}
    {{ exceptions.raise_compiler_error(
        "var 'imputation' must be 'mean' or 'median', got '" ~ method ~ "'") }}
{%- endif %}
{%- set features = base_feature_columns() %}

with

customers as (

    select * from {{ ref('int_customers_base_features') }}

),

aggregated as (

    select
        {% for feature in features -%}
            count({{ feature }}) as n_present__{{ feature }},
            {{ median(feature) if method == "median" else exact_avg(feature) }}
                as fill__{{ feature }},
        {% endfor %}
        count(*) as n_customers

    from customers

),

unpivoted as (

    {{ unpivot_feature_columns(
        "aggregated",
        features,
        {"imputation_value": "fill__", "n_present": "n_present__"},
        keep_columns=["n_customers"],
    ) }}

),

final as (

    select
        feature_name,
        '{{ method }}' as imputation_method,
        imputation_value,
        n_customers,
        n_customers - n_present as n_missing

    from unpivoted

)

select * from final
{%- endif %}
