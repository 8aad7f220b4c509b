-- Matched segments of champion and challenger (docs/lifecycle.md): every challenger segment
-- with the champion segment whose centroid is nearest in the challenger's standardized space
-- (ties to the lower id), the centroid shift between them and both segments' shares of the
-- current input. Empty when the run compares nothing.

with

-- one pass over the customers: how many customers each (champion, challenger) pair of
-- segments holds; every count below is read from these few rows (a per-customer CTE read
-- more than once would be held in memory; docs/lean-build.md)
cell_counts as (

    select
        champion_segment_id,
        challenger_segment_id,
        count(*) as n_customers

    from {{ ref('ml_model_comparison_scores') }}
    group by champion_segment_id, challenger_segment_id

),

lifecycle_run as (

    select * from {{ ref('ml_lifecycle_run') }}

),

centroids as (

    select * from {{ ref('ml_model_centroids') }}

),

scaling_parameters as (

    select * from {{ ref('ml_model_scaling_parameters') }}

),

personas as (

    select * from {{ ref('ml_model_personas') }}

),

compared as (

    select
        run_id,
        champion_run_id,
        challenger_run_id

    from lifecycle_run
    where champion_run_id is not null and challenger_run_id is not null

),

-- the champion's centroids mapped into the challenger's standardized space
champion_centroids as (

    select
        centroids.segment_id,
        centroids.feature_name,
        (
            champion_scaling.feature_center
            + champion_scaling.feature_scale * centroids.centroid_value
            - challenger_scaling.feature_center
        )
        / challenger_scaling.feature_scale as centroid_value

    from compared
    inner join centroids
        on compared.champion_run_id = centroids.model_run_id
    inner join scaling_parameters as champion_scaling
        on
            compared.champion_run_id = champion_scaling.model_run_id
            and centroids.feature_name = champion_scaling.feature_name
    inner join scaling_parameters as challenger_scaling
        on
            compared.challenger_run_id = challenger_scaling.model_run_id
            and centroids.feature_name = challenger_scaling.feature_name

),

challenger_centroids as (

    select
        centroids.segment_id,
        centroids.feature_name,
        centroids.centroid_value

    from compared
    inner join centroids
        on compared.challenger_run_id = centroids.model_run_id

),

centroid_distances as (

    select
        challenger_centroids.segment_id as challenger_segment_id,
        champion_centroids.segment_id as champion_segment_id,
        sqrt({{ exact_sum(
            "(challenger_centroids.centroid_value - champion_centroids.centroid_value)"
            ~ " * (challenger_centroids.centroid_value - champion_centroids.centroid_value)"
        ) }}) as centroid_distance

    from challenger_centroids
    inner join champion_centroids
        on challenger_centroids.feature_name = champion_centroids.feature_name
    group by challenger_centroids.segment_id, champion_centroids.segment_id

),

ranked_matches as (

    select
        challenger_segment_id,
        champion_segment_id,
        centroid_distance,
        row_number() over (
            partition by challenger_segment_id
            order by centroid_distance asc, champion_segment_id asc
        ) as match_rank

    from centroid_distances

),

matches as (

    select * from ranked_matches
    where match_rank = 1

),

totals as (

    select cast(sum(n_customers) as double) as n_customers

    from cell_counts

),

champion_counts as (

    select
        champion_segment_id,
        cast(sum(n_customers) as bigint) as n_customers

    from cell_counts
    group by champion_segment_id

),

challenger_counts as (

    select
        challenger_segment_id,
        cast(sum(n_customers) as bigint) as n_customers

    from cell_counts
    group by challenger_segment_id

),

final as (

    select
        compared.run_id,
        compared.champion_run_id,
        compared.challenger_run_id,
        matches.challenger_segment_id,
        challenger_personas.segment_name as challenger_segment_name,
        matches.champion_segment_id as matched_champion_segment_id,
        champion_personas.segment_name as matched_champion_segment_name,
        matches.centroid_distance as centroid_shift,
        coalesce(champion_counts.n_customers, 0) as champion_customers,
        coalesce(challenger_counts.n_customers, 0) as challenger_customers,
        coalesce(cell_counts.n_customers, 0) as customers_in_both,
        coalesce(champion_counts.n_customers, 0) / totals.n_customers as champion_share,
        coalesce(challenger_counts.n_customers, 0) / totals.n_customers as challenger_share,
        (
            coalesce(challenger_counts.n_customers, 0)
            - coalesce(champion_counts.n_customers, 0)
        )
        / totals.n_customers as share_change

    from matches
    cross join compared
    cross join totals
    left join champion_counts
        on matches.champion_segment_id = champion_counts.champion_segment_id
    left join challenger_counts
        on matches.challenger_segment_id = challenger_counts.challenger_segment_id
    left join cell_counts
        on
            matches.champion_segment_id = cell_counts.champion_segment_id
            and matches.challenger_segment_id = cell_counts.challenger_segment_id
    left join personas as challenger_personas
        on
            compared.challenger_run_id = challenger_personas.model_run_id
            and matches.challenger_segment_id = challenger_personas.segment_id
    left join personas as champion_personas
        on
            compared.champion_run_id = champion_personas.model_run_id
            and matches.champion_segment_id = champion_personas.segment_id
    where totals.n_customers > 0

)

select * from final
