-- The segments as readable rules: one row per leaf of the surrogate decision tree
-- (ml_surrogate_tree, depth <= surrogate_tree_max_depth) trained on the raw features to predict
-- the segment. `rule_text` reads "purchases > 1,850 and cash_advance <= 420 → High-Value
-- Transactors" (thresholds to three significant digits); `predicate_sql` is the exact SQL
-- condition. How often the rules agree with the segments: segment_rule_fidelity.

with

leaves as (

    select * from {{ ref('ml_surrogate_tree') }}

),

personas as (

    select * from {{ ref('ml_segment_personas') }}

),

final as (

    select
        leaves.leaf_id,
        concat(leaves.rule_condition, ' → ', personas.segment_name) as rule_text,
        leaves.segment_id,
        personas.segment_name,
        leaves.rule_condition,
        leaves.depth,
        leaves.n_training_customers,
        cast(leaves.n_training_customers as double)
        / sum(leaves.n_training_customers) over () as share_of_training_customers,
        case
            when leaves.n_training_customers > 0
                then cast(leaves.n_training_agreeing as double) / leaves.n_training_customers
        end as training_precision,
        leaves.predicate_sql

    from leaves
    inner join personas
        on leaves.segment_id = personas.segment_id

)

select * from final
