-- The table analysts query: one row per customer with their segment, persona name, distance to
-- the segment centroid, how clear-cut the assignment is (the second-nearest segment, its
-- distance and the margin between the two), the outlier flag, PCA coordinates for plots, the
-- 17 CC GENERAL columns after imputation (NULL where a ledger input cannot derive them) and the
-- purchase type. An
-- outlier lies farther from its centroid than the segment's outlier distance threshold
-- (ml_segment_distance_stats, var diagnostics.outlier_contamination).
{%- set columns = cc_general_columns() | map(attribute="name") | list %}
{%- set delivered = base_feature_columns() %}
{#- The two plot axes pc1, pc2 (the contract fixes the columns): pc2 is NULL when var
    pca_components is 1; further components are in ml_customer_scores (pc3..pcN). -#}
{%- set n_components = setting("diagnostics", "pca_components") | int %}

with

scores as (

    select * from {{ ref('ml_customer_scores') }}

),

personas as (

    select * from {{ ref('ml_segment_personas') }}

),

distance_stats as (

    select * from {{ ref('ml_segment_distance_stats') }}

),

final as (

    select
        scores.customer_id,
        scores.segment_id,
        personas.segment_name,
        scores.distance_to_centroid,
        scores.second_segment_id,
        scores.second_distance,
        scores.margin,
        coalesce(
            scores.distance_to_centroid > distance_stats.outlier_distance_threshold, false
        ) as is_outlier,
        {% for component in range(1, 3) -%}
            {% if component <= n_components -%}
                scores.pc{{ component }},
            {%- else -%}
                cast(null as double) as pc{{ component }},
            {%- endif %}
        {% endfor %}
        {% for column in columns -%}
            {% if column in delivered -%}
                scores.{{ column }},
            {%- else -%}
                cast(null as double) as {{ column }},
            {%- endif %}
        {% endfor %}
        scores.purchase_type,
        scores.n_imputed_values

    from scores
    inner join personas
        on scores.segment_id = personas.segment_id
    inner join distance_stats
        on scores.segment_id = distance_stats.segment_id

)

select * from final
