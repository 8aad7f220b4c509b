{#- The fitted model as a SQL macro analysts and BI tools can call without dbt or Python.
    DuckDB: returns the DDL of the table macro `segment_customers(table_name)` (`from
    segment_customers('new_customers')`), whose body is `assign_segment` over
    `query_table(table_name)`; publish_marts runs it in the publish transaction. It reads the
    published parameter tables at call time, so it scores with the published run. Other
    engines: nothing (use the `assign_segment` macro in a model). -#}
{% macro create_segment_macros() %}
    {{ return(adapter.dispatch("create_segment_macros", "segmentation")()) }}
{% endmacro %}

{% macro default__create_segment_macros() %}
    {{ log("create_segment_macros: no stored SQL macro on " ~ target.type
        ~ "; use the assign_segment macro in a model", info=true) }}
    {{ return("") }}
{% endmacro %}

{% macro duckdb__create_segment_macros() %}
    {%- if not execute %}{{ return("") }}{% endif %}
    {#- The published parameters (schema `scoring`) and personas (target schema): publish_marts
        swaps them and runs this DDL in one transaction, so the macro always scores with the
        published run and names segments from the same run. No database part: the macro works
        however the file is attached (after `use`). -#}
    {%- set parameters = {} %}
    {%- for key, schema, name in [
        ("imputation", "scoring", "imputation_values"),
        ("scaling", "scoring", "scaling_parameters"),
        ("centroids", "scoring", "segment_centroids"),
        ("pca_loadings", "scoring", "pca_loadings"),
        ("personas", target.schema, "segment_personas"),
    ] %}
        {%- do parameters.update({key: api.Relation.create(
            database=target.database, schema=schema, identifier=name).include(database=false)}) %}
    {%- endfor %}
    {%- set schema = target.schema %}
    {%- set ddl %}
create or replace macro {{ schema }}.segment_customers(table_name) as table
{{ assign_segment("query_table(table_name)", parameters=parameters) }}
    {%- endset %}
    {{ return(ddl) }}
{% endmacro %}
