{#- Runs an UPDATE of `relation`: the columns of `assignments` ({column: SQL expression}) are
    set on the rows matching `condition` (a SQL predicate). Runs the SQL itself (a hook renders
    none). Used for the registry's run flags (published_at, has_drift_alert). -#}
{% macro update_rows(relation, assignments, condition) %}
    {{ return(adapter.dispatch("update_rows", "segmentation")(relation, assignments, condition)) }}
{% endmacro %}

{% macro default__update_rows(relation, assignments, condition) %}
    {%- set settings = [] %}
    {%- for column, expression in assignments.items() %}
        {%- do settings.append(column ~ " = " ~ expression) %}
    {%- endfor %}
    {%- do run_query("update " ~ relation ~ " set " ~ settings | join(", ")
        ~ " where " ~ condition) %}
{% endmacro %}

{#- Spark: Delta / Iceberg tables take an UPDATE; plain Parquet tables cannot, so the table is
    rewritten: its rows, changed, into a staging table, then `insert overwrite` from it (Spark
    refuses to overwrite a table in the query that reads it). Not atomic on Parquet: the
    staging table `<name>__dbt_rewrite` holds the rows until the overwrite is done. -#}
{% macro spark__update_rows(relation, assignments, condition) %}
    {%- set file_format = spark_file_format() %}
    {%- if file_format in ["delta", "iceberg"] %}
        {{ return(default__update_rows(relation, assignments, condition)) }}
    {%- endif %}
    {%- set columns = [] %}
    {%- for column in adapter.get_columns_in_relation(relation) %}
        {%- if column.name in assignments %}
            {%- do columns.append("case when " ~ condition ~ " then "
                ~ assignments[column.name] ~ " else " ~ column.name ~ " end as "
                ~ column.name) %}
        {%- else %}
            {%- do columns.append(column.name) %}
        {%- endif %}
    {%- endfor %}
    {%- set staging = relation.incorporate(path={"identifier": relation.identifier
        ~ "__dbt_rewrite"}) %}
    {%- do run_query("drop table if exists " ~ staging) %}
    {%- do run_query("create table " ~ staging ~ " using " ~ file_format ~ " as select "
        ~ columns | join(", ") ~ " from " ~ relation) %}
    {%- do run_query("insert overwrite table " ~ relation ~ " select * from " ~ staging) %}
    {%- do run_query("drop table if exists " ~ staging) %}
{% endmacro %}
