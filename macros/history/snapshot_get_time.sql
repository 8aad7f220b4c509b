{#- Overrides dbt's snapshot clock for this project: snapshots are stamped with the fit run's
    time (segmentation_run_at: var `as_of_date`, else the invocation start, UTC) instead of
    now(). So customer_segment_history's dbt_valid_from / dbt_valid_to are run times, a replayed
    month gets that month's date, and a customer who left the input is closed at the run that
    no longer saw them (hard_deletes = invalidate uses this clock too). Defined as `default__` in
    the root project, it takes precedence over every adapter's own version. -#}
{% macro default__snapshot_get_time() %}
    {{- segmentation_run_at() }}
{% endmacro %}
