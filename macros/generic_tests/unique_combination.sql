{#- Fails for every combination of `columns` that occurs more than once (a compound grain). -#}
{% test unique_combination(model, columns) %}
{{ repeated_keys(model, columns) }}
{% endtest %}
