{#- SQL expression of the second-nearest segment given the nearest one (column or expression
    `nearest`) and one distance column per segment `<distance_prefix><id>`: for each possible
    nearest segment, the nearest of the other segments (nearest_segment over the remaining
    ids, so ties again go to the lower id). NULL with fewer than two segments. Example for ids
    [1, 2, 3]: `case when nearest = 1 then case when d2 <= d3 then 2 else 3 end when ... end`. -#}
{% macro second_nearest_segment(segment_ids, distance_prefix, nearest) %}
    {%- if segment_ids | length < 2 -%}
        cast(null as bigint)
    {%- else -%}
        case
        {%- for segment_id in segment_ids %}
            when {{ nearest }} = {{ segment_id }} then
                {{ nearest_segment(segment_ids | reject("equalto", segment_id) | list, distance_prefix) }}
        {%- endfor %}
        end
    {%- endif -%}
{% endmacro %}
