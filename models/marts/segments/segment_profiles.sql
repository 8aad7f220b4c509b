-- The segment profile table of the notebook (groupby(segment).mean()), in long form: one row
-- per segment and profile feature (input and engineered features), with the mean after
-- imputation, the mean in standard deviations from the average customer, and the overall mean.
-- Pivot in BI for a heatmap or a wide table.

with

feature_means as (

    select * from {{ ref('ml_segment_feature_means') }}

),

personas as (

    select * from {{ ref('ml_segment_personas') }}

),

final as (

    select
        feature_means.segment_id,
        personas.segment_name,
        feature_means.feature_name,
        feature_means.n_customers,
        personas.share_of_customers,
        feature_means.mean_value,
        feature_means.mean_standardized_value,
        feature_means.overall_mean_value

    from feature_means
    inner join personas
        on feature_means.segment_id = personas.segment_id

)

select * from final
