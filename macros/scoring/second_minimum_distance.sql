{#- SQL expression of the distance to the second-nearest segment: for each possible nearest
    segment (column or expression `nearest`), the smallest distance among the other segments'
    columns `<distance_prefix><id>` (minimum_distance over the remaining ids). NULL with fewer
    than two segments. -#}
{% macro second_minimum_distance(segment_ids, distance_prefix, nearest) %}
    {%- if segment_ids | length < 2 -%}
        cast(null as double)
    {%- else -%}
        case
        {%- for segment_id in segment_ids %}
            when {{ nearest }} = {{ segment_id }} then
                {{ minimum_distance(segment_ids | reject("equalto", segment_id) | list, distance_prefix) }}
        {%- endfor %}
        end
    {%- endif -%}
{% endmacro %}
