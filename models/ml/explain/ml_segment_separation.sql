-- Per segment, how well it separates from the others: the mean silhouette of its customers in
-- the seeded silhouette sample and the distance to the nearest other centroid, also relative to
-- its customers' mean distance to their own centroid. Upstream of the persona names (the
-- quality word of segment_personas) and read by cluster_quality.

with

distance_stats as (

    select * from {{ ref('ml_segment_distance_stats') }}

),

silhouettes as (

    select * from {{ ref('ml_customer_silhouettes') }}

),

centroid_values as (

    select * from {{ ref('ml_segment_centroids') }}

),

segment_silhouettes as (

    select
        segment_id,
        {{ exact_avg("silhouette") }} as mean_silhouette,
        count(*) as n_silhouette_customers

    from silhouettes
    group by segment_id

),

centroid_distances as (

    select
        centroids.segment_id,
        other_centroids.segment_id as other_segment_id,
        sqrt(
            {{ exact_sum("power(centroids.centroid_value - other_centroids.centroid_value, 2)") }}
        ) as centroid_distance

    from centroid_values as centroids
    inner join centroid_values as other_centroids
        on
            centroids.feature_name = other_centroids.feature_name
            and centroids.segment_id <> other_centroids.segment_id
    group by centroids.segment_id, other_centroids.segment_id

),

ranked_neighbours as (

    select
        segment_id,
        other_segment_id,
        centroid_distance,
        row_number() over (
            partition by segment_id order by centroid_distance asc, other_segment_id asc
        ) as neighbour_rank

    from centroid_distances

),

nearest_neighbours as (

    select
        segment_id,
        other_segment_id as nearest_segment_id,
        centroid_distance as separation

    from ranked_neighbours
    where neighbour_rank = 1

),

final as (

    select
        distance_stats.segment_id,
        segment_silhouettes.mean_silhouette,
        coalesce(segment_silhouettes.n_silhouette_customers, 0) as n_silhouette_customers,
        nearest_neighbours.nearest_segment_id,
        nearest_neighbours.separation,
        nearest_neighbours.separation
        / nullif(distance_stats.mean_distance_to_centroid, 0) as separation_ratio

    from distance_stats
    left join segment_silhouettes
        on distance_stats.segment_id = segment_silhouettes.segment_id
    left join nearest_neighbours
        on distance_stats.segment_id = nearest_neighbours.segment_id

)

select * from final
