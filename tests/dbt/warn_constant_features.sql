-- Warns (does not fail) for every feature with zero variance among the clean customers. Such a
-- feature is standardized to 0 for everybody (scale 1, as scikit-learn), so it adds nothing to
-- k-means distances or PCA: it is effectively dropped from the model, and the build goes on.
{{ config(severity="warn") }}

with

scaling_parameters as (

    select * from {{ ref('int_feature_scaling_parameters') }}

),

final as (

    select
        feature_name,
        feature_mean as constant_value,
        n_customers

    from scaling_parameters
    where feature_stddev = 0

)

select * from final
