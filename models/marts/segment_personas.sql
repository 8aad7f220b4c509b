-- One row per segment: its persona name, a description that cites the segment's most
-- distinguishing features, and the marketing recommendation from the persona catalogue.
--
-- Rule: each persona in seeds/persona_rules.csv scores a segment by the weighted average of the
-- segment's standardized feature means (sum(weight * mean_z) / sum(abs(weight))). A segment
-- takes its best-scoring persona; if no persona scores at least `persona_min_score` it is
-- "Mainstream Customers". When several segments take the same persona, the best-scoring keeps
-- the plain name and the others are numbered: "Name (2)", "Name (3)".

with

feature_means as (

    select * from {{ ref('ml_segment_feature_means') }}

),

persona_rules as (

    select * from {{ ref('persona_rules') }}

),

persona_catalogue as (

    select * from {{ ref('persona_catalogue') }}

),

segments as (

    select distinct
        segment_id,
        n_customers

    from feature_means

),

persona_scores as (

    select
        feature_means.segment_id,
        persona_rules.persona_name,
        {{ exact_sum("persona_rules.weight * feature_means.mean_standardized_value") }}
        / {{ exact_sum("abs(persona_rules.weight)") }} as persona_score

    from feature_means
    inner join persona_rules
        on feature_means.feature_name = persona_rules.feature_name
    group by feature_means.segment_id, persona_rules.persona_name

),

ranked_personas as (

    select
        segment_id,
        persona_name,
        persona_score,
        row_number() over (
            partition by segment_id order by persona_score desc, persona_name asc
        ) as persona_rank

    from persona_scores

),

best_persona as (

    select
        segments.segment_id,
        segments.n_customers,
        ranked_personas.persona_score,
        case
            when ranked_personas.persona_score >= {{ var("persona_min_score") | float }}
                then ranked_personas.persona_name
            else 'Mainstream Customers'
        end as persona_name

    from segments
    left join ranked_personas
        on
            segments.segment_id = ranked_personas.segment_id
            and ranked_personas.persona_rank = 1

),

numbered as (

    select
        *,
        row_number() over (
            partition by persona_name order by persona_score desc, segment_id asc
        ) as persona_occurrence

    from best_persona

),

ranked_features as (

    select
        segment_id,
        feature_name,
        mean_standardized_value,
        row_number() over (
            partition by segment_id
            order by abs(mean_standardized_value) desc, feature_name asc
        ) as feature_rank

    from feature_means

),

feature_phrases as (

    select
        segment_id,
        feature_rank,
        concat(
            replace(feature_name, '_', ' '),
            ' ',
            case when mean_standardized_value >= 0 then '+' else '' end,
            cast(round(mean_standardized_value, 1) as string),
            ' sd'
        ) as phrase

    from ranked_features
    where feature_rank <= 3

),

distinguishing_features as (

    select
        segment_id,
        concat_ws(
            ', ',
            max(case when feature_rank = 1 then phrase end),
            max(case when feature_rank = 2 then phrase end),
            max(case when feature_rank = 3 then phrase end)
        ) as top_features

    from feature_phrases
    group by segment_id

),

final as (

    select
        numbered.segment_id,
        case
            when numbered.persona_occurrence = 1 then numbered.persona_name
            else concat(
                numbered.persona_name, ' (', cast(numbered.persona_occurrence as string), ')'
            )
        end as segment_name,
        numbered.persona_name,
        numbered.persona_score,
        numbered.n_customers,
        numbered.n_customers * 1.0
        / sum(numbered.n_customers) over () as share_of_customers,
        concat(
            persona_catalogue.summary,
            ' Distinguishing features (segment mean vs all customers): ',
            distinguishing_features.top_features,
            '.'
        ) as description,
        persona_catalogue.recommendation

    from numbered
    inner join persona_catalogue
        on numbered.persona_name = persona_catalogue.persona_name
    inner join distinguishing_features
        on numbered.segment_id = distinguishing_features.segment_id

)

select * from final
