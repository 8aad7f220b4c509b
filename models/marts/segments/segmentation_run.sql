-- The run the marts come from: one row. In `main` it is the published run (it is published in
-- the same transaction as every other mart), so BI and the failure summary can tell which
-- run, input and settings they are looking at.

with

fit_run as (

    select * from {{ ref('ml_fit_run') }}

),

final as (

    select
        run_id,
        run_at,
        input_fingerprint,
        input_lineage,
        n_input_customers,
        feature_list,
        run_vars

    from fit_run

)

select * from final
