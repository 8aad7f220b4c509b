{#- Several row-level rules of one model in ONE test node and ONE scan (issue 18: every test
    node costs dbt ~0.1 s and a scan, whatever it checks). Returns one row per broken rule:
    `failed_rule` (e.g. `row_action not_null`, `reason_code accepted_values`, or the name given
    to an expression) and `n_rows`, the rows that break it; no row when every rule holds.
    - not_null: columns that must not be NULL;
    - accepted_values: {column: [values]}: a non-NULL value must be one of them (NULL passes,
      as in dbt's accepted_values; add the column to not_null to forbid it);
    - expressions: {name: boolean SQL}: must be true on every row (NULL fails, as in
      expression_is_true). -#}
{% test row_rules(model, not_null=none, accepted_values=none, expressions=none) %}
{%- set rules = [] -%}
{%- for column in not_null or [] -%}
    {%- do rules.append((column ~ " not_null", column ~ " is not null")) -%}
{%- endfor -%}
{%- for column, values in (accepted_values or {}).items() -%}
    {%- set listed = [] -%}
    {%- for value in values -%}
        {%- do listed.append("'" ~ (value | string | replace("'", "''")) ~ "'"
            if value is string else value | string) -%}
    {%- endfor -%}
    {%- do rules.append((column ~ " accepted_values",
        column ~ " is null or " ~ column ~ " in (" ~ listed | join(", ") ~ ")")) -%}
{%- endfor -%}
{%- for name, expression in (expressions or {}).items() -%}
    {%- do rules.append((name, expression)) -%}
{%- endfor -%}
{%- if not rules -%}
    {{ exceptions.raise_compiler_error("row_rules on " ~ model ~ ": give not_null, "
        ~ "accepted_values or expressions") }}
{%- endif -%}

with

counted as (

    select
        {%- for name, condition in rules %}
        coalesce(sum(case when coalesce(({{ condition }}), false) then 0 else 1 end), 0)
            as n_rule_{{ loop.index }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ model }}

),

failures as (

    {%- for name, condition in rules %}
    select
        '{{ name | replace("'", "''") }}' as failed_rule,
        n_rule_{{ loop.index }} as n_rows
    from counted
    {{ "union all" if not loop.last }}
    {%- endfor %}

)

select * from failures
where n_rows > 0

{% endtest %}
