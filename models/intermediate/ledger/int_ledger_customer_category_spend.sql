-- Purchase spend per customer spread over the top categories (ledger.top_categories, by
-- overall spend): spend_top_1 is the customer's spend in the category with the most spend
-- overall, and so on; everything else is spend_other. Columns are named by rank, not by category
-- text, so data never becomes SQL identifiers; `ledger_categories` maps ranks to names.
{%- set n_top = setting("ledger", "top_categories") | int %}
{%- if n_top < 1 or n_top > 20 %}
    {{ exceptions.raise_compiler_error(
        "var 'ledger.top_categories' must be an integer between 1 and 20, got '"
        ~ setting("ledger", "top_categories") ~ "'") }}
{%- endif %}

with

category_spend as (

    select * from {{ ref('int_ledger_category_spend') }}

),

pivoted as (

    select
        customer_id,
        {% for rank in range(1, n_top + 1) -%}
            sum(case when category_rank = {{ rank }} then spend else 0 end)
                as spend_top_{{ rank }},
        {% endfor %}
        sum(case when category_rank > {{ n_top }} then spend else 0 end) as spend_other

    from category_spend
    group by customer_id

)

select * from pivoted
