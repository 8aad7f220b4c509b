{#- The last words of a build that did not publish: which nodes failed, for a drift alert which
    features and PSI, which run `main` still holds, and the exact command to accept new data. -#}
{% macro publish_failure_summary(failed) %}
    {%- set names = failed | map(attribute="node") | map(attribute="name") | list -%}
    {%- set lines = ["Marts NOT published: " ~ names | length ~ " node(s) did not succeed ("
        ~ (names[:5] | join(", ")) ~ (", ..." if names | length > 5 else "") ~ ")."] -%}
    {%- set drift_failed = names | select("equalto", "feature_drift_psi_below_alert_threshold")
        | list -%}
    {%- if drift_failed -%}
        {%- set drift = segmentation_model_relation("feature_drift") -%}
        {%- if drift is not none -%}
            {%- set alerts = run_query("select feature_name, psi from " ~ drift
                ~ " where drift_status = 'alert' order by psi desc").rows -%}
            {%- set listed = [] -%}
            {%- for row in alerts -%}
                {%- do listed.append(row[0] ~ " PSI " ~ "%.3f" | format(row[1])) -%}
            {%- endfor -%}
            {%- do lines.append("Drift alert (test feature_drift_psi_below_alert_threshold, "
                ~ "drift.psi_alert = " ~ setting("drift", "psi_alert") ~ "): " ~ listed | join(", ")
                ~ ". The input is not like the baseline run's (see feature_drift).") -%}
        {%- endif -%}
    {%- endif -%}
    {%- set published = adapter.get_relation(
        database=target.database, schema=target.schema, identifier="segmentation_run") -%}
    {%- if published is not none -%}
        {%- set held = run_query("select " ~ format_timestamp("run_at") ~ ", run_id from "
            ~ published).rows -%}
        {%- do lines.append("Marts not published; " ~ target.schema ~ " still holds the run of "
            ~ held[0][0] ~ " (run " ~ held[0][1] ~ "), and the exports are unchanged.") -%}
    {%- else -%}
        {%- do lines.append("Marts not published; " ~ target.schema
            ~ " holds no published run yet.") -%}
    {%- endif -%}
    {%- if drift_failed -%}
        {%- set cli_vars = invocation_args_dict.get("vars") or {} -%}
        {%- if cli_vars is string -%}
            {%- set cli_vars = fromyaml(cli_vars) or {} -%}
        {%- endif -%}
        {%- set accepted = {} -%}
        {%- do accepted.update(cli_vars) -%}
        {%- do accepted.update({"accept_drift": true}) -%}
        {%- do lines.append("If the new data is right, accept it and publish: dbt build --vars '"
            ~ tojson(accepted) ~ "'") -%}
    {%- endif -%}
    {%- do log(lines | join("\n"), info=true) -%}
{% endmacro %}
