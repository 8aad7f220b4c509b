{#- The engineered features as select-list items over the imputed input columns (qualified with
    `prefix`, e.g. "customers."): every ratio of engineered_feature_definitions() (a zero or
    missing denominator gives 0) and purchase_type (none | one_off | installment | both). Used
    by preprocess_features (step engineer). No trailing comma. -#}
{% macro engineered_feature_columns(prefix="") %}
    {%- for ratio in engineered_feature_definitions() %}
        case
            when {{ prefix }}{{ ratio.denominator }} = 0
                or {{ prefix }}{{ ratio.denominator }} is null then 0.0
            else {{ prefix }}{{ ratio.numerator }} / {{ prefix }}{{ ratio.denominator }}
        end as {{ ratio.name }},
    {%- endfor %}
        case
            when {{ prefix }}oneoff_purchases > 0 and {{ prefix }}installments_purchases > 0
                then 'both'
            when {{ prefix }}oneoff_purchases > 0 then 'one_off'
            when {{ prefix }}installments_purchases > 0 then 'installment'
            else 'none'
        end as purchase_type
{%- endmacro %}
