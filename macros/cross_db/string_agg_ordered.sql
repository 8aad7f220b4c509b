{#- Concatenate a string expression over the rows of a group (no delimiter), in the order of
    `order_by`: deterministic whatever order the rows are read in. -#}
{% macro string_agg_ordered(expression, order_by) %}
    {{ return(adapter.dispatch("string_agg_ordered", "segmentation")(expression, order_by)) }}
{% endmacro %}

{% macro default__string_agg_ordered(expression, order_by) -%}
    listagg({{ expression }}, '') within group (order by {{ order_by }})
{%- endmacro %}

{% macro duckdb__string_agg_ordered(expression, order_by) -%}
    string_agg({{ expression }}, '' order by {{ order_by }})
{%- endmacro %}

{% macro spark__string_agg_ordered(expression, order_by) -%}
    array_join(
        transform(
            array_sort(collect_list(struct({{ order_by }} as sort_key, {{ expression }} as value))),
            item -> item.value
        ),
        ''
    )
{%- endmacro %}
