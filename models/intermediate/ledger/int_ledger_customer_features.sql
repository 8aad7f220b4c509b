-- One row per ledger customer: every account, and every customer with a valid transaction
-- before as_of (customers with history but none in the window are kept, inactive). The CC
-- GENERAL-style aggregates, RFM and category-diversity features (docs/ledger.md).
--
-- Spend is net: refunds and reversals (negative purchase lines) are subtracted, a customer's
-- net spend is floored at 0. tenure: months from the account's opening date (else the
-- customer's first transaction in the whole file) to as_of, 1..12. *_frequency: share of the
-- tenure months with such a purchase (capped at 1). frequency: distinct purchase occasions (order
-- id, else calendar day). recency_days: days from the last purchase (whole file) to as_of; never
-- purchased: the days covered by the file, at least the window length. RFM scores: see
-- rfm_score (quintiles of rank, ties share the lower score, a large tie at the bottom gets 1
-- alone); 5 = most recent / frequent / spent.
{%- set has_accounts = ledger_has_accounts() %}

with

lines as (

    select * from {{ ref('int_ledger_transactions_checked') }}

),

transactions as (

    select * from {{ ref('int_ledger_transactions_windowed') }}

),

category_spend as (

    select * from {{ ref('int_ledger_category_spend') }}

),

ledger_window as (

    select * from {{ ref('int_ledger_window') }}

),

{% if has_accounts -%}
    accounts as (

        select * from {{ ref('stg_ledger__accounts') }}

    ),
{%- endif %}

history as (

    select
        lines.customer_id,
        min(lines.transaction_at) as first_transaction_at,
        max(
            case
                when
                    lines.transaction_type in ('purchase_oneoff', 'purchase_installment')
                    and lines.amount > 0
                    then lines.transaction_at
            end
        ) as last_purchase_at

    from lines
    cross join ledger_window
    where
        lines.reason_code is null
        and lines.transaction_at < cast(ledger_window.as_of_date as timestamp)
    group by lines.customer_id

),

customer_ids as (

    select customer_id from history
    {% if has_accounts -%}
        union
        select customer_id from accounts
    {%- endif %}

),

activity as (

    select
        customer_id,
        sum(
            case
                when transaction_type in ('purchase_oneoff', 'refund') then signed_amount else 0
            end
        ) as oneoff_net,
        sum(case when transaction_type = 'purchase_installment' then signed_amount else 0 end)
            as installments_net,
        sum(case when transaction_type = 'cash_advance' then amount else 0 end) as cash_advance,
        sum(case when transaction_type = 'payment' then amount else 0 end) as payments,
        sum(case when is_purchase then 1 else 0 end) as purchases_trx,
        count(distinct case when is_purchase then occasion_id end) as purchase_occasions,
        sum(case when transaction_type = 'cash_advance' then 1 else 0 end) as cash_advance_trx,
        count(distinct case when is_purchase then activity_month end) as purchase_months,
        count(
            distinct case
                when is_purchase and transaction_type = 'purchase_oneoff' then activity_month
            end
        ) as oneoff_months,
        count(
            distinct case
                when is_purchase and transaction_type = 'purchase_installment' then activity_month
            end
        ) as installment_months,
        count(distinct case when transaction_type = 'cash_advance' then activity_month end)
            as cash_advance_months,
        count(*) as n_lines

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
            coalesce(
                cast(accounts.opened_on as timestamp), history.first_transaction_at
            ) as tenure_start,
        {%- else -%}
            cast(null as double) as balance,
            cast(null as double) as credit_limit,
            history.first_transaction_at as tenure_start,
        {%- endif %}
        greatest(coalesce(activity.oneoff_net, 0), 0) as oneoff_purchases,
        greatest(coalesce(activity.installments_net, 0), 0) as installments_purchases,
        coalesce(activity.cash_advance, 0) as cash_advance,
        coalesce(activity.payments, 0) as payments,
        coalesce(activity.purchases_trx, 0) as purchases_trx,
        coalesce(activity.purchase_occasions, 0) as purchase_occasions,
        coalesce(activity.cash_advance_trx, 0) as cash_advance_trx,
        coalesce(activity.purchase_months, 0) as purchase_months,
        coalesce(activity.oneoff_months, 0) as oneoff_months,
        coalesce(activity.installment_months, 0) as installment_months,
        coalesce(activity.cash_advance_months, 0) as cash_advance_months,
        coalesce(activity.n_lines, 0) > 0 as is_active_in_window,
        coalesce(
            {{ days_between("history.last_purchase_at", "ledger_window.as_of_date") }},
            greatest(
                ledger_window.window_days,
                {{ days_between("ledger_window.first_transaction_at", "ledger_window.as_of_date") }}
            )
        ) as recency_days,
        coalesce(diversity.n_distinct_categories, 0) as n_distinct_categories,
        coalesce(diversity.diversity_score, 0) as diversity_score,
        ledger_window.as_of_date

    from customer_ids
    cross join ledger_window
    {% if has_accounts -%}
        left join accounts
            on customer_ids.customer_id = accounts.customer_id
    {%- endif %}
    left join history
        on customer_ids.customer_id = history.customer_id
    left join activity
        on customer_ids.customer_id = activity.customer_id
    left join diversity
        on customer_ids.customer_id = diversity.customer_id

),

with_tenure as (

    select
        *,
        oneoff_purchases + installments_purchases as purchases,
        least(
            12, greatest(1, coalesce({{ months_between("tenure_start", "as_of_date") }}, 12))
        ) as tenure

    from joined

),

ranked as (

    select
        *,
        rank() over (order by recency_days desc) as recency_rank,
        rank() over (order by greatest(purchase_occasions, 1) asc) as frequency_rank,
        rank() over (order by purchases asc) as monetary_rank,
        count(*) over () as n_customers

    from with_tenure

),

bottom_ties as (

    select
        *,
        sum(case when recency_rank = 1 then 1 else 0 end) over () as n_bottom_recency,
        sum(case when frequency_rank = 1 then 1 else 0 end) over () as n_bottom_frequency,
        sum(case when monetary_rank = 1 then 1 else 0 end) over () as n_bottom_monetary

    from ranked

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
        cast(purchase_occasions as double) as frequency,
        cast(purchases as double) as monetary,
        {{ rfm_score("recency_rank", "n_bottom_recency", "n_customers") }} as recency_score,
        {{ rfm_score("frequency_rank", "n_bottom_frequency", "n_customers") }} as frequency_score,
        {{ rfm_score("monetary_rank", "n_bottom_monetary", "n_customers") }} as monetary_score,
        cast(purchases as double) / tenure as avg_monthly_spend,
        case
            when purchase_occasions > 0 then cast(purchases as double) / purchase_occasions
            else 0.0
        end as avg_order_value,
        cast(n_distinct_categories as double) as n_distinct_categories,
        cast(diversity_score as double) as diversity_score,
        is_active_in_window

    from bottom_ties

)

select * from final
