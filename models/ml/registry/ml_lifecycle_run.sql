-- This build's place in the model lifecycle (macros/lifecycle/lifecycle_decision.sql): a fit
-- run or a score run, the registered model that scores it and why. The Python models read it
-- to fit, or to return the scoring model's stored parameters (in the schema `parameter_store`).
{%- set decision = lifecycle_decision() %}
{%- set store = lifecycle_relation("ml_model_pca_loadings") %}
{%- set store_schema = store.include(identifier=false) if store is not none else "" %}

with

fit_run as (

    select * from {{ ref('ml_fit_run') }}

),

final as (

    select
        fit_run.run_id,
        fit_run.run_at,
        '{{ decision.run_kind }}' as run_kind,
        '{{ decision.model_run_id }}' as model_run_id,
        '{{ decision.reason }}' as decision_reason,
        '{{ store_schema }}' as parameter_store

    from fit_run

)

select * from final
