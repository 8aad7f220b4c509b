{#- Spark: the table format of the project's relations, SEGMENTATION_SPARK_FILE_FORMAT, default
    `delta` on Databricks and `parquet` on other Spark (as `+file_format` in dbt_project.yml).
    Delta and Iceberg tables take `update` and `create or replace table`; plain Parquet does
    not (spark__update_rows, spark__publish_relations). -#}
{% macro spark_file_format() %}
    {{ return(env_var("SEGMENTATION_SPARK_FILE_FORMAT",
        "delta" if target.type == "databricks" else "parquet")) }}
{% endmacro %}
