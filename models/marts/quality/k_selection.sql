-- How k was chosen: one row per evaluated k with the quality of a k-means fit with k clusters
-- (WCSS, sampled silhouette, Davies-Bouldin, Calinski-Harabasz), the elbow diagnostics and the
-- chosen k. `wcss_drop_share` is the share of the previous k's WCSS removed by one more
-- cluster (NULL for the smallest k), the quantity the elbow rule looks at. Per k also the
-- bootstrap stability and the smallest segment's share; on every row the k each criterion
-- points at (knee_k, silhouette_k, stability_k) and the flags no_elbow and disagree.
-- ml_k_selection keeps every sweep; this run's is the latest (reused from an earlier run when
-- nothing it depends on changed: sweep_run_id / is_reused say so).

with

sweeps as (

    select * from {{ ref('ml_k_selection') }}

),

fit_run as (

    select * from {{ ref('ml_fit_run') }}

),

latest_sweep as (

    select max(sweep_id) as sweep_id

    from sweeps

),

sweep as (

    select sweeps.*

    from sweeps
    inner join latest_sweep
        on sweeps.sweep_id = latest_sweep.sweep_id

),

with_drop as (

    select
        *,
        lag(wcss) over (order by k) as previous_wcss

    from sweep

),

final as (

    select
        cast(with_drop.k as bigint) as k,
        cast(with_drop.wcss as double) as wcss,
        cast(with_drop.silhouette as double) as silhouette,
        cast(with_drop.davies_bouldin as double) as davies_bouldin,
        cast(with_drop.calinski_harabasz as double) as calinski_harabasz,
        cast(with_drop.silhouette_sample_size as bigint) as silhouette_sample_size,
        cast(with_drop.is_chosen as boolean) as is_chosen,
        cast(
            case
                when with_drop.previous_wcss > 0
                    then (with_drop.previous_wcss - with_drop.wcss) / with_drop.previous_wcss
            end as double
        ) as wcss_drop_share,
        cast(with_drop.chord_distance as double) as chord_distance,
        cast(with_drop.is_elbow as boolean) as is_elbow,
        cast(with_drop.selection_rule as string) as selection_rule,
        cast(with_drop.stability as double) as stability,
        cast(with_drop.n_bootstrap as bigint) as n_bootstrap,
        cast(with_drop.min_segment_share as double) as min_segment_share,
        cast(with_drop.knee_k as bigint) as knee_k,
        cast(with_drop.silhouette_k as bigint) as silhouette_k,
        cast(with_drop.stability_k as bigint) as stability_k,
        cast(with_drop.no_elbow as boolean) as no_elbow,
        cast(with_drop.disagree as boolean) as disagree,
        cast(with_drop.n_fit_rows as bigint) as n_fit_rows,
        cast(with_drop.n_init as bigint) as n_init,
        cast(with_drop.n_iterations as bigint) as n_iterations,
        cast(with_drop.random_seed as bigint) as random_seed,
        cast(with_drop.sweep_run_id as string) as sweep_run_id,
        cast(with_drop.sweep_run_at as timestamp) as sweep_run_at,
        cast(with_drop.sweep_run_id <> fit_run.run_id as boolean) as is_reused

    from with_drop
    cross join fit_run

)

select * from final
