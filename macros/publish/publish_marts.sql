{#- The `on-run-end` publish step (docs/publishing.md, decision 019). Marts (and the
    quarantine) are built into their own schema (`marts_build`; Spark:
    `<target schema>_marts_build`); BI reads the target schema (`main`). Only an invocation
    that built every mart and in which every node succeeded (warnings allowed) publishes. On
    DuckDB it then changes, in ONE transaction, every published mart (renamed, not copied:
    `main` holds views over the held tables `marts_build.<mart>__published`), the scoring
    parameters (schema `scoring`), the stored macro `segment_customers` and the registry's
    `published_at`; the exports (Parquet + audience CSVs) are written to a hidden folder before
    that transaction and moved into place right after it. Otherwise nothing users read changes,
    and the log says why and what to do. A challenger run (lifecycle.promotion manual,
    lifecycle_decision) is never published. -#}
{% macro publish_marts(results) %}
    {%- if not execute -%}
        {{ return("") }}
    {%- endif -%}
    {%- set failed = results | rejectattr("status", "in", ["success", "pass", "warn", "no-op"]) | list -%}
    {%- if failed -%}
        {%- do publish_failure_summary(failed) -%}
        {{ return("") }}
    {%- endif -%}
    {%- set built = [] -%}
    {%- for result in results if result.node.resource_type == "model"
        and is_published_node(result.node) and result.status == "success" -%}
        {%- do built.append(result.node.name) -%}
    {%- endfor -%}
    {%- if not built -%}
        {{ return("") }}
    {%- endif -%}
    {%- set copies = [] -%}
    {%- set not_built = [] -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == "model" and is_published_node(node)
        and node.config.materialized in ["table", "incremental", "view"] -%}
        {%- if node.name not in built -%}
            {%- do not_built.append(node.name) -%}
        {%- else -%}
            {%- set build_relation = adapter.get_relation(
                database=node.database, schema=node.schema, identifier=node.alias) -%}
            {%- set published = api.Relation.create(
                database=(target.database or none), schema=target.schema, identifier=node.alias,
                type="table") -%}
            {%- do copies.append((published, build_relation, node.config.materialized)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not_built -%}
        {%- do log("Marts NOT published: this invocation built " ~ built | length ~ " of "
            ~ (built | length + not_built | length) ~ " marts (not: " ~ not_built | sort
            | join(", ") ~ "); only a full `dbt build` publishes. " ~ target.schema
            ~ " is unchanged.", info=true) -%}
        {{ return("") }}
    {%- endif -%}
    {%- set decision = lifecycle_decision() -%}
    {%- if not decision.is_published_run -%}
        {%- do log("Marts NOT published: challenger run (lifecycle.promotion: manual). Model "
            ~ decision.model_run_id ~ " is registered as the challenger of champion "
            ~ decision.champion_run_id ~ ", which keeps scoring; " ~ target.schema
            ~ " is unchanged. Compare them in model_comparison (next run), promote with "
            ~ "--vars '{lifecycle: {promote_run_id: " ~ decision.model_run_id ~ "}}'.",
            info=true) -%}
        {{ return("") }}
    {%- endif -%}
    {{ return(adapter.dispatch("publish_relations", "segmentation")(copies)) }}
{%- endmacro %}

{#- Is this node published (a mart or the quarantine)? -#}
{% macro is_published_node(node) %}
    {{- return(node.fqn | length > 1 and node.fqn[1] in ["marts", "data_quality"]) -}}
{% endmacro %}

{#- The suffix of a mart's held table in the build schema (`<mart>__published`, decision
    019): what `main.<mart>` shows; get_where_subquery reads it too. -#}
{% macro held_table_suffix() %}
    {{- return("__published") -}}
{% endmacro %}

{#- The relation of a model of this project, by name (none when not built). -#}
{% macro segmentation_model_relation(name) %}
    {%- for node in graph.nodes.values()
        if node.resource_type == "model" and node.name == name -%}
        {{ return(adapter.get_relation(
            database=node.database, schema=node.schema, identifier=node.alias)) }}
    {%- endfor -%}
    {{ return(none) }}
{% endmacro %}

{#- Renders the copies [(published relation, build relation, materialization), ...] as one
    transaction (engines other than DuckDB and Spark). -#}
{% macro default__publish_relations(copies) %}
    {%- set statements = [] -%}
    {%- for published, build_relation, materialized in copies -%}
        {%- do statements.append("create or replace table " ~ published
            ~ " as select * from " ~ build_relation) -%}
    {%- endfor -%}
    begin transaction;
    {{ statements | join(";\n") }};
    commit;
{%- endmacro %}

{#- DuckDB: stage the exports, then one transaction (marts, scoring parameters, macro,
    registry), then move the exports into place. Runs the SQL itself; the hook renders none. -#}
{% macro duckdb__publish_relations(copies) %}
    {%- set fit_run = segmentation_model_relation("ml_fit_run") -%}
    {%- set run = run_query("select run_id, " ~ format_timestamp("run_at") ~ ","
        ~ " input_fingerprint from " ~ fit_run).rows[0] -%}
    {%- set run = {"run_id": run[0], "run_at": run[1], "input_fingerprint": run[2]} -%}

    {#- 1. Exports, written beside the warehouse into a hidden staging folder. A table whose
        model says `meta: {export: one_file_per_run}` (the run x customer history) is a folder
        of one file per run, of which only the changed runs are written (export_run_files). -#}
    {%- set folder = segmentation_exports_dir() -%}
    {%- set per_run = [] -%}
    {%- for node in graph.nodes.values() if node.resource_type == "model"
        and node.config.meta.get("export") == "one_file_per_run" -%}
        {%- do per_run.append(node.alias) -%}
    {%- endfor -%}
    {%- set staging = run_query("select segmentation_prepare_exports('" ~ folder ~ "', '"
        ~ run.run_id ~ "', '" ~ (["audiences"] + per_run) | join(",") ~ "')").rows[0][0] -%}
    {%- set files = [] -%}
    {%- for published, build_relation, materialized in copies -%}
        {%- if published.identifier in per_run -%}
            {%- do files.extend(export_run_files(published.identifier, build_relation, folder,
                staging, run)) -%}
        {%- else -%}
            {%- set path = staging ~ "/" ~ published.identifier ~ ".parquet" -%}
            {%- do run_query(export_statement(build_relation, path, run)) -%}
            {%- do files.append((published.identifier, published.identifier ~ ".parquet",
                "read_parquet('" ~ path ~ "')")) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set audiences = segmentation_model_relation("segment_audience_changes") -%}
    {%- if audiences is not none and "segment_audience_changes" in copies
        | map(attribute=0) | map(attribute="identifier") | list -%}
        {%- set latest = "(select * from " ~ audiences ~ " where run_at = cast('" ~ run.run_at
            ~ "' as timestamp))" -%}
        {%- for row in run_query("select distinct segment_id from " ~ latest
            ~ " as latest order by 1").rows -%}
            {%- set name = "audiences/segment_" ~ row[0] ~ ".csv" -%}
            {%- do run_query("copy (select customer_id, segment_id, segment_name,"
                ~ " audience_change, run_at from " ~ latest ~ " as latest where segment_id = "
                ~ row[0] ~ " order by customer_id) to '" ~ staging ~ "/" ~ name
                ~ "' (format csv, header true)") -%}
            {%- do files.append(("segment_audience_changes", name,
                "read_csv('" ~ staging ~ "/" ~ name ~ "', header = true)")) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set manifest = [] -%}
    {%- for table_name, file_name, reader in files -%}
        {%- do manifest.append("select '" ~ file_name ~ "' as file_name, '" ~ table_name
            ~ "' as table_name, (select count(*) from " ~ reader ~ ") as n_rows") -%}
    {%- endfor -%}
    {%- do run_query("copy (select files.*, '" ~ run.run_id ~ "' as published_run_id, '"
        ~ run.run_at ~ "' as published_run_at, '" ~ run.input_fingerprint
        ~ "' as published_input_fingerprint from (" ~ manifest | join(" union all ")
        ~ ") as files order by file_name) to '" ~ staging
        ~ "/manifest.csv' (format csv, header true)") -%}

    {#- 2. One transaction: what BI and the macro read changes all at once. The macro is
        rendered after the batch that publishes the scoring parameters (its SQL is
        specialized to the fitted segment ids it reads from them). No mart is copied: DuckDB
        cannot move a table to another schema (no `alter table ... set schema`), so the
        build's table is renamed to `<mart>__published` in the build schema, `main.<mart>`
        becomes a view over it and the build schema's name `<mart>` a view too (dbt, `dbt
        test` and debugging read it; the next build replaces that view with its new table and
        never touches the held table, so a failed or killed next build changes nothing that
        `main` shows). Incremental marts (the history) keep their table for the next run's
        increment: the held table gets only the rows written since the last publish (their
        `written_at` is after the newest held row's; the runs they belong to, by the model's
        unique_key, are replaced), so a publish costs this run, not all runs. It is copied
        whole the first time, when the columns differ or when every row was rewritten (a full
        refresh). Views are not data: they are copied. -#}
    {%- set build_schema = (copies | first)[1].schema -%}
    {%- set published_names = copies | map(attribute=0) | map(attribute="identifier") | list -%}
    {%- set held_suffix = held_table_suffix() -%}
    {%- set objects = {target.schema: {}, build_schema: {}} -%}
    {%- for row in run_query("select table_schema, table_name, table_type from"
        ~ " information_schema.tables where table_catalog = current_database()"
        ~ " and table_schema in ('" ~ target.schema ~ "', '" ~ build_schema ~ "')").rows -%}
        {%- do objects[row[0]].update({row[1]: "view" if row[2] == "VIEW" else "table"}) -%}
    {%- endfor -%}
    {#- incremental marts whose held table can take just the increment: name -> the SQL
        condition selecting the build rows written since the last publish, and the unique key.
        The increment needs the held table to have the build table's columns (written_at
        among them), a newest written_at, and build rows older than it (else: a full refresh,
        copied whole). -#}
    {%- set columns = {} -%}
    {%- for row in run_query("select table_name, string_agg(column_name || ' ' || data_type,"
        ~ " ',' order by ordinal_position) from information_schema.columns where table_catalog"
        ~ " = current_database() and table_schema = '" ~ build_schema ~ "' group by table_name"
        ).rows -%}
        {%- do columns.update({row[0]: row[1] | lower}) -%}
    {%- endfor -%}
    {%- set increments = {} -%}
    {%- for node in graph.nodes.values() if node.resource_type == "model"
        and is_published_node(node) and node.config.materialized == "incremental"
        and node.config.unique_key is string and node.alias in published_names
        and columns.get(node.alias ~ held_suffix) == columns.get(node.alias)
        and ",written_at timestamp" in columns.get(node.alias, "") -%}
        {%- set state = run_query("select cast(newest as string), (select count(*) from "
            ~ build_schema ~ '."' ~ node.alias ~ '" where not coalesce(written_at > newest,'
            ~ " false)) from (select max(written_at) as newest from " ~ build_schema ~ '."'
            ~ node.alias ~ held_suffix ~ '")').rows[0] -%}
        {%- if state[0] is not none and state[1] > 0 -%}
            {%- do increments.update({node.alias: {"written": "written_at > cast('" ~ state[0]
                ~ "' as timestamp)", "key": node.config.unique_key}}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set built_before = [] -%}
    {%- for name in objects[build_schema] -%}
        {%- do built_before.append(name[:-(held_suffix | length)]
            if name.endswith(held_suffix) else name) -%}
    {%- endfor -%}
    {#- run_query opens dbt's transaction (auto-begin); close the one the staging queries
        opened, so the next statement begins the publish transaction -#}
    {%- do adapter.commit() -%}
    {#- the statements run as one batch (one round trip through dbt, ~5-10 ms each
        otherwise), inside the transaction -#}
    {%- set statements = [] -%}
    {%- set n_renamed = [] -%}
    {%- set n_appended = [] -%}
    {%- for published, build_relation, materialized in copies -%}
        {%- set held = api.Relation.create(database=build_relation.database,
            schema=build_schema, identifier=published.identifier ~ held_suffix,
            type="table") -%}
        {%- if materialized == "table" and build_relation.type == "table" -%}
            {%- do statements.append("drop table if exists " ~ held) -%}
            {%- do statements.append("alter table " ~ build_relation ~ " rename to \""
                ~ held.identifier ~ "\"") -%}
            {%- do statements.append("create view " ~ build_relation ~ " as select * from "
                ~ held.include(database=false)) -%}
            {%- do n_renamed.append(published.identifier) -%}
        {%- elif published.identifier in increments -%}
            {%- set increment = increments[published.identifier] -%}
            {%- do statements.append("delete from " ~ held ~ " where " ~ increment.key
                ~ " in (select " ~ increment.key ~ " from " ~ build_relation ~ " where "
                ~ increment.written ~ ")") -%}
            {%- do statements.append("insert into " ~ held ~ " select * from "
                ~ build_relation ~ " where " ~ increment.written) -%}
            {%- do n_appended.append(published.identifier) -%}
        {%- else -%}
            {%- do statements.append("create or replace table " ~ held ~ " as select * from "
                ~ build_relation) -%}
        {%- endif -%}
        {#- a warehouse published by copies (before decision 019) holds tables in main -#}
        {%- if objects[target.schema].get(published.identifier) == "table" -%}
            {%- do statements.append("drop table " ~ published) -%}
        {%- endif -%}
        {#- no database part: the views work however the file is attached -#}
        {%- do statements.append("create or replace view " ~ published ~ " as select * from "
            ~ held.include(database=false)) -%}
    {%- endfor -%}
    {#- marts of an earlier configuration (e.g. ledger marts after a CC GENERAL run): their
        published view, their held table and the build schema's view over it; temporary
        tables a killed build left in the published schema -#}
    {%- for name, kind in objects[target.schema].items() -%}
        {%- if (name not in published_names and name in built_before)
            or "__dbt_tmp" in name -%}
            {%- do statements.append("drop " ~ kind ~ " if exists " ~ target.schema ~ '."'
                ~ name ~ '"') -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for name, kind in objects[build_schema].items() -%}
        {%- if name.endswith(held_suffix)
            and name[:-(held_suffix | length)] not in published_names -%}
            {%- do statements.append("drop table if exists " ~ build_schema ~ '."' ~ name
                ~ '"') -%}
        {%- elif kind == "view" and name not in published_names
            and (name ~ held_suffix) in objects[build_schema] -%}
            {%- do statements.append("drop view if exists " ~ build_schema ~ '."' ~ name
                ~ '"') -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do statements.append("create schema if not exists scoring") -%}
    {%- for published_name, model_name in scoring_parameter_tables().items() -%}
        {%- do statements.append("create or replace table scoring." ~ published_name
            ~ " as select * from " ~ segmentation_model_relation(model_name)) -%}
    {%- endfor -%}
    {%- do run_query(statements | join(";\n")) -%}
    {%- do run_query(create_segment_macros()) -%}
    {%- do mark_run_published(run.run_id) -%}
    {%- do adapter.commit() -%}
    {%- do log("Published " ~ copies | length ~ " marts (" ~ n_renamed | length
        ~ " renamed, " ~ n_appended | length ~ " appended, " ~ (copies | length
        - n_renamed | length - n_appended | length) ~ " copied), the scoring"
        ~ " parameters and " ~ target.schema ~ ".segment_customers() in one transaction (run "
        ~ run.run_at ~ ")", info=true) -%}

    {#- 3. The exports follow the committed warehouse (renames, manifest last). -#}
    {%- set n_files = run_query("select segmentation_publish_exports('" ~ staging ~ "', '"
        ~ folder ~ "')").rows[0][0] -%}
    {%- do adapter.commit() -%}
    {%- do log("Exported " ~ n_files ~ " files to " ~ folder, info=true) -%}
    {{ return("") }}
{%- endmacro %}

{#- The columns every exported Parquet row gets after the table's own: name -> SQL value of
    the publishing run `run` (the same values go into the file's key/value metadata). -#}
{% macro export_stamps(run) %}
    {{- return({
        "published_run_id": "'" ~ run.run_id ~ "'",
        "published_run_at": "cast('" ~ run.run_at ~ "' as timestamp)",
        "published_input_fingerprint": "'" ~ run.input_fingerprint ~ "'",
    }) -}}
{% endmacro %}

{#- The COPY of `relation` (or its rows `where`) to the Parquet file `path`, each row stamped
    with the publishing run (export_stamps). -#}
{% macro export_statement(relation, path, run, where="true") %}
    {%- set stamps = [] -%}
    {%- for name, value in export_stamps(run).items() -%}
        {%- do stamps.append(value ~ " as " ~ name) -%}
    {%- endfor -%}
    {{- return("copy (select *, " ~ stamps | join(", ") ~ " from " ~ relation ~ " where "
        ~ where ~ ") to '" ~ path ~ "' (format parquet, kv_metadata {run_id: '" ~ run.run_id
        ~ "', run_at: '" ~ run.run_at ~ "', input_fingerprint: '" ~ run.input_fingerprint
        ~ "'})") -}}
{% endmacro %}

{#- A history table exported one file per run, `<table>/<run_id>.parquet`: a run's file is
    staged when the published folder has none, when its rows are older than the run's rows
    (their newest `written_at` differs: a run rebuilt with the same as_of_date, runs
    renumbered after an earlier one was inserted, a full refresh) or when the columns
    changed; the other runs' files stay as they are, so a publish writes one run, not all
    runs. Files of runs the table no longer holds are removed when the exports move into
    place (segmentation_publish_exports). Returns the manifest entries [(table, file name,
    reader), ...], every run of the table. -#}
{% macro export_run_files(name, relation, folder, staging, run) %}
    {%- set published_files = folder ~ "/" ~ name ~ "/*.parquet" -%}
    {%- set published = {} -%}
    {%- if run_query("select count(*) from glob('" ~ published_files ~ "')").rows[0][0] > 0 -%}
        {%- set reader = "read_parquet('" ~ published_files ~ "', union_by_name = true" -%}
        {%- set columns = run_query("select * from " ~ relation ~ " limit 0").column_names
            | list -%}
        {%- if run_query("select * from " ~ reader ~ ") limit 0").column_names | list
            == columns + export_stamps(run).keys() | list -%}
            {%- for row in run_query("select parse_filename(filename),"
                ~ " cast(max(written_at) as varchar) from " ~ reader ~ ", filename = true)"
                ~ " group by all").rows -%}
                {%- do published.update({row[0]: row[1]}) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
    {%- set entries = [] -%}
    {%- for row in run_query("select run_id, cast(max(written_at) as varchar) from " ~ relation
        ~ " group by run_id order by run_id").rows -%}
        {%- set file_name = name ~ "/" ~ row[0] ~ ".parquet" -%}
        {%- if row[1] is not none and published.get(row[0] ~ ".parquet") == row[1] -%}
            {%- do entries.append((name, file_name, "read_parquet('" ~ folder ~ "/" ~ file_name
                ~ "')")) -%}
        {%- else -%}
            {%- do run_query(export_statement(relation, staging ~ "/" ~ file_name, run,
                "run_id = '" ~ row[0] ~ "'")) -%}
            {%- do entries.append((name, file_name, "read_parquet('" ~ staging ~ "/"
                ~ file_name ~ "')")) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(entries) }}
{% endmacro %}

{#- Sets the registry's `published_at` on run `run_id` (when the registry exists): the
    lifecycle's champion is the model of the latest published run. Runs the SQL itself. -#}
{% macro mark_run_published(run_id) %}
    {%- set registry = segmentation_model_relation("ml_model_registry") -%}
    {%- if registry is not none -%}
        {%- do update_rows(registry, {"published_at": "cast(now() as timestamp)"},
            "run_id = '" ~ run_id ~ "'") -%}
    {%- endif -%}
{% endmacro %}

{#- Published name (schema `scoring`) -> model of the parameters the stored macro scores with. -#}
{% macro scoring_parameter_tables() %}
    {{ return({
        "imputation_values": "int_feature_imputation_values",
        "scaling_parameters": "int_feature_scaling_parameters",
        "segment_centroids": "ml_segment_centroids",
        "pca_loadings": "ml_pca_loadings",
    }) }}
{% endmacro %}

{#- Folder of the exports: SEGMENTATION_EXPORTS_DIR, else `<warehouse stem>_exports` beside
    the warehouse file (segmentation.duckdb -> segmentation_exports/). -#}
{% macro segmentation_exports_dir() %}
    {%- set configured = env_var("SEGMENTATION_EXPORTS_DIR", "") | trim -%}
    {%- if configured -%}
        {{ return(configured) }}
    {%- endif -%}
    {%- set path = target.path if target.path is defined and target.path else "segmentation.duckdb" -%}
    {%- set stem = modules.re.sub("[.][^./]*$", "", path) -%}
    {{ return(stem ~ "_exports") }}
{% endmacro %}

{#- Spark has no multi-statement transactions: each mart is replaced on its own, right away
    (the hook renders no SQL), then the registry row of the run gets its `published_at`.
    Delta / Iceberg tables are replaced atomically one by one (`create or replace table`);
    plain Parquet tables are dropped and recreated, so a reader can briefly miss a mart or see
    marts of two builds. The log says which. No exports: BI reads the published tables. -#}
{% macro spark__publish_relations(copies) %}
    {%- set file_format = spark_file_format() -%}
    {%- set replaceable = file_format in ["delta", "iceberg"] -%}
    {%- do run_query("create schema if not exists " ~ target.schema) -%}
    {%- for published, build_relation, materialized in copies -%}
        {%- if replaceable -%}
            {%- do run_query("create or replace table " ~ published ~ " using " ~ file_format
                ~ " as select * from " ~ build_relation) -%}
        {%- else -%}
            {%- do run_query("drop table if exists " ~ published) -%}
            {%- do run_query("create table " ~ published ~ " using " ~ file_format
                ~ " as select * from " ~ build_relation) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do mark_run_published(segmentation_run_id()) -%}
    {%- do log("Published " ~ copies | length ~ " marts into schema " ~ target.schema ~ " ("
        ~ file_format ~ ": " ~ ("each replaced atomically, not all in one transaction"
            if replaceable else "dropped and recreated one by one, NOT atomic") ~ ")",
        info=true) -%}
    {{ return("") }}
{%- endmacro %}
