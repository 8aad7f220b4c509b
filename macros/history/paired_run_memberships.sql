{#- Each customer of each pair of runs in `run_pairs` (the name of a CTE with run_sequence,
    run_id and previous_run_id) once, with the segment at the previous run (from_segment_id,
    from_segment_name; NULL: not a customer then) and at the later run (to_segment_id,
    to_segment_name; NULL: left). With `match_segment`, a customer is paired only within one
    segment (audiences): a customer who moved from A to B gives two rows, A with no later
    segment and B with no previous one.

    A full outer join of the two runs' memberships, each side read by its own equality join
    with the pairs (only those runs' rows; no CTE read twice). It replaced a union of both runs
    grouped by customer: on 10M customers per run the join took 2.3 s against 6.1 s, and 5.2 s
    against 16.6 s under a 120 MB limit, with the same rows (docs/lean-build.md, "History: pair
    two runs by a join"). -#}
{% macro paired_run_memberships(run_pairs, match_segment=false) -%}
    select
        coalesce(later.run_sequence, previous.run_sequence) as run_sequence,
        coalesce(later.customer_id, previous.customer_id) as customer_id,
        previous.segment_id as from_segment_id,
        previous.segment_name as from_segment_name,
        later.segment_id as to_segment_id,
        later.segment_name as to_segment_name

    from ({{ pair_side_memberships(run_pairs, "run_id") }}) as later
    full outer join ({{ pair_side_memberships(run_pairs, "previous_run_id") }}) as previous
        on
            later.run_sequence = previous.run_sequence
            and later.customer_id = previous.customer_id
            {%- if match_segment %}
            and later.segment_id = previous.segment_id
            {%- endif %}
{%- endmacro %}

{#- The memberships of one run of each pair: `side` is run_id (the later run) or
    previous_run_id. -#}
{% macro pair_side_memberships(run_pairs, side) -%}
    select
        {{ run_pairs }}.run_sequence,
        memberships.customer_id,
        memberships.segment_id,
        memberships.segment_name

    from {{ run_pairs }}
    inner join {{ ref('customer_segment_memberships') }} as memberships
        on {{ run_pairs }}.{{ side }} = memberships.run_id
{%- endmacro %}
