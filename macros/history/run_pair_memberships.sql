{#- The memberships of each pair of runs in `run_pairs` (the name of a CTE with run_sequence,
    run_id and previous_run_id): the rows of both runs, read once, each flagged is_later_run
    and tagged with the pair's run_sequence. Grouping them by customer pairs the two runs
    without a full outer join of the memberships with themselves (a per-customer CTE read twice
    is held in memory; docs/lean-build.md). -#}
{% macro run_pair_memberships(run_pairs) -%}
    select
        {{ run_pairs }}.run_sequence,
        memberships.run_id = {{ run_pairs }}.run_id as is_later_run,
        memberships.customer_id,
        memberships.segment_id,
        memberships.segment_name

    from {{ run_pairs }}
    inner join {{ ref('customer_segment_memberships') }} as memberships
        on
            {{ run_pairs }}.run_id = memberships.run_id
            or {{ run_pairs }}.previous_run_id = memberships.run_id
{%- endmacro %}
