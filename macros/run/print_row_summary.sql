{#- on-run-end, after publishing: the build's last line, "N rows read, M segmented, Q quarantined
    (reasons), W kept with warnings", from run_summary when this invocation built it. When the
    build stopped after validation, the counts come from the validated rows and the line says
    that nothing was segmented; when it stopped earlier (or the input format has no row
    validation) nothing is printed. Never raises: a summary must not turn into a second error. -#}
{% macro print_row_summary(results) %}
    {%- if not execute or target.type not in ["duckdb", "spark", "databricks"] -%}
        {{ return("") }}
    {%- endif -%}
    {%- set status = {} -%}
    {%- for result in results if result.node.resource_type == "model" -%}
        {%- do status.update({result.node.name: result.status | string}) -%}
    {%- endfor -%}
    {%- set published = results
        | rejectattr("status", "in", ["success", "pass", "warn", "no-op"]) | list | length == 0 -%}
    {%- set summary_node = _row_summary_node("run_summary") -%}
    {%- if status.get("run_summary") == "success" and summary_node is not none -%}
        {%- set rows = run_query(
            "select rows_read, rows_segmented, rows_quarantined, rows_kept_with_warnings,"
            ~ " quarantine_reasons from " ~ summary_node).rows -%}
        {%- if rows | length == 1 -%}
            {%- set row = rows[0] -%}
            {%- do log(row_summary_line(row[0], row[1], row[2], row[3], row[4],
                published=published), info=true) -%}
        {%- endif -%}
    {%- elif status.get("ledger_reconciliation") == "success" -%}
        {%- do log(_ledger_row_summary(published), info=true) -%}
    {%- endif -%}
    {{ return("") }}
{% endmacro %}

{#- The relation of enabled model `name`, or none. -#}
{% macro _row_summary_node(name) %}
    {%- set nodes = graph.nodes.values() | selectattr("resource_type", "equalto", "model")
        | selectattr("name", "equalto", name) | list -%}
    {%- if not nodes -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(adapter.get_relation(database=nodes[0].database, schema=nodes[0].schema,
        identifier=nodes[0].alias)) }}
{% endmacro %}

{#- The summary sentence. `published` false: the build failed after validation, so the clean
    rows were not published as segmented. -#}
{% macro row_summary_line(rows_read, rows_segmented, rows_quarantined, rows_kept, reasons,
    published=true) %}
    {%- set segmented = (rows_segmented ~ " segmented") if published
        else ("0 segmented (build failed, nothing published; " ~ rows_segmented
            ~ " passed validation)") -%}
    {{ return("Rows: " ~ rows_read ~ " rows read, " ~ segmented ~ ", " ~ rows_quarantined
        ~ " quarantined" ~ (" (" ~ reasons ~ ")" if reasons else "") ~ ", " ~ rows_kept
        ~ " kept with warnings") }}
{% endmacro %}

{#- Ledger input: where the transaction lines and the customers went (ledger_reconciliation,
    reasons from ledger_quarantine). -#}
{% macro _ledger_row_summary(published) %}
    {%- set reconciliation = _row_summary_node("ledger_reconciliation") -%}
    {%- set quarantine = _row_summary_node("ledger_quarantine") -%}
    {%- if reconciliation is none -%}
        {{ return("") }}
    {%- endif -%}
    {%- set row = run_query(
        "select lines_read, lines_used, lines_quarantined, lines_before_window,"
        ~ " lines_after_as_of, customers_segmented, customers_inactive from "
        ~ reconciliation).rows[0] -%}
    {%- set reasons = [] -%}
    {%- if quarantine is not none and row[2] > 0 -%}
        {%- for reason in run_query(
            "select reason_code, count(distinct line_number) as n_lines from " ~ quarantine
            ~ " group by reason_code order by n_lines desc, reason_code").rows -%}
            {%- do reasons.append(reason[0] ~ ": " ~ reason[1]) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set segmented = (row[5] ~ " customers segmented (" ~ row[6] ~ " inactive in the window)")
        if published else ("0 customers segmented (build failed, nothing published; "
            ~ row[5] ~ " customers passed validation)") -%}
    {{ return("Rows: " ~ row[0] ~ " ledger lines read, " ~ row[1] ~ " used, " ~ row[2]
        ~ " quarantined" ~ (" (" ~ reasons | join(", ") ~ ")" if reasons else "") ~ ", "
        ~ row[3] ~ " before the window, " ~ row[4] ~ " after ledger.as_of; " ~ segmented) }}
{% endmacro %}
