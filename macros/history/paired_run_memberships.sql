{#- Each customer of each pair of runs in `run_pairs` (the name of a CTE with run_sequence,
    run_id and previous_run_id) once, with the segment at the previous run (from_segment_id,
    from_segment_name; NULL: not a customer then) and at the later run (to_segment_id,
    to_segment_name; NULL: left). With `match_segment`, a customer is paired only within one
    segment (audiences): a customer who moved from A to B gives two rows, A with no later
    segment and B with no previous one.

    A full outer join of the two runs' customer and segment ids, each run read by its own
    equality join with the pairs (only those runs' rows; no CTE read twice); the names are
    joined afterwards from each run's (segment id, name) pairs. It replaced a union of both
    runs grouped by customer, which took 2.3–3× as long; carrying the names through the join
    ran out of memory at 10 bytes a customer, the 1 GB default at 100M rows (docs/lean-build.md,
    "History: pair two runs by a join"). -#}
{% macro paired_run_memberships(run_pairs, match_segment=false) -%}
    select
        coalesce(later.run_sequence, previous.run_sequence) as run_sequence,
        coalesce(later.customer_id, previous.customer_id) as customer_id,
        previous.segment_id as from_segment_id,
        from_names.segment_name as from_segment_name,
        later.segment_id as to_segment_id,
        to_names.segment_name as to_segment_name

    from ({{ pair_side_memberships(run_pairs, "run_id", ["customer_id", "segment_id"]) }}) as later
    full outer join (
        {{ pair_side_memberships(run_pairs, "previous_run_id", ["customer_id", "segment_id"]) }}
    ) as previous
        on
            later.run_sequence = previous.run_sequence
            and later.customer_id = previous.customer_id
            {%- if match_segment %}
            and later.segment_id = previous.segment_id
            {%- endif %}
    left join ({{ pair_side_segment_names(run_pairs, "previous_run_id") }}) as from_names
        on
            previous.run_sequence = from_names.run_sequence
            and previous.segment_id = from_names.segment_id
    left join ({{ pair_side_segment_names(run_pairs, "run_id") }}) as to_names
        on
            later.run_sequence = to_names.run_sequence
            and later.segment_id = to_names.segment_id
{%- endmacro %}

{#- The memberships of one run of each pair: `side` is run_id (the later run) or
    previous_run_id; `columns` the membership columns to select. -#}
{% macro pair_side_memberships(
    run_pairs, side, columns=["customer_id", "segment_id", "segment_name"]
) -%}
    select
        {{ run_pairs }}.run_sequence,
        {%- for column in columns %}
        memberships.{{ column }}{{ "," if not loop.last }}
        {%- endfor %}

    from {{ run_pairs }}
    inner join {{ ref('customer_segment_memberships') }} as memberships
        on {{ run_pairs }}.{{ side }} = memberships.run_id
{%- endmacro %}

{#- The segment names of one run of each pair: one row per (pair, segment id). -#}
{% macro pair_side_segment_names(run_pairs, side) -%}
    select distinct
        names.run_sequence,
        names.segment_id,
        names.segment_name

    from ({{ pair_side_memberships(run_pairs, side, ["segment_id", "segment_name"]) }}) as names
{%- endmacro %}
