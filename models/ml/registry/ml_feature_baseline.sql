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

with

fit_run as (

    select
        run_id,
        run_at,
        input_lineage

    from {{ ref('ml_fit_run') }}

),

feature_values as (

    select * from {{ ref('int_fit_sample_feature_values') }}

),

deciles as (

    select
        feature_name,
        {% for q in range(1, 10) -%}
            {{ quantile("feature_value", q / 10) }} as edge_{{ q }},
        {% endfor %}
        count(*) as n_training_customers

    from feature_values
    group by feature_name

),

edges as (

    {% for q in range(1, 10) -%}
        select feature_name, edge_{{ q }} as edge_value from deciles
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

distinct_edges as (

    select distinct
        feature_name,
        edge_value

    from edges

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
    left join feature_values
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
        deciles.n_training_customers,
        cast(binned.n_customers as double) / deciles.n_training_customers as bin_share

    from bins
    inner join binned
        on
            bins.feature_name = binned.feature_name
            and bins.bin_number = binned.bin_number
    inner join deciles
        on bins.feature_name = deciles.feature_name
    cross join fit_run
    {%- if decision.run_kind != "fit" %}
    where 1 = 0
    {%- endif %}

)

select * from final
