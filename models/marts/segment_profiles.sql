-- The segment profile table of the notebook (groupby(segment).mean()), in long form: one row
-- per segment and feature, with raw (imputed) and standardized means and the overall mean for
-- comparison. Pivot in BI for a heatmap or a wide table.

with

feature_means as (

    select * from {{ ref('ml_segment_feature_means') }}

),

personas as (

    select * from {{ ref('segment_personas') }}

),

scaling_parameters as (

    select * from {{ ref('int_feature_scaling_parameters') }}

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
        scaling_parameters.feature_mean as overall_mean_value

    from feature_means
    inner join personas
        on feature_means.segment_id = personas.segment_id
    inner join scaling_parameters
        on feature_means.feature_name = scaling_parameters.feature_name

)

select * from final
