-- One row per segment: its name, the persona it is named after, the card text and the
-- recommendation. The naming itself (scores, the conditions each persona must meet, the greedy
-- assignment, data-derived names, the quality word) is ml_segment_personas, a thin Python model
-- over customer_segmentation.personas (docs/personas.md); this mart adds the catalogue's
-- recommendation and the segment's distinguishing features. The other marts join the named
-- segments from ml_segment_personas (the segment dimension), not from this mart.

with

named_segments as (

    select * from {{ ref('ml_segment_personas') }}

),

persona_catalogue as (

    select * from {{ ref('persona_catalogue') }}

),

distinguishing as (

    select * from {{ ref('ml_segment_distinguishing_features') }}

),

final as (

    select
        named_segments.segment_id,
        named_segments.segment_name,
        named_segments.persona_name,
        named_segments.persona_catalogue,
        named_segments.persona_score,
        named_segments.conditions_checked,
        named_segments.n_customers,
        named_segments.share_of_customers,
        named_segments.quality,
        named_segments.quality_note,
        named_segments.description,
        distinguishing.distinguishing_features,
        persona_catalogue.recommendation

    from named_segments
    inner join persona_catalogue
        on named_segments.persona_name = persona_catalogue.persona_name
    left join distinguishing
        on named_segments.segment_id = distinguishing.segment_id

)

select * from final
