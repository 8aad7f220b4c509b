-- How good each segment is as a cluster: size, how tight (mean and max distance of its
-- customers to the centroid), how well its customers sit in it (mean silhouette of the seeded
-- silhouette sample), how far it is from the nearest other segment (distance between
-- centroids), and its outliers (customers beyond the segment's outlier distance threshold).

with

distance_stats as (

    select * from {{ ref('ml_segment_distance_stats') }}

),

separation as (

    select * from {{ ref('ml_segment_separation') }}

),

scores as (

    select * from {{ ref('ml_customer_scores') }}

),

personas as (

    select * from {{ ref('ml_segment_personas') }}

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
        separation.mean_silhouette,
        separation.n_silhouette_customers,
        separation.nearest_segment_id,
        separation.separation,
        separation.separation_ratio,
        distance_stats.outlier_distance_threshold,
        outliers.n_outliers

    from distance_stats
    inner join personas
        on distance_stats.segment_id = personas.segment_id
    inner join outliers
        on distance_stats.segment_id = outliers.segment_id
    inner join separation
        on distance_stats.segment_id = separation.segment_id

)

select * from final
