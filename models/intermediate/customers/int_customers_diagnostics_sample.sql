-- The customers the diagnostics read: the first diagnostics.sample_size customers of the fit
-- sample in its own seeded order (sample_key, then id; everybody when there are fewer), with the
-- same columns. The k sweep, the surrogate tree, the drift deciles and the registry's
-- silhouette read these instead of the whole fit sample, so their cost and memory do not grow
-- with kmeans.fit_sample_size (docs/lean-build.md).

with

fit_sample as (

    select * from {{ ref('int_customers_fit_sample') }}

),

first_customers as (

    select *
    from fit_sample
    order by {{ sample_key("customer_id") }}, customer_id
    limit {{ setting("diagnostics", "sample_size") | int }}

),

final as (

    select * from first_customers

)

select * from final
