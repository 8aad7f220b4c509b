{#- The memberships of each pair of runs in `run_pairs` (the name of a CTE with run_sequence,
    run_id and previous_run_id): the rows of both runs, each flagged is_later_run and tagged
    with the pair's run_sequence. Grouping them by customer pairs the two runs without a full
    outer join of the memberships with themselves (a per-customer CTE read twice is held in
    memory; docs/lean-build.md). One equality join per side of the pair: a join on
    `run_id = ... or previous_run_id = ...` is a nested-loop join that compares every
    membership row of every run ever written with the pairs, so its cost grew with the
    history; an equality join is a hash join that reads only the two runs' rows
    (docs/lean-build.md, "History: a month costs one month"). -#}
{% macro run_pair_memberships(run_pairs) -%}
    {%- for side in ["run_id", "previous_run_id"] %}
        {%- if not loop.first %}

    union all
        {%- endif %}

    select
        {{ run_pairs }}.run_sequence,
        {{ "true" if side == "run_id" else "false" }} as is_later_run,
        memberships.customer_id,
        memberships.segment_id,
        memberships.segment_name

    from {{ run_pairs }}
    inner join {{ ref('customer_segment_memberships') }} as memberships
        on {{ run_pairs }}.{{ side }} = memberships.run_id
    {%- endfor %}
{%- endmacro %}
