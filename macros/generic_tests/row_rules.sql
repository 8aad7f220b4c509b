{#- The rules of one model in ONE test node (issue 18, issue 22: every test node costs dbt
    ~0.03-0.1 s whatever it checks). Returns one row per broken rule: `failed_rule` (e.g.
    `row_action not_null`, `reason_code accepted_values`, `key (run_id, customer_id)` or the
    name given to an expression) and `n_rows`, the rows that break it; no row when every rule
    holds.
    - keys: the model's grain(s), each a column or a list of columns: every key occurs once
      and none of its columns is NULL (what primary_key checks);
    - unique: keys that occur at most once, NULL columns allowed (what unique_combination
      checks: rows with equal keys, NULLs counted as equal, break it);
    - not_null: columns that must not be NULL;
    - accepted_values: {column: [values]}: a non-NULL value must be one of them (NULL passes,
      as in dbt's accepted_values; add the column to not_null to forbid it);
    - expressions: {name: boolean SQL}: must be true on every row (NULL fails, as in
      expression_is_true).
    The row rules share one scan; each key is grouped by its hash first (repeated_keys). -#}
{% test row_rules(model, not_null=none, accepted_values=none, expressions=none, keys=none,
    unique=none) %}
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
{%- set grains = [] -%}
{%- for key in keys or [] -%}
    {%- set columns = [key] if key is string else key -%}
    {%- do grains.append(("key (" ~ columns | join(", ") ~ ")", columns, true)) -%}
{%- endfor -%}
{%- for key in unique or [] -%}
    {%- set columns = [key] if key is string else key -%}
    {%- do grains.append(("unique (" ~ columns | join(", ") ~ ")", columns, false)) -%}
{%- endfor -%}
{%- if not rules and not grains -%}
    {{ exceptions.raise_compiler_error("row_rules on " ~ model ~ ": give keys, unique, "
        ~ "not_null, accepted_values or expressions") }}
{%- endif -%}

with

{% if rules -%}
counted as (

    select
        {%- for name, condition in rules %}
        coalesce(sum(case when coalesce(({{ condition }}), false) then 0 else 1 end), 0)
            as n_rule_{{ loop.index }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ model }}

),

{% endif -%}
{%- for name, columns, with_nulls in grains -%}
key_hashes_{{ loop.index }} as (

{{ repeated_key_hashes(model, columns) }}

),

repeated_keys_{{ loop.index }} as (

{{ repeated_key_rows(model, columns, "key_hashes_" ~ loop.index, with_nulls) }}
),

{% endfor -%}
failures as (

    {%- for name, condition in rules %}
    select
        '{{ name | replace("'", "''") }}' as failed_rule,
        n_rule_{{ loop.index }} as n_rows
    from counted
    {{ "union all" if not loop.last or grains }}
    {%- endfor %}
    {%- for name, columns, with_nulls in grains %}
    select
        '{{ name }}' as failed_rule,
        coalesce(sum(n_rows), 0) as n_rows
    from repeated_keys_{{ loop.index }}
    {{ "union all" if not loop.last }}
    {%- endfor %}

)

select * from failures
where n_rows > 0

{% endtest %}
