-- One row per day from 2000-01-01 for 10,000 days: the time spine MetricFlow requires.
-- Portable SQL: digits cross-joined; date arithmetic in macros/cross_db/add_days.sql.

with

digits as (

    select 0 as digit
    union all
    select 1
    union all
    select 2
    union all
    select 3
    union all
    select 4
    union all
    select 5
    union all
    select 6
    union all
    select 7
    union all
    select 8
    union all
    select 9

),

day_numbers as (

    select
        thousands.digit * 1000
        + hundreds.digit * 100
        + tens.digit * 10
        + units.digit as day_number

    from digits as thousands
    cross join digits as hundreds
    cross join digits as tens
    cross join digits as units

),

final as (

    select
        {{ add_days("cast('2000-01-01' as date)", "day_number") }} as date_day

    from day_numbers

)

select * from final
