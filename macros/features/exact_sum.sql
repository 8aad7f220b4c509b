{#- Order-independent sum of a double expression, as a double: each value is rounded to 14
    decimals and summed exactly as DECIMAL(38, 14), so the result is bit-for-bit the same
    whatever order or thread the rows arrive in (a plain floating-point sum is not). Values
    must stay below 1e24 in magnitude (larger ones fail loudly with a cast error). -#}
{% macro exact_sum(expression) -%}
    cast(sum(cast({{ expression }} as decimal(38, 14))) as double)
{%- endmacro %}
