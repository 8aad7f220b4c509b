{#- Unpivot a one-row-per-group CTE whose columns are named `<prefix><feature>` into one row per
    feature: `select <keep>, '<feature>' as feature_name, <prefix><feature> as <name>, ...` for
    every feature, glued with `union all`. Cheap: it reads the (small) aggregated CTE only. -#}
{% macro unpivot_feature_columns(cte_name, features, value_columns, keep_columns=[]) %}
    {%- for feature in features %}
    select
        {%- for column in keep_columns %}
        {{ column }},
        {%- endfor %}
        '{{ feature }}' as feature_name
        {%- for name, prefix in value_columns.items() %},
        {{ prefix }}{{ feature }} as {{ name }}
        {%- endfor %}
    from {{ cte_name }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{% endmacro %}

{#- One row per feature name: a relation of the features' names, to cross with per-customer
    rows (one read of them) or to list every feature. -#}
{% macro feature_name_rows(features) -%}
    {%- for feature in features %}
    select '{{ feature }}' as feature_name
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
