{#- on-run-end hook: store the fitted model in the warehouse as a SQL macro analysts and BI tools
    can call without dbt or Python. DuckDB: the table macro
    `segment_customers(table_name)` (`from segment_customers('new_customers')`), whose body is
    `assign_segment` over `query_table(table_name)`. It reads the parameter tables at call time,
    so it always scores with the model of the last build. Other engines: nothing (use the
    `assign_segment` macro in a model). Skipped, with a log line, while the parameter tables do
    not exist yet (first partial build). -#}
{% macro create_segment_macros() %}
    {{ return(adapter.dispatch("create_segment_macros", "segmentation")()) }}
{% endmacro %}

{% macro default__create_segment_macros() %}
    {{ log("create_segment_macros: no stored SQL macro on " ~ target.type
        ~ "; use the assign_segment macro in a model", info=true) }}
{% endmacro %}

{% macro duckdb__create_segment_macros() %}
    {%- if not execute %}{{ return("") }}{% endif %}
    {%- set names = {
        "imputation": "int_feature_imputation_values",
        "scaling": "int_feature_scaling_parameters",
        "centroids": "ml_segment_centroids",
        "pca_loadings": "ml_pca_loadings",
        "personas": "segment_personas",
    } %}
    {%- set parameters = {} %}
    {%- set missing = [] %}
    {%- for key, name in names.items() %}
        {%- set nodes = graph.nodes.values() | selectattr("resource_type", "equalto", "model")
            | selectattr("name", "equalto", name) | list %}
        {%- set found = none %}
        {%- if nodes %}
            {%- set found = adapter.get_relation(
                database=nodes[0].database, schema=nodes[0].schema, identifier=nodes[0].alias) %}
        {%- endif %}
        {%- if found is none %}
            {%- do missing.append(name) %}
        {%- else %}
            {#- no database part: the macro works however the file is attached (after `use`) -#}
            {%- do parameters.update({key: found.include(database=false)}) %}
        {%- endif %}
    {%- endfor %}
    {%- if missing %}
        {{ log("create_segment_macros: skipped, not built yet: " ~ missing | join(", "), info=true) }}
        {{ return("") }}
    {%- endif %}
    {#- BI reads the published marts in the target schema: the macro lives there too and names
        segments from the published segment_personas (see publish_marts). -#}
    {%- set schema = target.schema %}
    {%- set published_personas = adapter.get_relation(
        database=target.database, schema=schema, identifier="segment_personas") %}
    {%- if published_personas is not none %}
        {%- do parameters.update({"personas": published_personas.include(database=false)}) %}
    {%- endif %}
    {%- set ddl %}
create or replace macro {{ schema }}.segment_customers(table_name) as table
{{ assign_segment("query_table(table_name)", parameters=parameters) }}
    {%- endset %}
    {%- do run_query(ddl) %}
    {{ log("create_segment_macros: created " ~ schema ~ ".segment_customers(table_name)", info=true) }}
{% endmacro %}
