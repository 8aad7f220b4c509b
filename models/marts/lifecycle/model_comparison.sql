-- Champion and challenger on the current input, one row (docs/lifecycle.md): inertia of each
-- in the challenger's standardized space, silhouette of each on the same seeded sample, the
-- adjusted Rand index of their assignments (from the contingency table) and the customers who
-- would change segment. Empty when the run compares nothing.
{%- set features = segmentation_features() %}
{%- set sample_size = setting("diagnostics", "silhouette_sample_size") | int %}

with

lifecycle_run as (

    select * from {{ ref('ml_lifecycle_run') }}

),

-- one pass over the customers: per (champion, challenger) pair of segments, its customers,
-- their exact inertia sums and changed customers; the totals and the contingency table are
-- read from these few rows (a per-customer CTE read more than once would be held in memory;
-- docs/lean-build.md). The silhouette sample is a second pass of its own.
cells as (

    select
        champion_segment_id,
        challenger_segment_id,
        count(*) as n_customers,
        {{ exact_decimal_sum("champion_squared_distance") }} as champion_inertia,
        {{ exact_decimal_sum("challenger_squared_distance") }} as challenger_inertia,
        sum(case when is_changed then 1 else 0 end) as n_changed_customers

    from {{ ref('ml_model_comparison_scores') }}
    group by champion_segment_id, challenger_segment_id

),

customer_totals as (

    select
        cast(coalesce(sum(n_customers), 0) as bigint) as n_customers,
        cast(sum(champion_inertia) as double) as champion_inertia,
        cast(sum(challenger_inertia) as double) as challenger_inertia,
        sum(n_changed_customers) as n_changed_customers

    from cells

),

contingency as (

    select
        champion_segment_id,
        challenger_segment_id,
        cast(n_customers as double) as n_customers

    from cells

),

champion_sizes as (

    select
        champion_segment_id,
        cast(sum(n_customers) as double) as n_customers

    from cells
    group by champion_segment_id

),

challenger_sizes as (

    select
        challenger_segment_id,
        cast(sum(n_customers) as double) as n_customers

    from cells
    group by challenger_segment_id

),

-- pairs of customers together in both / in the champion's / in the challenger's segments
pair_counts as (

    select
        (
            select sum(n_customers * (n_customers - 1) / 2)
            from contingency
        ) as pairs_together_in_both,
        (
            select sum(n_customers * (n_customers - 1) / 2)
            from champion_sizes
        ) as pairs_together_for_champion,
        (
            select sum(n_customers * (n_customers - 1) / 2)
            from challenger_sizes
        ) as pairs_together_for_challenger,
        (
            select cast(n_customers as double) * (n_customers - 1) / 2
            from customer_totals
        ) as n_pairs

),

rand_index as (

    select
        case
            when n_pairs is null or n_pairs = 0 then null
            when
                (pairs_together_for_champion + pairs_together_for_challenger) / 2
                = pairs_together_for_champion * pairs_together_for_challenger / n_pairs
                then 1.0
            else
                (
                    pairs_together_in_both
                    - pairs_together_for_champion * pairs_together_for_challenger / n_pairs
                )
                / (
                    (pairs_together_for_champion + pairs_together_for_challenger) / 2
                    - pairs_together_for_champion * pairs_together_for_challenger / n_pairs
                )
        end as adjusted_rand_index

    from pair_counts

),

sampled_customers as (

    -- a top-N by hash (the sample ml_customer_silhouettes uses): no sort of every customer
    select
        customer_id,
        {% for feature in features -%}
            z_{{ feature }},
        {% endfor %}
        champion_segment_id,
        challenger_segment_id,
        sample_key

    from {{ ref('ml_model_comparison_scores') }}
    order by sample_key, customer_id
    limit {{ sample_size }}

),

sampled as (

    select
        row_number() over (order by sample_key, customer_id) as sample_index,
        {% for feature in features -%}
            z_{{ feature }},
        {% endfor %}
        champion_segment_id,
        challenger_segment_id

    from sampled_customers

),

pair_distances as (

    select
        customers.sample_index,
        customers.champion_segment_id,
        customers.challenger_segment_id,
        neighbours.champion_segment_id as other_champion_segment_id,
        neighbours.challenger_segment_id as other_challenger_segment_id,
        sqrt({{ squared_distance(features, "customers.z_", "neighbours.z_") }}) as distance

    from sampled as customers
    inner join sampled as neighbours
        on customers.sample_index <> neighbours.sample_index

),

{{ comparison_silhouette_ctes("champion") }},

{{ comparison_silhouette_ctes("challenger") }},

silhouette_sample as (

    select count(*) as silhouette_sample_size

    from sampled

),

final as (

    select
        lifecycle_run.run_id,
        lifecycle_run.champion_run_id,
        lifecycle_run.challenger_run_id,
        lifecycle_run.model_run_id as scoring_model_run_id,
        (
            lifecycle_run.is_promotion
            and lifecycle_run.model_run_id = lifecycle_run.challenger_run_id
        ) as is_challenger_promoted,
        'challenger' as comparison_space,
        customer_totals.n_customers,
        customer_totals.champion_inertia,
        customer_totals.challenger_inertia,
        customer_totals.challenger_inertia
        / nullif(customer_totals.champion_inertia, 0) as inertia_ratio,
        champion_silhouette.silhouette as champion_silhouette,
        challenger_silhouette.silhouette as challenger_silhouette,
        silhouette_sample.silhouette_sample_size,
        rand_index.adjusted_rand_index,
        customer_totals.n_changed_customers,
        cast(customer_totals.n_changed_customers as double)
        / customer_totals.n_customers as changed_share

    from lifecycle_run
    cross join customer_totals
    cross join rand_index
    cross join champion_silhouette
    cross join challenger_silhouette
    cross join silhouette_sample
    where
        lifecycle_run.challenger_run_id is not null
        and customer_totals.n_customers > 0

)

select * from final
