{#- Customer segment membership over time (SCD type 2). A new version opens when a customer's
    segment id or name changes; a customer missing from a run's input is closed at that run
    (hard_deletes = invalidate). The snapshot clock is the fit run's time (macro
    snapshot_get_time.sql), so dbt_valid_from / dbt_valid_to are run times (var `as_of_date`).
    A challenger run (lifecycle.promotion manual: not published, the champion keeps scoring)
    records nothing: it re-selects the current versions. -#}
{% snapshot customer_segment_history %}

{{ registry_dependency() }}

{{ config(
    unique_key="customer_id",
    strategy="check",
    check_cols=["segment_id", "segment_name"],
    hard_deletes="invalidate",
) }}

{%- if lifecycle_decision().is_published_run %}
select
    customer_segments.customer_id,
    customer_segments.segment_id,
    customer_segments.segment_name,
    fit_run.run_id

from {{ ref('customer_segments') }} as customer_segments
cross join {{ ref('ml_fit_run') }} as fit_run
{%- else %}
{#- a challenger run (never published): the memberships stay as they are #}
select
    customer_id,
    segment_id,
    segment_name,
    run_id

from {{ this }}
where dbt_valid_to is null
{%- endif %}

{% endsnapshot %}
