-- Ledger input only: every purchase category with its overall spend and rank, and the
-- customer_ledger_features column its spend lands in.
{%- set n_top = setting("ledger", "top_categories") | int %}

with

category_spend as (

    select * from {{ ref('int_ledger_category_spend') }}

),

categories as (

    select
        category,
        category_rank,
        sum(spend) as total_spend,
        count(distinct customer_id) as n_customers

    from category_spend
    group by category, category_rank

),

final as (

    select
        category_rank,
        category,
        total_spend,
        n_customers,
        case
            when category_rank <= {{ n_top }}
                then concat('spend_top_', cast(category_rank as string))
            else 'spend_other'
        end as spend_column

    from categories

)

select * from final
