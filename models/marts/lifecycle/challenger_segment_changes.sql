-- The audience of a promotion (docs/lifecycle.md): every customer of the current input whose
-- segment id differs between the champion and the challenger, with both segments. Empty when
-- the run compares nothing or no customer would change.

with

comparison_scores as (

    select * from {{ ref('ml_model_comparison_scores') }}

),

personas as (

    select * from {{ ref('ml_model_personas') }}

),

changed as (

    select * from comparison_scores
    where is_changed

),

final as (

    select
        changed.customer_id,
        changed.champion_run_id,
        changed.champion_segment_id,
        champion_personas.segment_name as champion_segment_name,
        changed.challenger_run_id,
        changed.challenger_segment_id,
        challenger_personas.segment_name as challenger_segment_name

    from changed
    left join personas as champion_personas
        on
            changed.champion_run_id = champion_personas.model_run_id
            and changed.champion_segment_id = champion_personas.segment_id
    left join personas as challenger_personas
        on
            changed.challenger_run_id = challenger_personas.model_run_id
            and changed.challenger_segment_id = challenger_personas.segment_id

)

select * from final
