{#- The memberships of each pair of runs in `run_pairs` (the name of a CTE with run_sequence,
    run_id and previous_run_id): the rows of both runs, each flagged is_later_run and tagged
    with the pair's run_sequence, for counts per run in one pass (segment_share_changes). One
    equality join per side of the pair (`pair_side_memberships`): a join on
    `run_id = ... or previous_run_id = ...` is a nested-loop join that compares every
    membership row of every run ever written with the pairs, so its cost grew with the
    history; an equality join is a hash join that reads only the two runs' rows
    (docs/lean-build.md, "History: a month costs one month"). To pair a customer's two rows,
    use paired_run_memberships. -#}
{% macro run_pair_memberships(run_pairs) -%}
    {%- for side in ["run_id", "previous_run_id"] %}
        {%- if not loop.first %}

    union all
        {%- endif %}

    select
        members.run_sequence,
        {{ "true" if side == "run_id" else "false" }} as is_later_run,
        members.customer_id,
        members.segment_id,
        members.segment_name

    from ({{ pair_side_memberships(run_pairs, side) }}) as members
    {%- endfor %}
{%- endmacro %}
