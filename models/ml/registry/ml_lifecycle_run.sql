-- This build's place in the model lifecycle (macros/lifecycle/lifecycle_decision.sql): a fit
-- run or a score run, the registered model that scores it and why, the champion before it, the
-- challenger compared with it and whether the run promotes. The Python models read it to fit,
-- or to return the scoring model's stored parameters (in the schema `parameter_store`).
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
        nullif(
            '{{ decision.champion_run_id }}', ''
        ) as champion_run_id,
        nullif(
            '{{ decision.challenger_run_id }}', ''
        ) as challenger_run_id,
        {{ decision.is_promotion | lower }} as is_promotion,
        nullif('{{ decision.promotion_reason }}', '') as promotion_reason,
        {{ decision.is_published_run | lower }} as is_published_run,
        '{{ store_schema }}' as parameter_store

    from fit_run

)

select * from final
