-- One row describing this build's fit run: its id (the dbt invocation id), its time (var
-- `as_of_date`, else the time the invocation started, UTC), a fingerprint of the input rows and
-- every setting's effective value (run_vars). The history models (ml_centroid_history,
-- ml_model_registry) and the membership snapshot read the run from here, so they all agree on it.
--
-- The fingerprint is md5 over the row count and the exact sum of the segmented input rows' md5
-- hashes (int_customers_base_features: id and every input column as text; the first 60 bits of
-- each hash as an integer): the same set of rows gives the same fingerprint whatever the row
-- order of the file, without sorting the rows (a sorted concatenation cost 23 s at 10M rows).
{%- set features = segmentation_features() %}
{%- set columns = base_feature_columns() %}

with

customers as (

    select * from {{ ref('int_customers_base_features') }}

),

row_hashes as (

    select
        md5(concat(
            coalesce(customer_id, ''),
            {% for column in columns -%}
                '|', coalesce(cast({{ column }} as string), ''),
            {% endfor %}
            '|'
        )) as row_hash

    from customers

),

fingerprint as (

    select
        count(*) as n_input_customers,
        md5(concat(
            cast(count(*) as string),
            '|',
            cast(
                coalesce(sum(cast({{ hash_to_bigint("row_hash") }} as decimal(38, 0))), 0)
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
