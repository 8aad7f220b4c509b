-- The whole surrogate tree as ONE SQL expression over the raw feature columns, built from its
-- leaves (ml_surrogate_tree): `case when <leaf 1 predicate> then <segment> when ... end`. The
-- leaf predicates are disjoint and cover every customer without missing values, so this
-- flat form equals the tree. The same text as customer_segmentation.surrogate_tree
-- .case_expression; evaluated on every customer by segment_rule_fidelity (macro
-- surrogate_tree_case) and usable in any query: `select <case_expression> from customers`.

with

leaves as (

    select * from {{ ref('ml_surrogate_tree') }}

),

final as (

    select
        concat(
            'case',
            {{ string_agg_ordered(
                "concat(' when ', predicate_sql, ' then ', cast(segment_id as string))",
                "leaf_id",
            ) }},
            ' end'
        ) as case_expression,
        cast(count(*) as bigint) as n_leaves,
        cast(max(depth) as bigint) as tree_depth,
        {{ var("surrogate_tree_max_depth") | int }} as max_depth,
        cast(sum(n_training_customers) as bigint) as n_training_customers,
        cast(sum(n_training_agreeing) as double) / sum(n_training_customers) as training_fidelity

    from leaves
    having count(*) > 0

)

select * from final
