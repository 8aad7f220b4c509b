{#- Turn a long (feature_name, value) table into one column per feature by conditional
    aggregation: `max(case when feature_name = 'balance' then <value> end) as <prefix>balance`.
    Portable (no PIVOT keyword). `condition` adds a filter (e.g. "component = 1"). Use inside a
    select with `group by` on the other keys, or alone to get a single row. -#}
{% macro pivot_feature_values(value_column, features, prefix="", condition=none) %}
    {%- set extra = " and " ~ condition if condition else "" %}
    {%- for feature in features %}
    max(case when feature_name = '{{ feature }}'{{ extra }} then {{ value_column }} end)
        as {{ prefix }}{{ feature }}{{ "," if not loop.last }}
    {%- endfor %}
{% endmacro %}
