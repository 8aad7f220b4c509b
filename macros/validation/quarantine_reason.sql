{#- SQL expression: the human-readable sentence for a finding of row-level validation, from
    the columns holding its reason code, the file column name and the offending value. -#}
{% macro quarantine_reason(reason_code, column_name, column_value) %}
    {%- set tolerance = setting("validation", "purchases_tolerance") | float -%}
    case {{ reason_code }}
        when 'missing_customer_id' then 'CUST_ID is empty'
        when 'duplicate_customer_id' then concat('CUST_ID appears in an earlier valid row: ',
            {{ column_value }}, '; the first valid row in file order is kept')
        when 'non_numeric_value' then concat({{ column_name }}, ' is not a number: ',
            {{ column_value }})
        when 'non_finite_value' then concat({{ column_name }}, ' is not a finite number: ',
            {{ column_value }})
        when 'negative_amount' then concat({{ column_name }},
            ' is a money amount and cannot be negative: ', {{ column_value }})
        when 'negative_count' then concat({{ column_name }},
            ' is a transaction count and cannot be negative: ', {{ column_value }})
        when 'frequency_out_of_range' then concat({{ column_name }},
            ' is a share of months and must be between 0 and 1: ', {{ column_value }})
        when 'purchases_mismatch' then concat('PURCHASES differs from ONEOFF_PURCHASES + ',
            'INSTALLMENTS_PURCHASES by more than {{ tolerance }}: ', {{ column_value }})
        when 'tenure_out_of_range' then concat(
            'TENURE must be a whole number of months from 1 to 12: ', {{ column_value }})
    end
{%- endmacro %}
