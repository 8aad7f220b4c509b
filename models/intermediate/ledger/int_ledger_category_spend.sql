-- Net purchase spend per customer and category inside the window (purchases minus refunds and
-- reversals), with the category's share of the customer's positive category spend and its
-- overall spend rank (1 = the category with the most spend).
with

transactions as (

    select * from {{ ref('int_ledger_transactions_windowed') }}

),

customer_category as (

    select
        customer_id,
        coalesce(category, 'unknown') as category,
        sum(signed_amount) as spend,
        sum(case when is_purchase then 1 else 0 end) as n_transactions

    from transactions
    where is_purchase or is_refund
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
        greatest(customer_category.spend, 0)
        / nullif(
            sum(greatest(customer_category.spend, 0))
                over (partition by customer_category.customer_id),
            0
        ) as spend_share

    from customer_category
    inner join category_totals
        on customer_category.category = category_totals.category

)

select * from final
