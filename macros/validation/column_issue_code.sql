{#- SQL expression: the reason code of the first check the value of `column` fails, or NULL.
    `<column>_text` is the trimmed text from the file (NULL when empty) and `<column>` its
    double value (NULL when empty or not a number). Order: non_numeric_value, non_finite_value,
    then the range check of the column's kind (see cc_general_validation_rules). -#}
{% macro column_issue_code(column) %}
    {%- set rules = cc_general_validation_rules() -%}
    case
        when {{ column }}_text is not null and {{ column }} is null then 'non_numeric_value'
        when {{ is_not_finite(column) }} then 'non_finite_value'
        {%- if column in rules.amount_columns %}
        when {{ column }} < 0 then 'negative_amount'
        {%- elif column in rules.count_columns %}
        when {{ column }} < 0 then 'negative_count'
        {%- elif column in rules.frequency_columns %}
        when {{ column }} < 0 or {{ column }} > 1 then 'frequency_out_of_range'
        {%- elif column in rules.tenure_columns %}
        when {{ column }} < 1 or {{ column }} > 12 or {{ column }} <> floor({{ column }})
            then 'tenure_out_of_range'
        {%- endif %}
    end
{%- endmacro %}
