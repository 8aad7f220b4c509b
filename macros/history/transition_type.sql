{#- What happened to a customer between two runs, from the segment ids at the earlier and the
    later run: 'new' (absent before), 'left' (absent after), 'stayed' or 'moved'. -#}
{% macro transition_type(from_segment_id, to_segment_id) %}
    case
        when {{ from_segment_id }} is null then 'new'
        when {{ to_segment_id }} is null then 'left'
        when {{ from_segment_id }} = {{ to_segment_id }} then 'stayed'
        else 'moved'
    end
{%- endmacro %}
