-- Purchase spend per customer and category inside the window, with the category's share of the
-- customer's purchases and its overall spend rank (1 = the category with the most spend).
with

transactions as (

    select * from {{ ref('int_ledger_transactions_windowed') }}

),

customer_category as (

    select
        customer_id,
        coalesce(category, 'unknown') as category,
        sum(amount) as spend,
        count(*) as n_transactions

    from transactions
    where is_purchase
    group by customer_id, coalesce(category, 'unknown')

),

category_totals as (

    select
        category,
        sum(spend) as total_spend,
        row_number() over (order by sum(spend) desc, category asc) as category_rank

    from customer_category
    group by category

),

final as (

    select
        customer_category.customer_id,
        customer_category.category,
        category_totals.category_rank,
        customer_category.spend,
        customer_category.n_transactions,
        customer_category.spend
        / nullif(
            sum(customer_category.spend) over (partition by customer_category.customer_id), 0
        ) as spend_share

    from customer_category
    inner join category_totals
        on customer_category.category = category_totals.category

)

select * from final
