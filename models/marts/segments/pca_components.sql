-- The principal components for business readers: per component and feature the loading, its
-- rank by absolute size within the component (1 = the feature that drives the component most),
-- and per component the share of the variance it explains, alone and cumulated with the
-- components before it. Read a component from its top-ranked loadings.

with

loadings as (

    select * from {{ ref('ml_pca_loadings') }}

),

components as (

    select
        component,
        max(explained_variance_ratio) as explained_variance_ratio

    from loadings
    group by component

),

cumulated as (

    select
        component,
        explained_variance_ratio,
        sum(explained_variance_ratio) over (
            order by component rows between unbounded preceding and current row
        ) as cumulative_explained_variance_ratio

    from components

),

ranked_loadings as (

    select
        component,
        feature_name,
        loading,
        cast(row_number() over (
            partition by component order by abs(loading) desc, feature_name asc
        ) as bigint) as loading_rank

    from loadings

),

final as (

    select
        ranked_loadings.component,
        ranked_loadings.feature_name,
        ranked_loadings.loading,
        ranked_loadings.loading_rank,
        cumulated.explained_variance_ratio,
        cumulated.cumulative_explained_variance_ratio

    from ranked_loadings
    inner join cumulated
        on ranked_loadings.component = cumulated.component

)

select * from final
