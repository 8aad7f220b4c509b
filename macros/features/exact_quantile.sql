{#- An exact quantile taken from ranks (linear interpolation, numpy's default) instead of a
    quantile aggregate, which holds the whole group in memory: a window sort gives each value
    its rank, `position` is the quantile's 0-based position among the n sorted values,
    quantile_bracketing_ranks names the two ranks it lies between and interpolated_quantile
    the value between the values at those ranks (ml_segment_distance_stats,
    ml_feature_baseline; docs/lean-build.md, "Bounded memory"). -#}
{% macro quantile_bracketing_ranks(position, n) -%}
    floor({{ position }}) + 1 as below_rank,
    least(floor({{ position }}) + 2, {{ n }}) as above_rank
{%- endmacro %}

{% macro interpolated_quantile(value_below, value_above, position) -%}
    {{ value_below }}
    + ({{ position }} - floor({{ position }}))
    * ({{ value_above }} - {{ value_below }})
{%- endmacro %}
