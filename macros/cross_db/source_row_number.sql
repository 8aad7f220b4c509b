{#- 1-based position of a row in the file it was read from (1 = first data row after the
    header). DuckDB reads CSV files in order (preserve_insertion_order is on by default). -#}
{% macro source_row_number() %}
    {{ return(adapter.dispatch("source_row_number", "segmentation")()) }}
{% endmacro %}

{% macro default__source_row_number() -%}
    row_number() over ()
{%- endmacro %}

{% macro spark__source_row_number() -%}
    row_number() over (order by monotonically_increasing_id())
{%- endmacro %}
