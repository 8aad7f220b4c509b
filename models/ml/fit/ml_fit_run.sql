-- One row describing this build's fit run: its id (the dbt invocation id), its time (var
-- `as_of_date`, else the time the invocation started, UTC), a fingerprint of the input rows and
-- the settings. The history models (ml_centroid_history, ml_model_registry) and the membership
-- snapshot read the run from here, so they all agree on it.
--
-- The fingerprint is md5 over the row count and the exact sum of the segmented input rows' md5
-- hashes (int_customers_base_features: id and every input column as text; the first 60 bits of
-- each hash as an integer): the same set of rows gives the same fingerprint whatever the row
-- order of the file, without sorting the rows (a sorted concatenation cost 23 s at 10M rows).
{%- set features = segmentation_features() %}
{%- set columns = base_feature_columns() %}
{%- set recorded_vars = [
    "input_format", "customers_csv", "customers_parquet", "transactions_csv", "accounts_csv",
    "ledger_as_of", "warn_only_checks", "purchases_tolerance", "imputation", "feature_set",
    "feature_transforms", "winsorize_quantiles", "scaling", "n_clusters", "n_init",
    "random_seed", "fit_sample_size", "k_selection_min", "k_selection_max",
    "k_selection_n_init", "k_selection_bootstrap", "k_selection_bootstrap_sample_size",
    "pca_components", "outlier_contamination", "persona_min_score",
    "persona_min_deviation", "as_of_date", "segment_match_max_distance", "drift_baseline",
    "input_lineage", "accept_drift",
] %}

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
        '{{ run_vars_json(recorded_vars) }}' as run_vars

    from fingerprint

)

select * from final
