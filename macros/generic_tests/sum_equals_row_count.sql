{#- Fails (one row) unless the sum of `column_name` over the model equals the number of rows
    of `compare_to`, e.g. the cell counts of a crosstab add up to the customers. -#}
{% test sum_equals_row_count(model, column_name, compare_to) %}

with

summed as (

    select coalesce(sum({{ column_name }}), 0) as total
    from {{ model }}

),

counted as (

    select count(*) as n_rows
    from {{ compare_to }}

)

select
    summed.total,
    counted.n_rows

from summed
cross join counted
where summed.total <> counted.n_rows

{% endtest %}
