{#- The segment ids of the fitted k-means model, read from the centroid table (or a subquery
    with its alias, e.g. a model's stored centroids) when the scoring
    model runs (not from the `n_clusters` var), so scoring follows whatever k was fitted.
    Returns [] when the table does not exist yet or is empty (e.g. `dbt build --empty`), and the
    placeholder [1, 2] while dbt only parses (and sqlfluff lints): that SQL is never run.
    Unit tests override it with a fixed list. -#}
{% macro fitted_segment_ids(centroids_relation) %}
    {%- if not execute %}
        {{ return([1, 2]) }}
    {%- endif %}
    {%- if centroids_relation is string %}
        {#- a subquery with its alias (a model's stored centroids, assign_segment) -#}
        {%- set result = run_query(
            "select distinct segment_id from " ~ centroids_relation ~ " order by segment_id") %}
        {{ return(result.columns[0].values() | map("int") | list) }}
    {%- endif %}
    {%- set existing = adapter.get_relation(
        database=centroids_relation.database,
        schema=centroids_relation.schema,
        identifier=centroids_relation.identifier,
    ) %}
    {%- if existing is none %}
        {{ return([]) }}
    {%- endif %}
    {%- set result = run_query(
        "select distinct segment_id from " ~ centroids_relation ~ " order by segment_id"
    ) %}
    {{ return(result.columns[0].values() | map("int") | list) }}
{% endmacro %}
