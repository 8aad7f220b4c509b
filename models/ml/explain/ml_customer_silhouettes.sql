-- Silhouette of a seeded sample of customers under the fitted segmentation, in SQL: the
-- `diagnostics.silhouette_sample_size` customers with the smallest
-- md5(customer_id || '-' || seed) (all of them when fewer). For a sampled customer, a = mean
-- distance to the other sampled members of its segment, b = the smallest mean distance to the
-- sampled members of another segment, and silhouette = (b - a) / max(a, b) (scikit-learn's
-- silhouette_samples on the sample): 0 when the customer is alone in its segment within the
-- sample or a = b = 0, NULL with one segment.
{%- set features = segmentation_features() %}
{%- set sample_size = setting("diagnostics", "silhouette_sample_size") | int %}
{%- if sample_size < 2 %}
    {{ exceptions.raise_compiler_error(
        "var 'diagnostics.silhouette_sample_size' must be an integer >= 2, got '"
        ~ setting("diagnostics", "silhouette_sample_size") ~ "'") }}
{%- endif %}

with

scores as (

    select * from {{ ref('ml_customer_scores') }}

),

sampled_customers as (

    -- a top-N by hash: no sort of every customer
    select
        customer_id,
        {% for feature in features -%}
            z_{{ feature }},
        {% endfor %}
        segment_id,
        {{ sample_key("customer_id") }} as sample_key

    from scores
    order by sample_key, customer_id
    limit {{ sample_size }}

),

sampled as (

    select
        row_number() over (order by sample_key, customer_id) as sample_index,
        customer_id,
        {% for feature in features -%}
            z_{{ feature }},
        {% endfor %}
        segment_id

    from sampled_customers

),

pair_distances as (

    select
        customers.sample_index,
        neighbours.segment_id as other_segment_id,
        sqrt({{ squared_distance(features, "customers.z_", "neighbours.z_") }}) as distance

    from sampled as customers
    inner join sampled as neighbours
        on customers.sample_index <> neighbours.sample_index

),

mean_distances as (

    select
        sample_index,
        other_segment_id,
        {{ exact_avg("distance") }} as mean_distance

    from pair_distances
    group by sample_index, other_segment_id

),

per_customer as (

    select
        sampled.customer_id,
        sampled.segment_id,
        max(
            case
                when mean_distances.other_segment_id = sampled.segment_id
                    then mean_distances.mean_distance
            end
        ) as mean_intra_distance,
        min(
            case
                when mean_distances.other_segment_id <> sampled.segment_id
                    then mean_distances.mean_distance
            end
        ) as mean_nearest_other_distance

    from sampled
    left join mean_distances
        on sampled.sample_index = mean_distances.sample_index
    group by sampled.customer_id, sampled.segment_id

),

final as (

    select
        customer_id,
        segment_id,
        mean_intra_distance,
        mean_nearest_other_distance,
        case
            when mean_nearest_other_distance is null then null
            when mean_intra_distance is null then 0.0
            when greatest(mean_intra_distance, mean_nearest_other_distance) = 0 then 0.0
            else
                (mean_nearest_other_distance - mean_intra_distance)
                / greatest(mean_intra_distance, mean_nearest_other_distance)
        end as silhouette

    from per_customer

)

select * from final
