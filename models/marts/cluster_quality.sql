-- How good each segment is as a cluster: size, how tight (mean and max distance of its
-- customers to the centroid), how well its customers sit in it (mean silhouette of the seeded
-- silhouette sample), how far it is from the nearest other segment (distance between
-- centroids), and its outliers (customers beyond the segment's outlier distance threshold).

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

scores as (

    select * from {{ ref('ml_customer_scores') }}

),

personas as (

    select * from {{ ref('segment_personas') }}

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

outliers as (

    select
        scores.segment_id,
        cast(
            sum(
                case
                    when scores.distance_to_centroid > distance_stats.outlier_distance_threshold
                        then 1
                    else 0
                end
            ) as bigint
        ) as n_outliers

    from scores
    inner join distance_stats
        on scores.segment_id = distance_stats.segment_id
    group by scores.segment_id

),

final as (

    select
        distance_stats.segment_id,
        personas.segment_name,
        distance_stats.n_customers,
        personas.share_of_customers,
        distance_stats.mean_distance_to_centroid,
        distance_stats.max_distance_to_centroid,
        segment_silhouettes.mean_silhouette,
        coalesce(segment_silhouettes.n_silhouette_customers, 0) as n_silhouette_customers,
        nearest_neighbours.nearest_segment_id,
        nearest_neighbours.separation,
        nearest_neighbours.separation
        / nullif(distance_stats.mean_distance_to_centroid, 0) as separation_ratio,
        distance_stats.outlier_distance_threshold,
        outliers.n_outliers

    from distance_stats
    inner join personas
        on distance_stats.segment_id = personas.segment_id
    inner join outliers
        on distance_stats.segment_id = outliers.segment_id
    left join segment_silhouettes
        on distance_stats.segment_id = segment_silhouettes.segment_id
    left join nearest_neighbours
        on distance_stats.segment_id = nearest_neighbours.segment_id

)

select * from final
