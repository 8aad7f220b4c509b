-- One line per segment naming its three most distinguishing features (largest |Cohen's d|
-- against the other customers, ml_segment_feature_contrasts) with direction and size, e.g.
-- "cash advance +2.1 sd, prc full payment -0.6 sd, purchases frequency -0.5 sd". The sizes are
-- in pooled standard deviations, one decimal. Features without a d (constant, or only one
-- segment) are never cited; a segment with none gets NULL. segment_personas reuses the line.

with

contrasts as (

    select * from {{ ref('ml_segment_feature_contrasts') }}

),

segments as (

    select distinct segment_id
    from contrasts

),

phrases as (

    select
        segment_id,
        effect_rank,
        cohens_d,
        concat(
            replace(feature_name, '_', ' '),
            ' ',
            case when cohens_d >= 0 then '+' else '' end,
            cast(round(cohens_d, 1) as string),
            ' sd'
        ) as phrase

    from contrasts
    where effect_rank <= 3 and cohens_d is not null

),

summaries as (

    select
        segment_id,
        max(case when effect_rank = 1 then abs(cohens_d) end) as max_abs_cohens_d,
        concat_ws(
            ', ',
            max(case when effect_rank = 1 then phrase end),
            max(case when effect_rank = 2 then phrase end),
            max(case when effect_rank = 3 then phrase end)
        ) as distinguishing_features

    from phrases
    group by segment_id

),

final as (

    select
        segments.segment_id,
        summaries.distinguishing_features,
        summaries.max_abs_cohens_d

    from segments
    left join summaries
        on segments.segment_id = summaries.segment_id

)

select * from final
