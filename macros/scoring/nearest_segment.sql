{#- SQL expression of the nearest segment given one distance column per segment:
    `case when d1 <= d2 and d1 <= d3 then 1 when d2 <= d3 then 2 else 3 end` for segment ids
    [1, 2, 3] and distance columns `<distance_prefix><id>`. The first (lowest) id among the
    minimal distances wins, i.e. ties go to the lower segment id. -#}
{% macro nearest_segment(segment_ids, distance_prefix) %}
    {%- if segment_ids | length == 0 -%}
        cast(null as integer)
    {%- elif segment_ids | length == 1 -%}
        {{ segment_ids[0] }}
    {%- else -%}
        case
        {%- for segment_id in segment_ids[:-1] %}
            {%- set later = segment_ids[loop.index:] %}
            when
            {%- for other in later %}
                {{ distance_prefix }}{{ segment_id }} <= {{ distance_prefix }}{{ other }}
                {%- if not loop.last %} and{% endif %}
            {%- endfor %}
                then {{ segment_id }}
        {%- endfor %}
            else {{ segment_ids[-1] }}
        end
    {%- endif -%}
{% endmacro %}
