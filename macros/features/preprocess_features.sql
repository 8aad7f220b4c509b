{#- The build's preprocessing as CTEs, the one place it is written: the intermediate models
    (int_customers_imputed, int_customers_engineered, int_customers_standardized, one step each)
    and assign_segment (all three, hence the stored segment_customers() macro too) call it, so a
    customer scored outside the build is preprocessed exactly as in it.

    `relation`: a relation or a CTE name, holding the input columns (base_feature_columns())
    for `impute`, the imputed input columns for `engineer`, the engineered features for
    `standardize`. The fitted parameters are arguments, never ref()'d here, so a caller can
    score with any run's stored parameters (the on-run-end hook, a champion model):
    `imputation` (long table feature_name, imputation_value, as int_feature_imputation_values)
    is required by `impute`; `scaling` (feature_name, feature_center, feature_scale,
    lower_bound, upper_bound, as int_feature_scaling_parameters) by `standardize`.

    Emits, for the chosen `steps` (in this order; any contiguous part of it), the CTEs
    `preprocess__input`, then
      impute:      `preprocess__fill_values`, `preprocess__imputed` (keep_columns, the input
                   columns with NULLs filled, n_imputed_values = how many were NULL);
      engineer:    `preprocess__engineered` (every column plus engineered_feature_columns());
      standardize: `preprocess__scalers`, `preprocess__standardized` (z_<feature> =
                   scaled_feature() for every model feature, then every column).
    No leading `with`, no trailing comma; read the last step's CTE. Each step reads only its
    own macros (base_feature_columns for impute, segmentation_features for standardize), so a
    unit test of one step overrides only those. -#}
{% macro preprocess_features(
    relation,
    imputation=none,
    scaling=none,
    steps=["impute", "engineer", "standardize"],
    keep_columns=["customer_id"]
) %}
    {%- set all_steps = ["impute", "engineer", "standardize"] %}
    {%- set chosen = all_steps | select("in", steps) | list %}
    {%- set first = all_steps.index(chosen[0]) if chosen else -1 %}
    {%- if not chosen or chosen | length != steps | length
        or chosen != all_steps[first:first + chosen | length] %}
        {{ exceptions.raise_compiler_error(
            "preprocess_features: steps must be a contiguous part of " ~ all_steps
            ~ " in that order, got " ~ steps) }}
    {%- endif %}
    {%- if "impute" in chosen and imputation is none %}
        {{ exceptions.raise_compiler_error(
            "preprocess_features: step impute needs the imputation parameters "
            ~ "(imputation=<relation like int_feature_imputation_values>)") }}
    {%- endif %}
    {%- if "standardize" in chosen and scaling is none %}
        {{ exceptions.raise_compiler_error(
            "preprocess_features: step standardize needs the scaling parameters "
            ~ "(scaling=<relation like int_feature_scaling_parameters>)") }}
    {%- endif %}
    {%- set previous = namespace(cte="preprocess__input") %}
preprocess__input as (

    select * from {{ relation }}

)
{%- if "impute" in chosen %},
    {%- set columns = base_feature_columns() %}

preprocess__fill_values as (

    select
        {{ pivot_feature_values("imputation_value", columns, prefix="fill__") }}

    from {{ imputation }}

),

preprocess__imputed as (

    select
        {% for column in keep_columns -%}
            {{ previous.cte }}.{{ column }},
        {% endfor %}
        {% for column in columns -%}
            coalesce(
                {{ previous.cte }}.{{ column }}, preprocess__fill_values.fill__{{ column }}
            ) as {{ column }},
        {% endfor %}
        {{ count_nulls(columns, previous.cte) }} as n_imputed_values

    from {{ previous.cte }}
    cross join preprocess__fill_values

)
    {%- set previous.cte = "preprocess__imputed" %}
{%- endif %}
{%- if "engineer" in chosen %},

preprocess__engineered as (

    select
        *,
        {{ engineered_feature_columns() }}

    from {{ previous.cte }}

)
    {%- set previous.cte = "preprocess__engineered" %}
{%- endif %}
{%- if "standardize" in chosen %},
    {%- set features = segmentation_features() %}

preprocess__scalers as (

    select
        {{ pivot_feature_values("feature_center", features, prefix="center__") }},
        {{ pivot_feature_values("feature_scale", features, prefix="scale__") }},
        {{ pivot_feature_values("lower_bound", features, prefix="lower__") }},
        {{ pivot_feature_values("upper_bound", features, prefix="upper__") }}

    from {{ scaling }}

),

preprocess__standardized as (

    select
        {% for feature in features -%}
            {{ scaled_feature(
                feature, previous.cte ~ ".", "preprocess__scalers."
            ) }} as z_{{ feature }},
        {% endfor %}
        {{ previous.cte }}.*

    from {{ previous.cte }}
    cross join preprocess__scalers

)
{%- endif %}
{%- endmacro %}
