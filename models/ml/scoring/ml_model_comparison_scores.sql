-- Champion and challenger on the current input (docs/lifecycle.md, model_comparison): every
-- customer scored with each model's stored parameters (imputation, transforms and scaler,
-- centroids: the parameter stores, so both sides are scored the same way), each in its own
-- standardized space, exactly as the model would publish it (ties to the lower id). Distances
-- are then measured in ONE space, the challenger's: the champion's centroids are mapped into it
-- through both scalers. Empty when there is nothing to compare (no champion, or a score run
-- with the champion and no challenger pending).
{%- set decision = lifecycle_decision() %}
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

{%- for side, model_run_id, segment_ids in [
    ("champion", champion_id, champion_ids),
    ("challenger", challenger_id, challenger_ids),
] %}

{{ side }}_imputation as (

    select * from imputation_values
    where model_run_id = '{{ model_run_id }}'

),

{{ side }}_scaling as (

    select * from scaling_parameters
    where model_run_id = '{{ model_run_id }}'

),

{{ side }}_scalers as (

    select
        {{ pivot_feature_values("feature_center", features, prefix="center__") }},
        {{ pivot_feature_values("feature_scale", features, prefix="scale__") }}

    from {{ side }}_scaling

),

{{ side }}_centroids as (

    select
        {% for segment_id in segment_ids -%}
            {{ pivot_feature_values(
                "centroid_value",
                features,
                prefix="centroid_" ~ segment_id ~ "__",
                condition="segment_id = " ~ segment_id,
            ) }},
        {% endfor %}
        count(*) as n_centroid_values

    from centroids
    where model_run_id = '{{ model_run_id }}'

),

{{ side }}_standardized as (

    with
    {{ preprocess_features(
        "customers", imputation=side ~ "_imputation", scaling=side ~ "_scaling"
    ) }}

    select * from preprocess__standardized

),

{{ side }}_distances as (

    select
        {{ side }}_standardized.customer_id,
        {% for feature in features -%}
            {{ side }}_standardized.z_{{ feature }},
        {% endfor %}
        {% for segment_id in segment_ids -%}
            sqrt({{ squared_distance(
                features,
                side ~ "_standardized.z_",
                side ~ "_centroids.centroid_" ~ segment_id ~ "__",
            ) }}) as distance_to_segment_{{ segment_id }}{{ "," if not loop.last }}
        {% endfor %}

    from {{ side }}_standardized
    cross join {{ side }}_centroids

),

{{ side }}_assigned as (

    select
        customer_id,
        {% for feature in features -%}
            z_{{ feature }},
        {% endfor %}
        cast(
            {{ nearest_segment(segment_ids, "distance_to_segment_") }} as bigint
        ) as segment_id

    from {{ side }}_distances

),
{%- endfor %}

-- the champion's centroids in the challenger's standardized space:
-- (champion center + champion scale * z - challenger center) / challenger scale
champion_centroids_in_common_space as (

    select
        {% for segment_id in champion_ids -%}
            {% set segment_loop = loop -%}
            {% for feature in features -%}
                (
                    champion_scalers.center__{{ feature }}
                    + champion_scalers.scale__{{ feature }}
                    * champion_centroids.centroid_{{ segment_id }}__{{ feature }}
                    - challenger_scalers.center__{{ feature }}
                )
                / challenger_scalers.scale__{{ feature }}
                as centroid_{{ segment_id }}__{{ feature }}
                {{- "," if not (segment_loop.last and loop.last) }}
            {% endfor %}
        {% endfor %}

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
        md5(
            concat(
                challenger_assigned.customer_id,
                '-',
                '{{ setting("kmeans", "random_seed") | int }}'
            )
        ) as sample_key

    from challenger_assigned
    inner join champion_assigned
        on challenger_assigned.customer_id = champion_assigned.customer_id
    cross join champion_centroids_in_common_space
    cross join challenger_centroids
    {%- if not is_compared %}
    where 1 = 0
    {%- endif %}

)

select * from final
