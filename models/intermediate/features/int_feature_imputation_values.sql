-- The value each feature's missing entries are filled with (var `features.imputation`:
-- mean | median), one row per feature. Persisted so new customers can be imputed exactly the
-- same way.
--
-- A score run (docs/lifecycle.md) selects the scoring model's stored rows instead of `fitted`.
{%- set decision = lifecycle_decision() %}
{%- set parameters = stored_parameters("ml_model_imputation_values", decision.model_run_id)
    if decision.run_kind == "score" else "fitted" %}
{%- set method = setting("features", "imputation") %}
{%- if method not in ["mean", "median"] and execute %}
    {{ exceptions.raise_compiler_error(
        "var 'features.imputation' must be 'mean' or 'median', got '" ~ method ~ "'") }}
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

fitted as (

    select
        feature_name,
        '{{ method }}' as imputation_method,
        imputation_value,
        n_customers,
        n_customers - n_present as n_missing

    from unpivoted

),

final as (

    select
        model_parameters.feature_name,
        model_parameters.imputation_method,
        model_parameters.imputation_value,
        model_parameters.n_customers,
        model_parameters.n_missing

    from {{ parameters }} as model_parameters

)

select * from final
