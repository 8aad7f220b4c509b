{#- The memberships of the latest fit run and the run before it only (ml_fit_run_sequence),
    whatever the length of the history: what transitions and share changes compare. -#}
{% macro latest_pair_memberships() %}
    select
        memberships.*,
        memberships.run_id = run_sequence.run_id as is_latest_run
    from {{ ref('customer_segment_memberships') }} as memberships
    inner join {{ ref('ml_fit_run_sequence') }} as run_sequence
        on
            run_sequence.is_latest_run
            and (
                memberships.run_id = run_sequence.run_id
                or memberships.run_id = run_sequence.previous_run_id
            )
{% endmacro %}
