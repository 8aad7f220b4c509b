{#- SQL expression: a reason code the build's row-level validation gives the row (missing id
    first, then the first finding in column order, then purchases_mismatch), or NULL when the
    row is fine. For scoring SQL outside the build (assign_segment, segment_customers()), which
    scores every row and flags the ones validation would quarantine or warn about. Needs, for
    every column of `columns`, `<column>_text` (trimmed text, NULL when empty) and `<column>`
    (its double value, NULL when not a number), and the id column. Duplicate ids are not
    flagged (scoring is per row). -#}
{% macro data_quality_flag(columns, id_column="customer_id") %}
    {%- set tolerance = setting("validation", "purchases_tolerance") | float -%}
    {%- set has_purchases = ["purchases", "oneoff_purchases", "installments_purchases"]
        | reject("in", columns) | list | length == 0 -%}
    coalesce(
        case
            when nullif(trim(cast({{ id_column }} as string)), '') is null
                then 'missing_customer_id'
        end,
        {%- for column in columns %}
        {{ column_issue_code(column) | indent(8) }},
        {%- endfor %}
        {%- if has_purchases %}
        case
            when abs(purchases - oneoff_purchases - installments_purchases) > {{ tolerance }}
                then 'purchases_mismatch'
        end,
        {%- endif %}
        cast(null as string)
    )
{%- endmacro %}
