{#- SQL expression: the reason code of the first check the value of `column` fails, or NULL.
    `prefix` qualifies the columns (e.g. "customers."). `<column>_text` is the text
    from the file (trimmed or not), `<column>` its double value (NULL when empty or not a
    number); the text is only looked at (trimmed) where the value is NULL. Order:
    non_numeric_value, non_finite_value, then the range check of the column's kind (see
    cc_general_validation_rules). -#}
{% macro column_issue_code(column, prefix="") %}
    {%- set value = prefix ~ column -%}
    {%- set rules = cc_general_validation_rules() -%}
    case
        when {{ value }} is null
            then case
                when nullif(trim({{ value }}_text), '') is not null then 'non_numeric_value'
            end
        when {{ is_not_finite(value) }} then 'non_finite_value'
        {%- if column in rules.amount_columns %}
        when {{ value }} < 0 then 'negative_amount'
        {%- elif column in rules.count_columns %}
        when {{ value }} < 0 then 'negative_count'
        {%- elif column in rules.frequency_columns %}
        when {{ value }} < 0 or {{ value }} > 1 then 'frequency_out_of_range'
        {%- elif column in rules.tenure_columns %}
        when {{ value }} < 1 or {{ value }} > 12 or {{ value }} <> floor({{ value }})
            then 'tenure_out_of_range'
        {%- endif %}
    end
{%- endmacro %}
