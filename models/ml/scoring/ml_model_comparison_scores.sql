-- Champion and challenger on the current input (docs/lifecycle.md, model_comparison): every
-- customer scored with each model's stored parameters (imputation, transforms and scaler,
-- centroids: the parameter stores, so both sides are scored the same way), each in its own
-- standardized space, exactly as the model would publish it (ties to the lower id). Distances
-- are then measured in ONE space, the challenger's: the champion's centroids are mapped into it
-- through both scalers. Empty when there is nothing to compare (no champion, or a score run
-- with the champion and no challenger pending).
{%- set decision = lifecycle_decision() %}
{{ registry_dependency() }}
{%- set is_compared = decision.champion_run_id != "" and decision.challenger_run_id != "" %}
{%- set champion_id = decision.champion_run_id if is_compared else decision.model_run_id %}
{%- set challenger_id = decision.challenger_run_id if is_compared else decision.model_run_id %}
{%- set features = segmentation_features() %}
{%- set champion_ids = stored_segment_ids(champion_id) %}
{%- set challenger_ids = stored_segment_ids(challenger_id) %}
{%- if not champion_ids or not challenger_ids %}
    {#- no stored model yet (e.g. `dbt build --empty`): valid SQL, no rows #}
    {%- set is_compared = false %}
    {%- set champion_ids = [1] %}
    {%- set challenger_ids = [1] %}
{%- endif %}

with

customers as (

    select * from {{ ref('int_customers_base_features') }}

),

imputation_values as (

    select * from {{ ref('ml_model_imputation_values') }}

),

scaling_parameters as (

    select * from {{ ref('ml_model_scaling_parameters') }}

),

centroids as (

    select * from {{ ref('ml_model_centroids') }}

),

{{ comparison_model_ctes("champion", champion_id, champion_ids) }},

{{ comparison_model_ctes("challenger", challenger_id, challenger_ids) }},

-- the champion's centroids in the challenger's standardized space:
-- (champion center + champion scale * z - challenger center) / challenger scale
champion_centroids_in_common_space as (

    select
        {{ mapped_centroid_columns(champion_ids) }}

    from champion_scalers
    cross join champion_centroids
    cross join challenger_scalers

),

final as (

    select
        challenger_assigned.customer_id,
        '{{ champion_id }}' as champion_run_id,
        '{{ challenger_id }}' as challenger_run_id,
        champion_assigned.segment_id as champion_segment_id,
        challenger_assigned.segment_id as challenger_segment_id,
        champion_assigned.segment_id <> challenger_assigned.segment_id as is_changed,
        case champion_assigned.segment_id
            {% for segment_id in champion_ids -%}
                when {{ segment_id }} then {{ squared_distance(
                    features,
                    "challenger_assigned.z_",
                    "champion_centroids_in_common_space.centroid_" ~ segment_id ~ "__",
                ) }}
            {% endfor %}
        end as champion_squared_distance,
        case challenger_assigned.segment_id
            {% for segment_id in challenger_ids -%}
                when {{ segment_id }} then {{ squared_distance(
                    features,
                    "challenger_assigned.z_",
                    "challenger_centroids.centroid_" ~ segment_id ~ "__",
                ) }}
            {% endfor %}
        end as challenger_squared_distance,
        {% for feature in features -%}
            challenger_assigned.z_{{ feature }},
        {% endfor %}
        {{ sample_key("challenger_assigned.customer_id") }} as sample_key

    from challenger_assigned
    inner join champion_assigned
        on challenger_assigned.customer_id = champion_assigned.customer_id
    cross join champion_centroids_in_common_space
    cross join challenger_centroids
    where {{ "true" if is_compared else "false" }}

)

select * from final
