-- Ledger input only: how the classic RFM segments (macro rfm_segment, from the recency and
-- frequency scores of customer_ledger_features) line up with the behavioural segments. One
-- row per RFM segment x behavioural segment (every combination of those present, empty cells
-- with 0 customers): counts, shares of all customers / of the RFM segment / of the segment,
-- the count expected if the two were independent, and for the whole table Pearson's
-- chi-square (no continuity correction) and Cramer's V = sqrt(chi2 / (n * (min(r, c) - 1)))
-- with r and c the numbers of RFM and behavioural segments present (NULL when one of them is
-- 1). V is 0 when the two segmentations are unrelated and 1 when one determines the other.

with

ledger_customers as (

    select * from {{ ref('customer_ledger_features') }}

),

personas as (

    select * from {{ ref('ml_segment_personas') }}

),

customer_rfm as (

    select
        segment_id,
        {{ rfm_segment("recency_score", "frequency_score") }} as rfm_segment

    from ledger_customers

),

observed as (

    select
        rfm_segment,
        segment_id,
        count(*) as n_customers

    from customer_rfm
    group by rfm_segment, segment_id

),

rfm_totals as (

    select
        rfm_segment,
        sum(n_customers) as n_rfm_segment

    from observed
    group by rfm_segment

),

segment_totals as (

    select
        segment_id,
        sum(n_customers) as n_segment

    from observed
    group by segment_id

),

table_totals as (

    select
        sum(n_customers) as n_all_customers,
        count(distinct rfm_segment) as n_rfm_segments,
        count(distinct segment_id) as n_segments

    from observed

),

cells as (

    select
        rfm_totals.rfm_segment,
        segment_totals.segment_id,
        cast(coalesce(observed.n_customers, 0) as bigint) as n_customers,
        rfm_totals.n_rfm_segment,
        segment_totals.n_segment,
        table_totals.n_all_customers,
        table_totals.n_rfm_segments,
        table_totals.n_segments,
        cast(rfm_totals.n_rfm_segment as double) * segment_totals.n_segment
        / table_totals.n_all_customers as expected_n_customers

    from rfm_totals
    cross join segment_totals
    cross join table_totals
    left join observed
        on
            rfm_totals.rfm_segment = observed.rfm_segment
            and segment_totals.segment_id = observed.segment_id

),

chi_square as (

    select
        {{ exact_sum(
            "(n_customers - expected_n_customers) * (n_customers - expected_n_customers)"
            ~ " / expected_n_customers"
        ) }} as chi_square

    from cells

),

final as (

    select
        cells.rfm_segment,
        cells.segment_id,
        personas.segment_name,
        cells.n_customers,
        cast(cells.n_customers as double) / cells.n_all_customers as share_of_customers,
        cast(cells.n_customers as double) / cells.n_rfm_segment as share_of_rfm_segment,
        cast(cells.n_customers as double) / cells.n_segment as share_of_segment,
        cells.expected_n_customers,
        chi_square.chi_square,
        case
            when least(cells.n_rfm_segments, cells.n_segments) > 1
                then sqrt(
                    chi_square.chi_square
                    / (cells.n_all_customers * (least(cells.n_rfm_segments, cells.n_segments) - 1))
                )
        end as cramers_v,
        cast(cells.n_all_customers as bigint) as n_all_customers

    from cells
    cross join chi_square
    inner join personas
        on cells.segment_id = personas.segment_id

)

select * from final
