-- One row per ledger customer (accounts and/or customers with transactions in the window): the
-- CC GENERAL-style aggregates, RFM and category-diversity features, all from the ledger.
--
-- tenure: months of the window the account was open (1..12; without accounts: months since the
-- customer's first transaction in the window). *_frequency: share of tenure months with at least
-- one such transaction (capped at 1). recency_days: days from the last purchase to ledger_as_of
-- (the window length when there was none). RFM scores: 1..5 from the cumulative distribution
-- (ceil(5 * cume_dist)); ties share a score; 5 = most recent / most frequent / most spent.
-- diversity_score: Shannon entropy (natural log) of the customer's category spend shares.
{%- set window = ledger_window() %}
{%- set has_accounts = (var("accounts_csv") or "") != "" %}
{%- set as_of_date = "cast('" ~ window.as_of ~ "' as date)" %}

with

transactions as (

    select * from {{ ref('int_ledger_transactions_windowed') }}

),

category_spend as (

    select * from {{ ref('int_ledger_category_spend') }}

),

{% if has_accounts -%}
    accounts as (

        select * from {{ ref('stg_ledger__accounts') }}

    ),
{%- endif %}

customer_ids as (

    select distinct customer_id from transactions
    {% if has_accounts -%}
        union
        select customer_id from accounts
    {%- endif %}

),

activity as (

    select
        customer_id,
        sum(case when is_purchase then amount else 0 end) as purchases,
        sum(case when transaction_type = 'purchase_oneoff' then amount else 0 end)
            as oneoff_purchases,
        sum(case when transaction_type = 'purchase_installment' then amount else 0 end)
            as installments_purchases,
        sum(case when transaction_type = 'cash_advance' then amount else 0 end) as cash_advance,
        sum(case when transaction_type = 'payment' then amount else 0 end) as payments,
        sum(case when is_purchase then 1 else 0 end) as purchases_trx,
        sum(case when transaction_type = 'cash_advance' then 1 else 0 end) as cash_advance_trx,
        count(distinct case when is_purchase then activity_month end) as purchase_months,
        count(distinct case when transaction_type = 'purchase_oneoff' then activity_month end)
            as oneoff_months,
        count(distinct case when transaction_type = 'purchase_installment' then activity_month end)
            as installment_months,
        count(distinct case when transaction_type = 'cash_advance' then activity_month end)
            as cash_advance_months,
        min(activity_month) as first_activity_month,
        max(case when is_purchase then transaction_at end) as last_purchase_at

    from transactions
    group by customer_id

),

diversity as (

    select
        customer_id,
        count(*) as n_distinct_categories,
        -sum(spend_share * ln(spend_share)) as diversity_score

    from category_spend
    where spend_share > 0
    group by customer_id

),

joined as (

    select
        customer_ids.customer_id,
        {% if has_accounts -%}
            accounts.balance,
            accounts.credit_limit,
            coalesce(accounts.opened_on, activity.first_activity_month) as tenure_start,
        {%- else -%}
            cast(null as double) as balance,
            cast(null as double) as credit_limit,
            activity.first_activity_month as tenure_start,
        {%- endif %}
        coalesce(activity.purchases, 0) as purchases,
        coalesce(activity.oneoff_purchases, 0) as oneoff_purchases,
        coalesce(activity.installments_purchases, 0) as installments_purchases,
        coalesce(activity.cash_advance, 0) as cash_advance,
        coalesce(activity.payments, 0) as payments,
        coalesce(activity.purchases_trx, 0) as purchases_trx,
        coalesce(activity.cash_advance_trx, 0) as cash_advance_trx,
        coalesce(activity.purchase_months, 0) as purchase_months,
        coalesce(activity.oneoff_months, 0) as oneoff_months,
        coalesce(activity.installment_months, 0) as installment_months,
        coalesce(activity.cash_advance_months, 0) as cash_advance_months,
        coalesce({{ days_between("activity.last_purchase_at", as_of_date) }}, {{ window.days }})
            as recency_days,
        coalesce(diversity.n_distinct_categories, 0) as n_distinct_categories,
        coalesce(diversity.diversity_score, 0) as diversity_score

    from customer_ids
    {% if has_accounts -%}
        left join accounts
            on customer_ids.customer_id = accounts.customer_id
    {%- endif %}
    left join activity
        on customer_ids.customer_id = activity.customer_id
    left join diversity
        on customer_ids.customer_id = diversity.customer_id

),

with_tenure as (

    select
        *,
        least(12, greatest(1, {{ months_between("tenure_start", as_of_date) }})) as tenure

    from joined

),

final as (

    select
        customer_id,
        cast(balance as double) as balance,
        cast(purchases as double) as purchases,
        cast(oneoff_purchases as double) as oneoff_purchases,
        cast(installments_purchases as double) as installments_purchases,
        cast(cash_advance as double) as cash_advance,
        least(1.0, cast(purchase_months as double) / tenure) as purchases_frequency,
        least(1.0, cast(oneoff_months as double) / tenure) as oneoff_purchases_frequency,
        least(1.0, cast(installment_months as double) / tenure) as purchases_installments_frequency,
        least(1.0, cast(cash_advance_months as double) / tenure) as cash_advance_frequency,
        cast(cash_advance_trx as double) as cash_advance_trx,
        cast(purchases_trx as double) as purchases_trx,
        cast(credit_limit as double) as credit_limit,
        cast(payments as double) as payments,
        cast(tenure as double) as tenure,
        cast(recency_days as double) as recency_days,
        cast(purchases_trx as double) as frequency,
        cast(purchases as double) as monetary,
        cast(ceil(5 * cume_dist() over (order by recency_days desc)) as double)
            as recency_score,
        cast(ceil(5 * cume_dist() over (order by purchases_trx asc)) as double)
            as frequency_score,
        cast(ceil(5 * cume_dist() over (order by purchases asc)) as double) as monetary_score,
        purchases / tenure as avg_monthly_spend,
        cast(n_distinct_categories as double) as n_distinct_categories,
        cast(diversity_score as double) as diversity_score

    from with_tenure

)

select * from final
