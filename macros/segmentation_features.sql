{#- The features the model is fitted on (snake_case names). Today: the 17 CC GENERAL columns. -#}
{% macro segmentation_features() %}
    {{ return(cc_general_columns() | map(attribute="name") | list) }}
{% endmacro %}
