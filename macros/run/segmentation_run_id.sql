{#- Id of this build's fit run: the dbt invocation id (unique per dbt command). -#}
{% macro segmentation_run_id() %}
    {{- return(invocation_id if invocation_id is defined else "") }}
{% endmacro %}
