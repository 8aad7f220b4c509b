-- Ledger input only: one row per customer with their segment and everything derived from the
-- transactions: RFM values and scores, monthly spend, category diversity and spend in the top
-- categories (see ledger_categories for the category behind each spend_top_N).
{%- set n_top = setting("ledger", "top_categories") | int %}

with

segments as (

    select * from {{ ref('customer_segments') }}

),

ledger_features as (

    select * from {{ ref('int_ledger_customer_features') }}

),

category_spend as (

    select * from {{ ref('int_ledger_customer_category_spend') }}

),

final as (

    select
        segments.customer_id,
        segments.segment_id,
        segments.segment_name,
        ledger_features.recency_days,
        ledger_features.frequency,
        ledger_features.monetary,
        ledger_features.recency_score,
        ledger_features.frequency_score,
        ledger_features.monetary_score,
        ledger_features.avg_monthly_spend,
        ledger_features.avg_order_value,
        ledger_features.n_distinct_categories,
        ledger_features.diversity_score,
        ledger_features.is_active_in_window,
        {% for rank in range(1, n_top + 1) -%}
            coalesce(category_spend.spend_top_{{ rank }}, 0) as spend_top_{{ rank }},
        {% endfor %}
        coalesce(category_spend.spend_other, 0) as spend_other

    from segments
    inner join ledger_features
        on segments.customer_id = ledger_features.customer_id
    left join category_spend
        on segments.customer_id = category_spend.customer_id

)

select * from final
