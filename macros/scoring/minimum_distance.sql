{#- SQL expression of the smallest of the per-segment distance columns `<distance_prefix><id>`:
    `least(d1, d2, ...)`; the column itself for one segment, NULL for none. -#}
{% macro minimum_distance(segment_ids, distance_prefix) %}
    {%- if segment_ids | length == 0 -%}
        cast(null as double)
    {%- elif segment_ids | length == 1 -%}
        {{ distance_prefix }}{{ segment_ids[0] }}
    {%- else -%}
        least(
        {%- for segment_id in segment_ids -%}
            {{ distance_prefix }}{{ segment_id }}{{ ", " if not loop.last }}
        {%- endfor -%}
        )
    {%- endif -%}
{% endmacro %}
