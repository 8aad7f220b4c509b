-- The ledger's 12-month activity window, one row: [window_start, as_of). as_of is var
-- ledger.as_of when set, else the day after the last valid transaction in the file. A file
-- without one valid timestamp stops the build here, naming the file and an offending value.
{%- set window = ledger_window() %}
{%- set path = setting("transactions_csv") | string | replace("'", "''") %}

with

transactions as (

    select * from {{ ref('int_ledger_transactions_checked') }}

),

file_range as (

    select
        min(case when reason_code is null then transaction_at end) as first_transaction_at,
        max(case when reason_code is null then transaction_at end) as last_transaction_at,
        min(case when reason_code = 'bad_timestamp' then reason_value end)
            as example_bad_timestamp

    from transactions

),

as_of as (

    select
        first_transaction_at,
        last_transaction_at,
        case
            when last_transaction_at is null
                then {{ raise_error(
                    "concat('no line of transactions file ''" ~ path ~ "'' (var transactions_csv)"
                    ~ " has a valid transaction_ts: expected YYYY-MM-DD or YYYY-MM-DD HH:MM:SS, got ''',"
                    ~ " coalesce(example_bad_timestamp, ''), ''' (e.g. 03/01/1997 must be written"
                    ~ " 1997-03-01)')"
                ) }}
            {% if window is none -%}
                else {{ add_days("cast(last_transaction_at as date)", 1) }}
            {%- else -%}
                else cast('{{ window.as_of }}' as date)
            {%- endif %}
        end as as_of_date,
        '{{ "day after the last transaction" if window is none else "var ledger.as_of" }}'
            as as_of_rule

    from file_range

),

final as (

    select
        as_of_date,
        {{ one_year_before("as_of_date") }} as window_start_date,
        {{ days_between(one_year_before("as_of_date"), "as_of_date") }} as window_days,
        as_of_rule,
        first_transaction_at,
        last_transaction_at

    from as_of

)

select * from final
