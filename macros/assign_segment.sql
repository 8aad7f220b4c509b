{#- Score customers with the fitted model in plain SQL: a select statement that takes a relation
    with an id column and the 17 raw CC GENERAL feature columns (snake_case, or the file's upper
    case names on case-insensitive engines; numbers or text), imputes missing values with
    `int_feature_imputation_values`, standardizes with `int_feature_scaling_parameters`, assigns
    the nearest centroid of `ml_kmeans_centroids`, projects on `ml_pca_loadings` and names the
    segment from `segment_personas`. Output columns: the id column, segment_id, segment_name,
    distance_to_centroid, pc1..pcN, the imputed features and n_imputed_values.

    Use it in a model: `{{ assign_segment(ref('new_customers')) }}`.
    `parameters` (optional) maps imputation / scaling / centroids / pca_loadings / personas to
    relations; by default they are the project's models via ref(). The on-run-end hook passes
    them explicitly (ref() is not available in hooks). -#}
{% macro assign_segment(relation, id_column="customer_id", parameters=none) %}
    {%- set features = segmentation_features() %}
    {%- if parameters is none %}
        {%- set parameters = {
            "imputation": ref("int_feature_imputation_values"),
            "scaling": ref("int_feature_scaling_parameters"),
            "centroids": ref("ml_kmeans_centroids"),
            "pca_loadings": ref("ml_pca_loadings"),
            "personas": ref("segment_personas"),
        } %}
    {%- endif %}
    {%- if execute and relation is not string %}
        {%- set present = adapter.get_columns_in_relation(relation)
            | map(attribute="name") | map("lower") | list %}
        {%- set missing = [] %}
        {%- for column in [id_column] + features %}
            {%- if column | lower not in present %}{% do missing.append(column) %}{% endif %}
        {%- endfor %}
        {#- a relation not built yet has no columns: nothing to check before it exists -#}
        {%- if missing and present %}
            {{ exceptions.raise_compiler_error(
                "assign_segment: relation " ~ relation ~ " lacks the column(s) "
                ~ missing | join(", ") ~ " (needs " ~ id_column
                ~ " and the 17 CC GENERAL feature columns)") }}
        {%- endif %}
    {%- endif %}

with

assign_segment__input as (

    select * from {{ relation }}

),

assign_segment__imputation_values as (

    select * from {{ parameters["imputation"] }}

),

assign_segment__scaling_parameters as (

    select * from {{ parameters["scaling"] }}

),

assign_segment__personas as (

    select * from {{ parameters["personas"] }}

),

assign_segment__parameters as (

    select
        {{ pivot_feature_values("imputation_value", features, prefix="fill__") }}

    from assign_segment__imputation_values

),

assign_segment__scalers as (

    select
        {{ pivot_feature_values("feature_mean", features, prefix="mean__") }},
        {{ pivot_feature_values("feature_scale", features, prefix="scale__") }}

    from assign_segment__scaling_parameters

),

assign_segment__raw as (

    select
        {% for feature in features -%}
            {{ safe_cast(feature, "double") }} as {{ feature }},
        {% endfor %}
        {{ id_column }}

    from assign_segment__input

),

assign_segment__imputed as (

    select
        assign_segment__raw.{{ id_column }},
        {% for feature in features -%}
            coalesce(
                assign_segment__raw.{{ feature }},
                assign_segment__parameters.fill__{{ feature }}
            ) as {{ feature }},
        {% endfor %}
        {{ count_nulls(features, "assign_segment__raw") }} as n_imputed_values

    from assign_segment__raw
    cross join assign_segment__parameters

),

assign_segment__standardized as (

    select
        {% for feature in features -%}
            (assign_segment__imputed.{{ feature }} - assign_segment__scalers.mean__{{ feature }})
            / assign_segment__scalers.scale__{{ feature }} as z_{{ feature }},
        {% endfor %}
        assign_segment__imputed.*

    from assign_segment__imputed
    cross join assign_segment__scalers

),

{{ segment_scoring_ctes(
    "assign_segment__standardized",
    id_column,
    centroids=parameters["centroids"],
    pca_loadings=parameters["pca_loadings"],
) }},

assign_segment__final as (

    select
        scoring_scored.{{ id_column }},
        scoring_scored.segment_id,
        assign_segment__personas.segment_name,
        scoring_scored.distance_to_centroid,
        {% for component in range(1, var("pca_components") | int + 1) -%}
            scoring_scored.pc{{ component }},
        {% endfor %}
        {% for feature in features -%}
            scoring_scored.{{ feature }},
        {% endfor %}
        scoring_scored.n_imputed_values

    from scoring_scored
    inner join assign_segment__personas
        on scoring_scored.segment_id = assign_segment__personas.segment_id

)

select * from assign_segment__final
{%- endmacro %}
