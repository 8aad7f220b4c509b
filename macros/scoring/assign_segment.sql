{#- Score customers with the fitted model in plain SQL: a select statement over a relation with
    an id column and the input columns of the current input_format (CC GENERAL: the 17 feature
    columns, snake_case or the file's upper-case names on case-insensitive engines; numbers or
    text). It repeats the build's preprocessing with the stored parameters - imputation
    (int_feature_imputation_values), engineered features, transforms and scaling
    (int_feature_scaling_parameters) - then assigns the nearest centroid (ml_segment_centroids,
    stable ids), projects on ml_pca_loadings and names the segment (segment_personas), through
    the same scoring CTEs as ml_customer_scores. Output: the id column, segment_id,
    segment_name, distance_to_centroid, second_segment_id, second_distance, margin, pc1..pcN, the imputed input columns,
    n_imputed_values and data_quality_flag: the reason code the build's validation would give
    the row (the codes of the `quarantine` table: non_numeric_value, negative_amount,
    frequency_out_of_range, ...; NULL when the row is fine). Rows are never dropped: a flagged
    row is still scored (a value that is not a number counts as missing and is imputed).

    Input columns are checked: in a model, at compile time (relation lacks the column(s) ...);
    in the stored `segment_customers()` macro (`relation` is the string
    "query_table(table_name)"), at call time, with one error naming the missing columns and
    the expected (lowercase) names.

    Use it in a model: `{{ assign_segment(ref('new_customers')) }}`. `parameters` (optional)
    maps imputation / scaling / centroids / pca_loadings / personas to relations; by default
    they are the current champion's (docs/lifecycle.md): the project's models via ref() when
    this invocation fits the model it publishes, else the champion's rows of the parameter
    stores (assign_segment_stored_model). The on-run-end hook passes them explicitly (ref()
    is not available in hooks). -#}
{% macro assign_segment(relation, id_column="customer_id", parameters=none) %}
    {%- set columns = base_feature_columns() %}
    {%- set champion = assign_segment_stored_model() if parameters is none else "" %}
    {%- if champion %}
        {#- the champion's rows of each parameter store, as aliased subqueries -#}
        {%- set parameters = {} %}
        {%- for kind, store in {
            "imputation": "ml_model_imputation_values",
            "scaling": "ml_model_scaling_parameters",
            "centroids": "ml_model_centroids",
            "pca_loadings": "ml_model_pca_loadings",
            "personas": "ml_model_personas",
        }.items() %}
            {%- do parameters.update(
                {kind: stored_parameters(store, champion) ~ " as " ~ kind ~ "_parameters"}) %}
        {%- endfor %}
    {%- elif parameters is none %}
        {%- set parameters = {
            "imputation": ref("int_feature_imputation_values"),
            "scaling": ref("int_feature_scaling_parameters"),
            "centroids": ref("ml_segment_centroids"),
            "pca_loadings": ref("ml_pca_loadings"),
            "personas": ref("segment_personas"),
        } %}
    {%- endif %}
    {%- if execute and relation is not string %}
        {%- set present = adapter.get_columns_in_relation(relation)
            | map(attribute="name") | map("lower") | list %}
        {%- set missing = ([id_column] + columns) | reject("in", present) | list %}
        {#- a relation not built yet has no columns: nothing to check before it exists -#}
        {%- if missing and present %}
            {{ exceptions.raise_compiler_error(
                "assign_segment: relation " ~ relation ~ " lacks the column(s) "
                ~ missing | join(", ") ~ " (needs " ~ id_column ~ " and the input columns "
                ~ columns | join(", ") ~ "; found: " ~ present | join(", ")
                ~ "). Rename the columns to these lowercase names, e.g. CUST_ID as "
                ~ id_column) }}
        {%- endif %}
    {%- endif %}

with

{% if relation is string %}
{#- the stored macro: input columns are only known when it is called. Missing columns become
    NULL here (no binder error) and assign_segment__column_check names them. -#}
assign_segment__expected_columns as (

    select
        cast(null as string) as {{ id_column }},
        {% for column in columns -%}
            cast(null as string) as {{ column }}{{ "," if not loop.last }}
        {% endfor %}
    where false

),

assign_segment__input as (

    select * from assign_segment__expected_columns
    union all by name
    select * from {{ relation }}

),

assign_segment__input_columns as (

    select
        string_split(lower(array_to_string(json_keys(to_json(input_row)), ',')), ',') as names

    from {{ relation }} as input_row
    limit 1

),

assign_segment__column_check as (

    select
        case
            when missing_columns <> '' then {{ raise_error(
                "concat('segment_customers: the input table lacks the column(s) ', "
                ~ "missing_columns, '; expected the lowercase names "
                ~ ([id_column] + columns) | join(", ") ~ " (a file with the original "
                ~ "headers: rename CUST_ID as customer_id; found: ', "
                ~ "array_to_string(names, ', '), ')')") }}
            else true
        end as has_every_column

    from (
        select
            names,
            concat_ws(
                ', ',
                {% for column in [id_column] + columns -%}
                    case when not list_contains(names, '{{ column }}') then '{{ column }}' end
                    {{- "," if not loop.last }}
                {% endfor %}
            ) as missing_columns
        from assign_segment__input_columns
    ) as checked

),
{% else %}
assign_segment__input as (

    select * from {{ relation }}

),
{% endif %}

assign_segment__personas as (

    select * from {{ parameters["personas"] }}

),

assign_segment__text as (

    select
        {% for column in columns -%}
            nullif(trim(cast({{ column }} as string)), '') as {{ column }}_text,
        {% endfor %}
        {{ id_column }}

    from assign_segment__input

),

assign_segment__raw as (

    select
        {% for column in columns -%}
            {{ safe_cast(column ~ "_text", "double") }} as {{ column }},
        {% endfor %}
        assign_segment__text.*

    from assign_segment__text

),

assign_segment__flagged as (

    select
        {{ data_quality_flag(columns, id_column) }} as data_quality_flag,
        {% for column in columns -%}
            {{ column }},
        {% endfor %}
        {{ id_column }}

    from assign_segment__raw
    {%- if relation is string %}
    cross join assign_segment__column_check
    where assign_segment__column_check.has_every_column
    {%- endif %}

),

{# imputation, engineered features, transforms and scaling: the build's own SQL #}
{{ preprocess_features(
    "assign_segment__flagged",
    imputation=parameters["imputation"],
    scaling=parameters["scaling"],
    keep_columns=[id_column, "data_quality_flag"],
) }},

{{ segment_scoring_ctes(
    "preprocess__standardized",
    id_column,
    centroids=parameters["centroids"],
    pca_loadings=parameters["pca_loadings"],
) }},

assign_segment__final as (

    select
        scoring_scored.{{ id_column }},
        scoring_scored.segment_id,
        case
            when
                scoring_scored.segment_id is not null
                and assign_segment__personas.segment_id is null
                then {{ raise_error(
                    "concat('segment id ', cast(scoring_scored.segment_id as string), "
                    ~ "' has no persona in segment_personas: the parameter tables are from "
                    ~ "different runs; rebuild (dbt build)')") }}
            else assign_segment__personas.segment_name
        end as segment_name,
        scoring_scored.distance_to_centroid,
        scoring_scored.second_segment_id,
        scoring_scored.second_distance,
        scoring_scored.margin,
        {% for component in range(1, setting("diagnostics", "pca_components") | int + 1) -%}
            scoring_scored.pc{{ component }},
        {% endfor %}
        {% for column in columns -%}
            scoring_scored.{{ column }},
        {% endfor %}
        scoring_scored.n_imputed_values,
        scoring_scored.data_quality_flag

    from scoring_scored
    left join assign_segment__personas
        on scoring_scored.segment_id = assign_segment__personas.segment_id

)

select * from assign_segment__final
{%- endmacro %}

{#- The registered model whose stored parameters assign_segment scores with by default, '' for
    the project's models (ref()): a score run's model (the champion, or the model a pin or
    promotion makes the champion), the champion in a challenger run (lifecycle.promotion
    manual: the build's tables then hold the challenger's parameters), '' in a fit run that
    publishes its own model (its parameters are the build's tables). -#}
{% macro assign_segment_stored_model() %}
    {%- if not execute or (model is defined and model.resource_type == "unit_test") %}
        {{ return("") }}
    {%- endif %}
    {%- set decision = lifecycle_decision() %}
    {%- if decision.run_kind == "score" %}
        {{ return(decision.model_run_id) }}
    {%- elif not decision.is_published_run %}
        {{ return(decision.champion_run_id) }}
    {%- endif %}
    {{ return("") }}
{% endmacro %}
