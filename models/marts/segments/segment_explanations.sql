-- Why a customer is in a segment: one row per segment and profile feature comparing the
-- segment's customers with all OTHER customers - segment mean (raw and standardized), mean of
-- the rest, standard deviations, Cohen's d with the pooled standard deviation and the rank of
-- |d| within the segment (1 = the most distinguishing feature). Formulas in
-- ml_segment_feature_contrasts; the one-line summary of the top three features is
-- segment_personas.distinguishing_features.

with

contrasts as (

    select * from {{ ref('ml_segment_feature_contrasts') }}

),

personas as (

    select * from {{ ref('ml_segment_personas') }}

),

final as (

    select
        contrasts.segment_id,
        personas.segment_name,
        contrasts.feature_name,
        contrasts.is_model_feature,
        contrasts.n_customers,
        contrasts.n_rest as n_other_customers,
        contrasts.mean_value,
        contrasts.mean_standardized_value,
        contrasts.rest_mean_value as other_mean_value,
        contrasts.overall_mean_value,
        contrasts.stddev_value,
        contrasts.rest_stddev_value as other_stddev_value,
        contrasts.pooled_stddev,
        contrasts.cohens_d,
        contrasts.effect_rank

    from contrasts
    inner join personas
        on contrasts.segment_id = personas.segment_id

)

select * from final
