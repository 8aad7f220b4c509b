-- k_selection marks exactly one k as chosen, and it is the k of the fitted segments (returns
-- a row when either is violated; an empty build has no k and passes).

with

k_selection as (

    select * from {{ ref('k_selection') }}

),

centroids as (

    select * from {{ ref('ml_kmeans_centroids') }}

),

chosen as (

    select
        count(*) as n_chosen,
        max(k) as chosen_k

    from k_selection
    where is_chosen

),

fitted as (

    select count(distinct segment_id) as n_segments

    from centroids

),

final as (

    select
        chosen.n_chosen,
        chosen.chosen_k,
        fitted.n_segments

    from chosen
    cross join fitted
    where
        fitted.n_segments > 0
        and (chosen.n_chosen <> 1 or chosen.chosen_k <> fitted.n_segments)

)

select * from final
