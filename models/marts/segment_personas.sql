-- One row per segment: its persona name, a description that cites the segment's most
-- distinguishing features (the line of ml_segment_distinguishing_features: largest |Cohen's d|
-- against the other customers, the same as segment_explanations), and the marketing
-- recommendation from the persona catalogue.
--
-- Rule (editable data: seeds/persona_rules.csv, seeds/persona_catalogue.csv):
-- 1. Score: each persona scores a segment by the weighted average of the segment's
--    standardized feature means, sum(weight * mean_z) / sum(abs(weight)).
-- 2. Assign, greedily: the best-scoring (segment, persona) pair of all takes the name, then
--    the best pair among the segments and personas still free, and so on, as long as the score
--    is at least `persona_min_score`. So each persona names at most one segment, and a segment
--    whose best persona went to a better-fitting segment takes its next best.
-- 3. A segment left without a persona is named from its data: from its two largest deviations
--    ("High tenure, low credit limit") when one reaches `persona_min_deviation` sd (catalogue
--    entry "Unmatched Segment"), else "Mainstream Customers".
-- 4. Names stay unique: a repeated name is numbered "Name (2)", "Name (3)" by decreasing size
--    of the deviation.
{%- set min_score = var("persona_min_score") | float %}
{%- set min_deviation = var("persona_min_deviation") | float %}
{#- One round names one segment; 10 rounds cover k <= 10 (segments beyond are named from data). #}
{%- set assignment_rounds = 10 %}

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

distinguishing as (

    select * from {{ ref('ml_segment_distinguishing_features') }}

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

eligible_pairs as (

    select * from persona_scores
    where persona_score >= {{ min_score }}

),

-- The greedy rounds carry every eligible pair along with the round that assigned it (NULL while
-- free); each round reads only the previous one, so the SQL grows linearly with the rounds on
-- every engine (Spark inlines a CTE at each of its references).
pairs_0 as (

    select
        segment_id,
        persona_name,
        persona_score,
        cast(null as integer) as assigned_round

    from eligible_pairs

),

{% for round in range(1, assignment_rounds + 1) -%}
    round_{{ round }}_taken as (

        select
            *,
            max(case when assigned_round is not null then 1 else 0 end)
                over (partition by segment_id) as n_segment_taken,
            max(case when assigned_round is not null then 1 else 0 end)
                over (partition by persona_name) as n_persona_taken

        from pairs_{{ round - 1 }}

    ),

    round_{{ round }}_pairs as (

        select
            *,
            row_number() over (
                order by
                    case
                        when
                            assigned_round is null
                            and n_segment_taken = 0
                            and n_persona_taken = 0
                            then 0
                        else 1
                    end,
                    persona_score desc,
                    segment_id asc,
                    persona_name asc
            ) as pair_rank

        from round_{{ round }}_taken

    ),

    pairs_{{ round }} as (

        select
            segment_id,
            persona_name,
            persona_score,
            case
                when
                    assigned_round is null
                    and n_segment_taken = 0
                    and n_persona_taken = 0
                    and pair_rank = 1
                    then {{ round }}
                else assigned_round
            end as assigned_round

        from round_{{ round }}_pairs

    ),

{% endfor -%}
assignments as (

    select
        segment_id,
        persona_name,
        persona_score

    from pairs_{{ assignment_rounds }}
    where assigned_round is not null

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
        mean_standardized_value,
        concat(
            case when mean_standardized_value >= 0 then 'high ' else 'low ' end,
            replace(feature_name, '_', ' ')
        ) as level_phrase

    from ranked_features
    where feature_rank <= 2

),

largest_deviations as (

    select
        segment_id,
        max(case when feature_rank = 1 then abs(mean_standardized_value) end) as max_deviation,
        concat_ws(
            ', ',
            max(case when feature_rank = 1 then level_phrase end),
            max(case when feature_rank = 2 then level_phrase end)
        ) as data_name

    from feature_phrases
    group by segment_id

),

named as (

    select
        segments.segment_id,
        segments.n_customers,
        assignments.persona_score,
        largest_deviations.max_deviation,
        case
            when assignments.persona_name is not null then assignments.persona_name
            when largest_deviations.max_deviation >= {{ min_deviation }}
                then 'Unmatched Segment'
            else 'Mainstream Customers'
        end as persona_name,
        case
            when assignments.persona_name is not null then assignments.persona_name
            when largest_deviations.max_deviation >= {{ min_deviation }}
                then concat(
                    upper(substr(largest_deviations.data_name, 1, 1)),
                    substr(largest_deviations.data_name, 2)
                )
            else 'Mainstream Customers'
        end as base_name

    from segments
    inner join largest_deviations
        on segments.segment_id = largest_deviations.segment_id
    left join assignments
        on segments.segment_id = assignments.segment_id

),

numbered as (

    select
        *,
        row_number() over (
            partition by base_name order by max_deviation desc, segment_id asc
        ) as name_occurrence

    from named

),

final as (

    select
        numbered.segment_id,
        case
            when numbered.name_occurrence = 1 then numbered.base_name
            else concat(
                numbered.base_name, ' (', cast(numbered.name_occurrence as string), ')'
            )
        end as segment_name,
        numbered.persona_name,
        numbered.persona_score,
        numbered.n_customers,
        cast(numbered.n_customers as double)
        / sum(numbered.n_customers) over () as share_of_customers,
        concat(
            persona_catalogue.summary,
            ' Distinguishing features (vs the other customers, in pooled sd): ',
            coalesce(distinguishing.distinguishing_features, 'none'),
            '.'
        ) as description,
        distinguishing.distinguishing_features,
        persona_catalogue.recommendation

    from numbered
    inner join persona_catalogue
        on numbered.persona_name = persona_catalogue.persona_name
    inner join distinguishing
        on numbered.segment_id = distinguishing.segment_id

)

select * from final
