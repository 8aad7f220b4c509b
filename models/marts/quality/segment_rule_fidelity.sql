-- How faithful the surrogate tree's rules are, measured on ALL customers (not only the
-- training sample): the stored case expression (ml_surrogate_tree_expression, inlined by the
-- surrogate_tree_case macro) is evaluated on every customer's raw features and compared with
-- the customer's segment. Per segment: fidelity = share of its customers the rules put in it
-- (recall), rule_precision = share of the customers the rules put in it that are in it; per
-- tree: overall_fidelity = share of all customers whose rule segment equals their segment.
-- One pass over the customers, into the (segment, rule segment) counts; everything else is
-- read from those few rows (a per-customer CTE read twice would be held in memory).
{%- set tree_case = surrogate_tree_case(ref('ml_surrogate_tree_expression')) %}

with

scores as (

    select * from {{ ref('ml_customer_scores') }}

),

personas as (

    select * from {{ ref('ml_segment_personas') }}

),

tree as (

    select * from {{ ref('ml_surrogate_tree_expression') }}

),

customer_rules as (

    select
        segment_id,
        cast({{ tree_case }} as bigint) as rule_segment_id

    from scores

),

segment_pairs as (

    select
        segment_id,
        rule_segment_id,
        count(*) as n_customers

    from customer_rules
    group by segment_id, rule_segment_id

),

by_segment as (

    select
        segment_id,
        cast(sum(n_customers) as bigint) as n_customers,
        cast(
            sum(case when rule_segment_id = segment_id then n_customers else 0 end) as bigint
        ) as n_agreeing

    from segment_pairs
    group by segment_id

),

by_rule_segment as (

    select
        rule_segment_id as segment_id,
        cast(sum(n_customers) as bigint) as n_rule_customers

    from segment_pairs
    where rule_segment_id is not null
    group by rule_segment_id

),

overall as (

    select
        cast(sum(n_agreeing) as double) / sum(n_customers) as overall_fidelity,
        sum(n_customers) as n_all_customers

    from by_segment

),

final as (

    select
        personas.segment_id,
        personas.segment_name,
        coalesce(by_segment.n_customers, 0) as n_customers,
        cast(coalesce(by_rule_segment.n_rule_customers, 0) as bigint) as n_rule_customers,
        cast(coalesce(by_segment.n_agreeing, 0) as bigint) as n_agreeing,
        case
            when by_segment.n_customers > 0
                then cast(by_segment.n_agreeing as double) / by_segment.n_customers
        end as fidelity,
        case
            when by_rule_segment.n_rule_customers > 0
                then cast(by_segment.n_agreeing as double) / by_rule_segment.n_rule_customers
        end as rule_precision,
        overall.overall_fidelity,
        tree.max_depth,
        tree.n_leaves

    from personas
    left join by_segment
        on personas.segment_id = by_segment.segment_id
    left join by_rule_segment
        on personas.segment_id = by_rule_segment.segment_id
    cross join overall
    cross join tree

)

select * from final
