{#- Is this build a fit run or a score run, which registered model scores it, and does it change
    the champion? Decided from setting group `lifecycle` and the registry as it was before this
    run (rows of this invocation are ignored), so every model of the build gets the same answer
    whenever it is compiled (docs/lifecycle.md, docs/decisions/018-model-lifecycle.md):
    - `champion_run_id` set (pin, rollback) or `promote_run_id` set (manual promotion): score
      with that registered model; an unknown id stops the build naming the var and listing the
      registered models;
    - `refit: always` (default): fit;
    - `refit: never`: score with the champion (a build without one stops with a clear error);
    - `refit: auto`: fit when there is no champion, when the features or k differ from the
      champion's, when the last run raised a drift alert, or when the champion is older than
      `max_champion_age_days`; otherwise score.
    The champion is the model that scored the latest published run. A fit run while a champion
    exists fits a *challenger*: with `promotion: auto` (default) it scores and publishes the run
    and so becomes the champion (a promotion, for the reason the run fitted); with `promotion:
    manual` the run is a challenger run: it registers the model but is not published, and until
    `promote_run_id` names the challenger every later run scores with the champion (no new
    challenger is fitted while one is pending).
    Returns {run_kind: 'fit' | 'score', model_run_id, reason, champion_run_id (the champion
    before this run, '' when none), challenger_run_id (the model compared with it in
    model_comparison, '' when none), is_promotion, promotion_reason, is_published_run}. Unit
    tests and parsing get a fit run of this invocation (their fixtures are a fit's tables). -#}
{% macro lifecycle_decision() %}
    {%- set refit = setting("lifecycle", "refit") | string | trim %}
    {%- set pin = setting("lifecycle", "champion_run_id") %}
    {%- set pin = "" if pin is none else (pin | string | trim) %}
    {%- set promote = setting("lifecycle", "promote_run_id") %}
    {%- set promote = "" if promote is none else (promote | string | trim) %}
    {%- set promotion = setting("lifecycle", "promotion") | string | trim %}
    {%- set this_run = segmentation_run_id() %}
    {%- set fit = {"run_kind": "fit", "model_run_id": this_run, "reason": "refit: always",
        "champion_run_id": "", "challenger_run_id": "", "is_promotion": true,
        "promotion_reason": "refit: always", "is_published_run": true} %}
    {%- if not execute or (model is defined and model.resource_type == "unit_test") %}
        {{ return(fit) }}
    {%- endif %}
    {%- if pin != "" and promote != "" %}
        {{ exceptions.raise_compiler_error(
            "vars 'lifecycle.champion_run_id' ('" ~ pin ~ "') and 'lifecycle.promote_run_id' ('"
            ~ promote ~ "') are both set: set one (a pin scores one run with a model, a "
            ~ "promotion makes a challenger the champion; both then stay the champion)") }}
    {%- endif %}
    {%- set runs = lifecycle_registered_runs() %}
    {%- set models = runs | selectattr("run_kind", "equalto", "fit") | list %}
    {%- set published = runs | selectattr("is_published") | list %}
    {%- set champion_id = published[-1].model_run_id if published else none %}
    {%- set champion = (models | selectattr("run_id", "equalto", champion_id) | list or [none])[0] %}
    {%- set pending = namespace(model=none) %}
    {%- if promotion == "manual" and champion is not none %}
        {%- set scored = published | map(attribute="model_run_id") | list %}
        {%- for candidate in models if not candidate.is_promotion
            and candidate.run_at > champion.run_at and candidate.run_id not in scored %}
            {%- set pending.model = candidate %}
        {%- endfor %}
    {%- endif %}
    {%- set base = lifecycle_policy(refit, pin, promote, runs, models, champion, this_run) %}
    {%- if base.run_kind == "fit" and pending.model is not none %}
        {%- set base = {"run_kind": "score", "model_run_id": champion.run_id,
            "reason": "manual: challenger " ~ pending.model.run_id
            ~ " awaits lifecycle.promote_run_id"} %}
    {%- endif %}
    {%- set decision = {
        "run_kind": base.run_kind,
        "model_run_id": base.model_run_id,
        "reason": base.reason,
        "champion_run_id": champion.run_id if champion is not none else "",
        "challenger_run_id": "",
        "is_promotion": false,
        "promotion_reason": "",
        "is_published_run": true,
    } %}
    {%- if champion is none %}
        {%- do decision.update({"is_promotion": true, "promotion_reason": base.reason}) %}
    {%- elif base.model_run_id != champion.run_id %}
        {%- do decision.update({"challenger_run_id": base.model_run_id}) %}
        {%- if base.run_kind == "fit" and promotion == "manual" %}
            {%- do decision.update({"is_published_run": false}) %}
        {%- else %}
            {%- do decision.update({"is_promotion": true, "promotion_reason": base.reason}) %}
        {%- endif %}
    {%- elif pending.model is not none %}
        {%- do decision.update({"challenger_run_id": pending.model.run_id}) %}
    {%- endif %}
    {{ return(decision) }}
{% endmacro %}

{#- The lifecycle policy (see lifecycle_decision): {run_kind, model_run_id, reason} from the
    settings, the registered runs and the champion; raises on an unknown pin or promotion. -#}
{% macro lifecycle_policy(refit, pin, promote, runs, models, champion, this_run) %}
    {%- set fit = {"run_kind": "fit", "model_run_id": this_run, "reason": "refit: always"} %}
    {%- set listed = models | map(attribute="run_id") | join(", ") if models else "none yet" %}
    {%- for name, value in [("promote_run_id", promote), ("champion_run_id", pin)] if value != "" %}
        {%- if value not in models | map(attribute="run_id") | list %}
            {{ exceptions.raise_compiler_error(
                "var 'lifecycle." ~ name ~ "' names '" ~ value ~ "', which is not a registered "
                ~ "model (fit run) in ml_model_registry. Registered models: " ~ listed
                ~ ". Set it to one of them, or leave it empty to score with the champion.") }}
        {%- endif %}
    {%- endfor %}
    {%- if promote != "" %}
        {{ return({"run_kind": "score", "model_run_id": promote,
            "reason": "promoted: lifecycle.promote_run_id"}) }}
    {%- endif %}
    {%- if pin != "" %}
        {{ return({"run_kind": "score", "model_run_id": pin,
            "reason": "pinned: lifecycle.champion_run_id"}) }}
    {%- endif %}
    {%- if refit == "always" %}
        {{ return(fit) }}
    {%- endif %}
    {%- if refit == "never" %}
        {%- if champion is none %}
            {{ exceptions.raise_compiler_error(
                "var 'lifecycle.refit' is 'never' but no registered model has scored a published "
                ~ "run yet (registered models: " ~ listed ~ "). Run once with refit 'always' or "
                ~ "'auto', or pin a model with lifecycle.champion_run_id.") }}
        {%- endif %}
        {{ return({"run_kind": "score", "model_run_id": champion.run_id,
            "reason": "refit: never"}) }}
    {%- endif %}
    {#- auto #}
    {%- if champion is none %}
        {{ return({"run_kind": "fit", "model_run_id": this_run, "reason": "auto: no champion"}) }}
    {%- endif %}
    {%- set features = segmentation_features() | sort | join(",") %}
    {%- if champion.feature_list != features %}
        {{ return({"run_kind": "fit", "model_run_id": this_run,
            "reason": "auto: the features changed"}) }}
    {%- endif %}
    {%- set k = var("n_clusters") | string | trim %}
    {%- if k != "auto" and (k | int) != champion.n_clusters %}
        {{ return({"run_kind": "fit", "model_run_id": this_run, "reason": "auto: k changed"}) }}
    {%- endif %}
    {%- if runs[-1].has_drift_alert %}
        {{ return({"run_kind": "fit", "model_run_id": this_run,
            "reason": "auto: the last run raised a drift alert"}) }}
    {%- endif %}
    {%- set now = modules.datetime.datetime.strptime(
        segmentation_run_at().split("'")[1], "%Y-%m-%d %H:%M:%S") %}
    {%- set age = (now - champion.run_at).days %}
    {%- if age > setting("lifecycle", "max_champion_age_days") | int %}
        {{ return({"run_kind": "fit", "model_run_id": this_run,
            "reason": "auto: the champion is " ~ age ~ " days old"}) }}
    {%- endif %}
    {{ return({"run_kind": "score", "model_run_id": champion.run_id,
        "reason": "auto: the champion still fits"}) }}
{% endmacro %}

{#- The registry's runs before this invocation, oldest first: run_id, run_at (datetime),
    run_kind, model_run_id, feature_list, n_clusters, is_published, has_drift_alert,
    is_promotion. Rows written before the lifecycle existed count as fit runs of themselves,
    rows written before promotions existed as promotions. -#}
{% macro lifecycle_registered_runs() %}
    {%- set registry = lifecycle_relation("ml_model_registry") %}
    {%- if registry is none %}
        {{ return([]) }}
    {%- endif %}
    {%- set columns = adapter.get_columns_in_relation(registry)
        | map(attribute="name") | map("lower") | list %}
    {%- set has_kind = "run_kind" in columns %}
    {%- set has_promotion = "is_promotion" in columns %}
    {%- set query %}
        select
            run_id,
            cast(run_at as string) as run_at,
            {{ "coalesce(run_kind, 'fit')" if has_kind else "'fit'" }} as run_kind,
            {{ "coalesce(model_run_id, run_id)" if has_kind else "run_id" }} as model_run_id,
            feature_list,
            n_clusters,
            published_at is not null as is_published,
            {{ "coalesce(has_drift_alert, false)" if has_kind else "false" }} as has_drift_alert,
            {{ "coalesce(is_promotion, true)" if has_promotion else "true" }} as is_promotion
        from {{ registry }}
        where run_id <> '{{ segmentation_run_id() }}'
        order by run_at
    {%- endset %}
    {%- set runs = [] %}
    {%- for row in run_query(query).rows %}
        {%- do runs.append({
            "run_id": row[0],
            "run_at": modules.datetime.datetime.strptime(row[1][:19], "%Y-%m-%d %H:%M:%S"),
            "run_kind": row[2],
            "model_run_id": row[3],
            "feature_list": row[4],
            "n_clusters": row[5] | int,
            "is_published": row[6],
            "has_drift_alert": row[7],
            "is_promotion": row[8],
        }) %}
    {%- endfor %}
    {{ return(runs) }}
{% endmacro %}

{#- The warehouse relation of enabled model `name` (none when it is not built yet). The stored
    parameters are read through it, not ref(): they are written downstream of the models that
    read them back, so a ref would be a cycle. -#}
{% macro lifecycle_relation(name) %}
    {%- if not execute %}{{ return(none) }}{% endif %}
    {%- set nodes = graph.nodes.values() | selectattr("resource_type", "equalto", "model")
        | selectattr("name", "equalto", name) | list %}
    {%- if not nodes %}
        {{ return(none) }}
    {%- endif %}
    {{ return(adapter.get_relation(database=nodes[0].database, schema=nodes[0].schema,
        identifier=nodes[0].alias)) }}
{% endmacro %}

{#- The stored rows of model run `model_run_id` in parameter store `store_name`, as a
    subquery (the store's own columns without model_run_id are selected by the caller). -#}
{% macro stored_parameters(store_name, model_run_id) %}
    {%- if not execute %}{{ return("(select 1 as placeholder)") }}{% endif %}
    {%- set store = lifecycle_relation(store_name) %}
    {%- if store is none %}
        {{ exceptions.raise_compiler_error(
            "lifecycle: the parameter store " ~ store_name ~ " does not exist, so model "
            ~ model_run_id ~ " cannot score; run a fit (lifecycle: {refit: always}) first") }}
    {%- endif %}
    {{- return("(select * from " ~ store ~ " where model_run_id = '" ~ model_run_id ~ "')") }}
{% endmacro %}

{#- A parameter store (incremental, never fully refreshed): on a fit run, this run's rows of
    `relation` under model_run_id; on a score run nothing is added. -#}
{% macro model_parameter_store(relation) %}
    {%- set decision = lifecycle_decision() %}
{{ registry_dependency() }}

with

parameters as (

    select * from {{ relation }}

),

final as (

    select
        '{{ decision.model_run_id }}' as model_run_id,
        parameters.*

    from parameters
    {%- if decision.run_kind != "fit" %}
    where 1 = 0
    {%- endif %}

)

select * from final
{% endmacro %}

{#- on-run-end: marks this run's registry row when feature_drift raised an alert in it, so the
    next `refit: auto` run refits. Never raises. -#}
{% macro record_drift_alert(results) %}
    {%- if not execute %}{{ return("") }}{% endif %}
    {%- set built = results | selectattr("node.name", "equalto", "feature_drift")
        | selectattr("status", "equalto", "success") | list %}
    {%- set registry = lifecycle_relation("ml_model_registry") %}
    {%- set drift = lifecycle_relation("feature_drift") %}
    {%- if not built or registry is none or drift is none %}{{ return("") }}{% endif %}
    {%- set columns = adapter.get_columns_in_relation(registry)
        | map(attribute="name") | map("lower") | list %}
    {%- if "has_drift_alert" not in columns %}{{ return("") }}{% endif %}
    {%- set this_run = segmentation_run_id() %}
    {%- set n_alerts = run_query("select count(*) from " ~ drift ~ " where run_id = '"
        ~ this_run ~ "' and drift_status = 'alert'").rows[0][0] | int %}
    {%- do update_rows(registry, {"has_drift_alert": (n_alerts > 0) | lower},
        "run_id = '" ~ this_run ~ "'") %}
    {%- do adapter.commit() %}
    {{ return("") }}
{% endmacro %}

{#- The segment ids of registered model `model_run_id` (its rows of ml_model_centroids), read
    when the SQL is rendered at run time; the placeholder [1, 2] while parsing, [] before the
    store exists. -#}
{% macro stored_segment_ids(model_run_id) %}
    {%- if not execute %}{{ return([1, 2]) }}{% endif %}
    {%- set store = lifecycle_relation("ml_model_centroids") %}
    {%- if store is none %}{{ return([]) }}{% endif %}
    {%- set result = run_query(
        "select distinct segment_id from " ~ store ~ " where model_run_id = '"
        ~ model_run_id ~ "' order by segment_id") %}
    {{ return(result.columns[0].values() | map("int") | list) }}
{% endmacro %}

{#- A SQL comment that makes the calling node depend on ml_model_registry, for a node that
    calls lifecycle_decision() (which reads the registry when the node is compiled) and is not
    upstream of the registry: it is then compiled after the registry is written. On Spark a
    read while the registry's files are replaced fails (FAILED_READ_FILE.FILE_NOT_EXIST);
    test_nodes_that_read_the_registry_run_before_or_after_it keeps every such node ordered. -#}
{% macro registry_dependency() -%}
    -- depends_on: {{ ref('ml_model_registry') }}
{%- endmacro %}
