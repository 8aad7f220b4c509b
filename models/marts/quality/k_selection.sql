-- How k was chosen: one row per evaluated k with the quality of a k-means fit with k clusters
-- (WCSS, sampled silhouette, Davies-Bouldin, Calinski-Harabasz), the elbow diagnostics and the
-- chosen k. `wcss_drop_share` is the share of the previous k's WCSS removed by one more
-- cluster (NULL for the smallest k), the quantity the elbow rule looks at. Per k also the
-- bootstrap stability and the smallest segment's share; on every row the k each criterion
-- points at (knee_k, silhouette_k, stability_k) and the flags no_elbow and disagree.

with

sweep as (

    select * from {{ ref('ml_k_selection') }}

),

with_drop as (

    select
        *,
        lag(wcss) over (order by k) as previous_wcss

    from sweep

),

final as (

    select
        cast(k as bigint) as k,
        cast(wcss as double) as wcss,
        cast(silhouette as double) as silhouette,
        cast(davies_bouldin as double) as davies_bouldin,
        cast(calinski_harabasz as double) as calinski_harabasz,
        cast(silhouette_sample_size as bigint) as silhouette_sample_size,
        cast(is_chosen as boolean) as is_chosen,
        cast(
            case
                when previous_wcss > 0 then (previous_wcss - wcss) / previous_wcss
            end as double
        ) as wcss_drop_share,
        cast(chord_distance as double) as chord_distance,
        cast(is_elbow as boolean) as is_elbow,
        cast(selection_rule as string) as selection_rule,
        cast(stability as double) as stability,
        cast(n_bootstrap as bigint) as n_bootstrap,
        cast(min_segment_share as double) as min_segment_share,
        cast(knee_k as bigint) as knee_k,
        cast(silhouette_k as bigint) as silhouette_k,
        cast(stability_k as bigint) as stability_k,
        cast(no_elbow as boolean) as no_elbow,
        cast(disagree as boolean) as disagree,
        cast(n_fit_rows as bigint) as n_fit_rows,
        cast(n_init as bigint) as n_init,
        cast(n_iterations as bigint) as n_iterations,
        cast(random_seed as bigint) as random_seed

    from with_drop

)

select * from final
