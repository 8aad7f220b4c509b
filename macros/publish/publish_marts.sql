{#- The `on-run-end` publish step. Marts are built into their own schema (`<target
    schema>_marts_build`, see dbt_project.yml); BI reads copies in the target schema (`main`).
    Only an invocation in which every node succeeded (warnings allowed) publishes, and it
    replaces every mart of the build schema in ONE transaction: readers see either all marts of
    the previous successful build or all of this one, never a mix, even if the build is killed.
    Renders the SQL of the hook (empty when there is nothing to publish). -#}
{% macro publish_marts(results) %}
    {%- if not execute -%}
        {{ return("") }}
    {%- endif -%}
    {%- set failed = results | rejectattr("status", "in", ["success", "pass", "warn", "no-op"]) | list -%}
    {%- set built = [] -%}
    {%- for result in results if result.node.resource_type == "model"
        and "marts" in result.node.fqn and result.status == "success" -%}
        {%- do built.append(result.node.name) -%}
    {%- endfor -%}
    {%- if failed -%}
        {%- do log("Marts NOT published: " ~ failed | length ~ " node(s) did not succeed; "
            ~ target.schema ~ " keeps the marts of the last successful build.", info=true) -%}
        {{ return("") }}
    {%- endif -%}
    {%- if not built -%}
        {{ return("") }}
    {%- endif -%}
    {%- set copies = [] -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == "model" and "marts" in node.fqn
        and node.config.materialized in ["table", "incremental", "view"] -%}
        {%- set build_relation = adapter.get_relation(
            database=node.database, schema=node.schema, identifier=node.alias) -%}
        {%- if build_relation is not none -%}
            {%- set published = api.Relation.create(
                database=(target.database or none), schema=target.schema, identifier=node.alias,
                type="table") -%}
            {%- do copies.append((published, build_relation)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(adapter.dispatch("publish_copies", "segmentation")(copies)) }}
{%- endmacro %}

{#- Renders (or runs) the copies [(published relation, build relation), ...]. DuckDB and the
    default: one transaction, `create or replace table ... as select`. -#}
{% macro default__publish_copies(copies) %}
    {%- set statements = [] -%}
    {%- for published, build_relation in copies -%}
        {%- do statements.append("create or replace table " ~ published
            ~ " as select * from " ~ build_relation) -%}
    {%- endfor -%}
    {%- do log("Publishing " ~ statements | length ~ " marts into schema " ~ target.schema
        ~ " in one transaction", info=true) -%}
    begin transaction;
    {{ statements | join(";\n") }};
    commit;
{%- endmacro %}

{#- Spark has no multi-statement transactions: each mart is replaced on its own, right away
    (the hook renders no SQL). Delta / Iceberg tables are replaced atomically one by one
    (`create or replace table`); plain Parquet tables are dropped and recreated, so a reader can
    briefly miss a mart or see marts of two builds. The log says which. -#}
{% macro spark__publish_copies(copies) %}
    {%- set file_format = env_var("SEGMENTATION_SPARK_FILE_FORMAT", "delta" if target.type == "databricks"
            else "parquet") -%}
    {%- set replaceable = file_format in ["delta", "iceberg"] -%}
    {%- do run_query("create schema if not exists " ~ target.schema) -%}
    {%- for published, build_relation in copies -%}
        {%- if replaceable -%}
            {%- do run_query("create or replace table " ~ published ~ " using " ~ file_format
                ~ " as select * from " ~ build_relation) -%}
        {%- else -%}
            {%- do run_query("drop table if exists " ~ published) -%}
            {%- do run_query("create table " ~ published ~ " using " ~ file_format
                ~ " as select * from " ~ build_relation) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do log("Published " ~ copies | length ~ " marts into schema " ~ target.schema ~ " ("
        ~ file_format ~ ": " ~ ("each replaced atomically, not all in one transaction"
            if replaceable else "dropped and recreated one by one, NOT atomic") ~ ")",
        info=true) -%}
    {{ return("") }}
{%- endmacro %}
