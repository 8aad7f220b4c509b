-- The value each feature's missing entries are filled with (var `imputation`: mean | median),
-- one row per feature. Persisted so new customers can be imputed exactly the same way.
{%- set method = var("imputation") %}
{%- if method not in ["mean", "median"] %}
    {{ exceptions.raise_compiler_error(
        "var 'imputation' must be 'mean' or 'median', got '" ~ method ~ "'") }}
{%- endif %}
{%- set features = segmentation_features() %}

with

customers as (

    select * from {{ ref('stg_cc_general__customers') }}

),

aggregated as (

    select
        count(*) as n_customers,
        {%- for feature in features %}
        count({{ feature }}) as n_present__{{ feature }},
        {%- if method == "mean" %}
        avg({{ feature }}) as fill__{{ feature }}{{ "," if not loop.last }}
        {%- else %}
        {{ median(feature) }} as fill__{{ feature }}{{ "," if not loop.last }}
        {%- endif %}
        {%- endfor %}

    from customers

),

unpivoted as (

    {%- for feature in features %}
    select
        '{{ feature }}' as feature_name,
        '{{ method }}' as imputation_method,
        fill__{{ feature }} as imputation_value,
        n_customers,
        n_customers - n_present__{{ feature }} as n_missing
    from aggregated
    {{ "union all" if not loop.last }}
    {%- endfor %}

),

final as (

    select * from unpivoted

)

select * from final
