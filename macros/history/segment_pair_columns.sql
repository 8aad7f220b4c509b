{#- A customer's segment at the earlier and the later of two runs, from their membership rows
    grouped by customer: `is_later` is the boolean expression that marks the later run's row. -#}
{% macro segment_pair_columns(is_later) -%}
    max(case when not {{ is_later }} then segment_id end) as from_segment_id,
    max(case when not {{ is_later }} then segment_name end) as from_segment_name,
    max(case when {{ is_later }} then segment_id end) as to_segment_id,
    max(case when {{ is_later }} then segment_name end) as to_segment_name
{%- endmacro %}
