-- One row describing this build's fit run: its id (the dbt invocation id), its time (var
-- `as_of_date`, else the time the invocation started, UTC), a fingerprint of the input rows and
-- every setting's effective value (run_vars). The history models (ml_centroid_history,
-- ml_model_registry) and the membership snapshot read the run from here, so they all agree on it.
--
-- The fingerprint is md5 over the row count and the exact sum of one 64-bit hash per segmented
-- input row (int_customers_base_features: id and every input column; macro key_hash: DuckDB's
-- `hash`, Spark's `xxhash64`): the same set of rows gives the same fingerprint whatever the row
-- order of the file, without sorting the rows (a sorted concatenation cost 23 s at 10M rows).
-- The hash reads the values as they are: an md5 of each row's text took 11 s at 10M rows, the
-- engine's hash 0.1 s (docs/lean-build.md). A fingerprint compares runs of one warehouse: it
-- differs between engines, and may after an engine upgrade.
{%- set features = segmentation_features() %}
{%- set columns = base_feature_columns() %}

with

customers as (

    select * from {{ ref('int_customers_base_features') }}

),

row_hashes as (

    select {{ key_hash(["customer_id"] + columns) }} as row_hash

    from customers

),

fingerprint as (

    select
        count(*) as n_input_customers,
        md5(concat(
            cast(count(*) as string),
            '|',
            cast(
                coalesce(sum(cast(row_hash as decimal(38, 0))), 0)
                as string
            )
        )) as input_fingerprint

    from row_hashes

),

final as (

    select
        '{{ segmentation_run_id() }}' as run_id,
        {{ segmentation_run_at() }} as run_at,
        input_fingerprint,
        n_input_customers,
        '{{ input_lineage() }}' as input_lineage,
        '{{ features | join(",") }}' as feature_list,
        '{{ run_vars_json() }}' as run_vars

    from fingerprint

)

select * from final
