{#- The stored surrogate tree (ml_surrogate_tree_expression.case_expression) as SQL, inlined
    when the model runs: `case when purchases > 1.8e3 and ... then 4 ... end`, evaluated over
    the raw feature columns of the surrounding query. Returns `cast(null as bigint)` while
    dbt only parses, and when the table does not exist or is empty (`dbt build --empty`).
    The text comes from the project's own Python model; it is still checked to consist only
    of the expected tokens (case / when / then / and / end, lowercase identifiers, numbers,
    comparisons) before it reaches SQL. -#}
{% macro surrogate_tree_case(expression_relation) %}
    {%- set empty = "cast(null as bigint)" %}
    {%- if not execute %}
        {{ return(empty) }}
    {%- endif %}
    {%- set existing = adapter.get_relation(
        database=expression_relation.database,
        schema=expression_relation.schema,
        identifier=expression_relation.identifier,
    ) %}
    {%- if existing is none %}
        {{ return(empty) }}
    {%- endif %}
    {%- set result = run_query("select case_expression from " ~ expression_relation) %}
    {%- if result.rows | length == 0 %}
        {{ return(empty) }}
    {%- endif %}
    {%- set expression = result.rows[0][0] %}
    {%- set token = "(case|when|then|and|end|[a-z_][a-z0-9_]*|-?[0-9][0-9.]*(e[-+]?[0-9]+)?|<=|>|=)" %}
    {%- if not modules.re.fullmatch("case( " ~ token ~ ")* end", expression) %}
        {{ exceptions.raise_compiler_error(
            "surrogate_tree_case: unexpected text in " ~ expression_relation
            ~ ".case_expression: " ~ expression[:200]) }}
    {%- endif %}
    {{ return("(" ~ expression ~ ")") }}
{% endmacro %}
