-- Has the input drifted from the data the model was fitted on? One row per model feature: the
-- population stability index (PSI) of the current fit sample's raw values against the training
-- distribution stored with the baseline run (ml_feature_baseline; var `drift.baseline`:
-- previous run by default), and a status from the thresholds `drift.psi_warn` and
-- `drift.psi_alert`.
--
-- PSI = sum over the baseline's bins of (current share - baseline share) * ln(current share /
-- baseline share), the current values binned with the baseline's decile edges. An empty bin's
-- share is replaced by `psi_epsilon` (0.0001) on either side, so the PSI stays finite.
{%- set features = segmentation_features() %}
{%- set baseline = drift_baseline_run("baseline_runs.run_at", "fit_run.run_at") %}
{#- A score run compares with the training distribution of the model that scores it. #}
{%- set decision = lifecycle_decision() %}
{{ registry_dependency() }}
{%- if decision.run_kind == "score" %}
    {%- set baseline = {
        "condition": "baseline_runs.run_id = '" ~ decision.model_run_id ~ "'", "order": "desc"
    } %}
{%- endif %}
{%- set psi_epsilon = 0.0001 %}
{#- `previous` / `first` look only at runs of this run's input lineage (a new data set starts
    its own baseline; docs/decisions/012-switching-data-sets.md); a pinned run time is taken
    as given. Rows stored before lineages existed count as `default`. #}
{%- set baseline_choice = setting("drift", "baseline") | string | trim %}
{%- set same_lineage = baseline_choice in ["previous", "first"]
    and decision.run_kind != "score" %}

with

fit_run as (

    select
        run_id,
        run_at,
        input_lineage

    from {{ ref('ml_fit_run') }}

),

baselines as (

    select * from {{ ref('ml_feature_baseline') }}

),

model_features as (

    {{ feature_name_rows(features) }}

),

baseline_runs as (

    select distinct
        run_id,
        run_at,
        coalesce(input_lineage, 'default') as input_lineage

    from baselines

),

candidate_runs as (

    select
        baseline_runs.run_id,
        baseline_runs.run_at,
        row_number() over (order by baseline_runs.run_at {{ baseline.order }}) as run_rank

    from baseline_runs
    cross join fit_run
    where
        {{ baseline.condition }}
        {% if same_lineage -%}
            and baseline_runs.input_lineage = fit_run.input_lineage
        {%- endif %}

),

baseline_run as (

    select
        run_id,
        run_at

    from candidate_runs
    where run_rank = 1

),

baseline_bins as (

    select baselines.*

    from baselines
    inner join baseline_run
        on baselines.run_at = baseline_run.run_at

),

current_totals as (

    select
        feature_name,
        count(*) as n_current_customers

    from {{ ref('int_fit_sample_feature_values') }}
    group by feature_name

),

current_binned as (

    select
        baseline_bins.feature_name,
        baseline_bins.bin_number,
        count(current_values.feature_value) as n_customers

    from baseline_bins
    left join {{ ref('int_fit_sample_feature_values') }} as current_values
        on
            baseline_bins.feature_name = current_values.feature_name
            and (
                baseline_bins.lower_edge is null
                or baseline_bins.lower_edge < current_values.feature_value
            )
            and (
                baseline_bins.upper_edge is null
                or baseline_bins.upper_edge >= current_values.feature_value
            )
    group by baseline_bins.feature_name, baseline_bins.bin_number

),

bin_shares as (

    select
        baseline_bins.feature_name,
        baseline_bins.bin_number,
        greatest(baseline_bins.bin_share, {{ psi_epsilon }}) as baseline_share,
        greatest(
            cast(current_binned.n_customers as double) / current_totals.n_current_customers,
            {{ psi_epsilon }}
        ) as current_share

    from baseline_bins
    inner join current_binned
        on
            baseline_bins.feature_name = current_binned.feature_name
            and baseline_bins.bin_number = current_binned.bin_number
    inner join current_totals
        on baseline_bins.feature_name = current_totals.feature_name

),

psi_by_feature as (

    select
        feature_name,
        count(*) as n_bins,
        {{ exact_sum("(current_share - baseline_share) * ln(current_share / baseline_share)") }}
            as psi

    from bin_shares
    group by feature_name

),

baseline_sizes as (

    select distinct
        feature_name,
        n_training_customers

    from baseline_bins

),

final as (

    select
        fit_run.run_id,
        fit_run.run_at,
        baseline_run.run_id as baseline_run_id,
        baseline_run.run_at as baseline_run_at,
        model_features.feature_name,
        psi_by_feature.psi,
        cast(
            case
                when psi_by_feature.psi is null then 'no_baseline'
                when psi_by_feature.psi >= {{ setting("drift", "psi_alert") }} then 'alert'
                when psi_by_feature.psi >= {{ setting("drift", "psi_warn") }} then 'warn'
                else 'ok'
            end as string
        ) as drift_status,
        psi_by_feature.n_bins,
        baseline_sizes.n_training_customers as n_baseline_customers,
        current_totals.n_current_customers

    from model_features
    cross join fit_run
    left join baseline_run
        on 1 = 1
    left join psi_by_feature
        on model_features.feature_name = psi_by_feature.feature_name
    left join baseline_sizes
        on model_features.feature_name = baseline_sizes.feature_name
    left join current_totals
        on model_features.feature_name = current_totals.feature_name

)

select * from final
