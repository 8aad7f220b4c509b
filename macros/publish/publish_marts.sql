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
    {%- set statements = [] -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == "model" and "marts" in node.fqn
        and node.config.materialized in ["table", "incremental", "view"] -%}
        {%- set build_relation = adapter.get_relation(
            database=node.database, schema=node.schema, identifier=node.alias) -%}
        {%- if build_relation is not none -%}
            {%- set published = api.Relation.create(
                database=target.database, schema=target.schema, identifier=node.alias,
                type="table") -%}
            {%- do statements.append("create or replace table " ~ published
                ~ " as select * from " ~ build_relation) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do log("Publishing " ~ statements | length ~ " marts into schema " ~ target.schema
        ~ " in one transaction", info=true) -%}
    begin transaction;
    {{ statements | join(";\n") }};
    commit;
{%- endmacro %}
