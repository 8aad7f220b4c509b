{#- Order-independent sum of a double expression, as a double: each value is rounded to 14
    decimals and summed exactly as DECIMAL(38, 14), so the result is bit-for-bit the same
    whatever order or thread the rows arrive in (a plain floating-point sum is not). Values
    must stay below 1e24 in magnitude (larger ones fail loudly with a cast error). -#}
{% macro exact_sum(expression) -%}
    cast({{ exact_decimal_sum(expression) }} as double)
{%- endmacro %}

{#- The same exact sum kept as DECIMAL(38, 14): partial sums (per segment, or a window's)
    that are added up again later stay exact; cast to double once, at the end. -#}
{% macro exact_decimal_sum(expression) -%}
    sum(cast({{ expression }} as decimal(38, 14)))
{%- endmacro %}
