-- The training distribution of every model feature, stored with each fit run (incremental,
-- never fully refreshed): the decile edges of the fit sample's raw values and the share of the
-- fit customers in each bin. feature_drift compares later inputs with it.
--
-- Bins are right-closed: bin 1 = (-inf, edge 1], bin i = (edge i-1, edge i], the last bin =
-- (last edge, +inf). Edges are the 10 %, ..., 90 % quantiles (linear interpolation, numpy's
-- default); equal edges (a feature with many equal values, e.g. zero cash advance) are kept
-- once, so a feature has between 1 and 10 bins and the stored shares need not be 10 % each.
{#- A rerun of the same run time replaces that run's rows: delete+insert on DuckDB; on Spark the
    table is partitioned by run_at and insert_overwrite replaces only this run's partition. #}
{{ config(
    materialized="incremental",
    incremental_strategy="delete+insert" if target.type == "duckdb" else "insert_overwrite",
    partition_by=none if target.type == "duckdb" else ["run_at"],
    unique_key="run_at",
    full_refresh=false,
    on_schema_change="append_new_columns",
) }}
{#- A score run adds nothing: its drift is measured against its model's stored distribution. #}
{%- set decision = lifecycle_decision() %}
{{ registry_dependency() }}

with

fit_run as (

    select
        run_id,
        run_at,
        input_lineage

    from {{ ref('ml_fit_run') }}

),

-- The deciles are exact (linear interpolation, the same bits as numpy.quantile; DuckDB's
-- quantile_cont can differ in the last bit) but taken from ranks, not with quantile
-- aggregates: nine quantile aggregates
-- per feature hold the fit sample's values nine times in memory (a 400,000-customer fit
-- sample ran out of DuckDB's 1 GB default), while a window sort spills to disk. Each pass
-- reads int_fit_sample_feature_values itself (a per-customer CTE read twice is held in
-- memory; docs/lean-build.md, "Bounded memory").
feature_sizes as (

    select
        feature_name,
        count(*) as n_training_customers

    from {{ ref('int_fit_sample_feature_values') }}
    group by feature_name

),

-- per feature and decile: the 0-based position of the quantile among the sorted values and
-- the ranks of the two values it lies between
decile_positions as (

    {% for q in range(1, 10) -%}
        select
            feature_name,
            n_training_customers,
            {{ q }} as decile,
            (n_training_customers - 1) * cast({{ q / 10 }} as double) as quantile_position
        from feature_sizes
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

bracketing_ranks as (

    select
        *,
        {{ quantile_bracketing_ranks("quantile_position", "n_training_customers") }}

    from decile_positions

),

ranked_values as (

    select
        feature_name,
        feature_value,
        row_number() over (partition by feature_name order by feature_value) as value_rank

    from {{ ref('int_fit_sample_feature_values') }}

),

-- the ranks some decile needs (at most 18 per feature) and the values at those ranks
needed_ranks as (

    select
        feature_name,
        below_rank as value_rank
    from bracketing_ranks
    union
    select
        feature_name,
        above_rank as value_rank
    from bracketing_ranks

),

needed_values as (

    select
        ranked_values.feature_name,
        ranked_values.value_rank,
        ranked_values.feature_value

    from ranked_values
    inner join needed_ranks
        on
            ranked_values.feature_name = needed_ranks.feature_name
            and ranked_values.value_rank = needed_ranks.value_rank

),

-- each decile's two bracketing values, side by side (one read of needed_values)
bracketed as (

    select
        bracketing_ranks.feature_name,
        bracketing_ranks.decile,
        max(bracketing_ranks.quantile_position) as quantile_position,
        max(
            case
                when needed_values.value_rank = bracketing_ranks.below_rank
                    then needed_values.feature_value
            end
        ) as value_below,
        max(
            case
                when needed_values.value_rank = bracketing_ranks.above_rank
                    then needed_values.feature_value
            end
        ) as value_above

    from bracketing_ranks
    inner join needed_values
        on
            bracketing_ranks.feature_name = needed_values.feature_name
            and needed_values.value_rank in (
                bracketing_ranks.below_rank, bracketing_ranks.above_rank
            )
    group by bracketing_ranks.feature_name, bracketing_ranks.decile

),

decile_edges as (

    select
        feature_name,
        decile,
        {{ interpolated_quantile("value_below", "value_above", "quantile_position") }}
            as edge_value

    from bracketed

),

distinct_edges as (

    select distinct
        feature_name,
        edge_value

    from decile_edges

),

numbered_edges as (

    select
        feature_name,
        edge_value,
        cast(row_number() over (partition by feature_name order by edge_value) as bigint)
            as bin_number

    from distinct_edges

),

closed_bins as (

    select
        feature_name,
        bin_number,
        lag(edge_value) over (partition by feature_name order by bin_number) as lower_edge,
        edge_value as upper_edge

    from numbered_edges

),

last_bins as (

    select
        feature_name,
        max(bin_number) + 1 as bin_number,
        max(edge_value) as lower_edge,
        cast(null as double) as upper_edge

    from numbered_edges
    group by feature_name

),

bins as (

    select * from closed_bins
    union all
    select * from last_bins

),

binned as (

    select
        bins.feature_name,
        bins.bin_number,
        count(feature_values.feature_value) as n_customers

    from bins
    left join {{ ref('int_fit_sample_feature_values') }} as feature_values
        on
            bins.feature_name = feature_values.feature_name
            and (bins.lower_edge is null or bins.lower_edge < feature_values.feature_value)
            and (bins.upper_edge is null or bins.upper_edge >= feature_values.feature_value)
    group by bins.feature_name, bins.bin_number

),

final as (

    select
        fit_run.run_id,
        fit_run.run_at,
        fit_run.input_lineage,
        bins.feature_name,
        bins.bin_number,
        bins.lower_edge,
        bins.upper_edge,
        binned.n_customers,
        feature_sizes.n_training_customers,
        cast(binned.n_customers as double) / feature_sizes.n_training_customers as bin_share

    from bins
    inner join binned
        on
            bins.feature_name = binned.feature_name
            and bins.bin_number = binned.bin_number
    inner join feature_sizes
        on bins.feature_name = feature_sizes.feature_name
    cross join fit_run
    {%- if decision.run_kind != "fit" %}
    where 1 = 0
    {%- endif %}

)

select * from final
