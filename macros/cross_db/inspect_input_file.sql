{#- Inspects the input CSV at `path` before anything reads it and returns the first problem as a
    sentence ("is empty (0 bytes)", ...), or an empty string when the file is well formed:
    exists (one file, not a glob matching several), not empty, UTF-8 text, comma-separated, has every column in `required_columns`
    and no data line with a wrong number of fields. DuckDB and Spark are inspected (Spark: a
    missing file is reported by Spark's own error); other engines skip this check. -#}
{% macro inspect_input_file(path, required_columns) %}
    {{ return(adapter.dispatch("inspect_input_file", "segmentation")(path, required_columns)) }}
{% endmacro %}

{% macro default__inspect_input_file(path, required_columns) %}
    {%- do log("input file checks are implemented for DuckDB only; skipped", info=true) -%}
    {{ return("") }}
{% endmacro %}

{% macro duckdb__inspect_input_file(path, required_columns) %}
    {%- set literal = "'" ~ path ~ "'" -%}
    {%- set n_files = run_query("select count(*) from glob(" ~ literal ~ ")")
        .columns[0].values()[0] -%}
    {%- if n_files == 0 -%}
        {{ return("does not exist") }}
    {%- elif n_files > 1 -%}
        {{ return("matches " ~ n_files ~ " files, but the var names one CSV file (a glob would "
            ~ "silently merge them): name one file, or combine the files first") }}
    {%- endif -%}
    {%- set n_bytes = run_query("select size from read_blob(" ~ literal ~ ")")
        .columns[0].values()[0] -%}
    {%- if n_bytes == 0 -%}
        {{ return("is empty (0 bytes)") }}
    {%- endif -%}

    {#- The header: the first line as one text field (no delimiter, no quoting). -#}
    {%- set header_sql -%}
        select line from read_csv({{ literal }}, header = false, auto_detect = false,
            delim = chr(31), quote = '', escape = '', columns = {'line': 'VARCHAR'},
            ignore_errors = true)
        limit 1
    {%- endset -%}
    {%- set header_rows = run_query(header_sql).columns[0].values() -%}
    {%- set header = (header_rows[0] if header_rows else "") or "" -%}
    {%- set header = header.replace("\ufeff", "") -%}
    {%- if "\x00" in header or header_rows | length == 0 -%}
        {{ return("is not UTF-8 text (unexpected encoding, e.g. UTF-16): save it as UTF-8 CSV") }}
    {%- endif -%}
    {%- set fields = header.split(",") | map("trim") | map("replace", '"', "") | map("upper")
        | list -%}
    {%- set problem = input_header_problem(header, required_columns) -%}
    {%- if problem -%}
        {{ return(problem) }}
    {%- endif -%}

    {#- Every data line: right number of fields and valid UTF-8. -#}
    {%- set columns -%}
        { {%- for field in fields -%}'c{{ loop.index }}': 'VARCHAR'{{ ", " if not loop.last }}{%- endfor -%} }
    {%- endset -%}
    {%- set scan_sql -%}
        select count(*) from read_csv({{ literal }}, header = true, auto_detect = false,
            delim = ',', quote = '"', escape = '"', columns = {{ columns }},
            ignore_errors = true, store_rejects = true,
            rejects_table = 'segmentation_input_rejects',
            rejects_scan = 'segmentation_input_scans')
    {%- endset -%}
    {%- do run_query("drop table if exists segmentation_input_rejects") -%}
    {%- do run_query("drop table if exists segmentation_input_scans") -%}
    {%- set n_rows = run_query(scan_sql).columns[0].values()[0] -%}
    {%- set rejects = run_query(
        "select line, error_type, error_message from segmentation_input_rejects"
        ~ " order by line, column_idx limit 1") -%}
    {%- if rejects.rows | length > 0 -%}
        {%- set reject = rejects.rows[0] -%}
        {%- if reject[1] == "INVALID ENCODING" -%}
            {{ return("line " ~ reject[0] ~ " is not valid UTF-8 (unexpected encoding, e.g. "
                ~ "Latin-1): save the file as UTF-8") }}
        {%- elif reject[1] in ["TOO MANY COLUMNS", "MISSING COLUMNS"] -%}
            {{ return("line " ~ reject[0] ~ " does not have the " ~ fields | length
                ~ " comma-separated fields of the header (" ~ reject[2] ~ ")") }}
        {%- else -%}
            {{ return("line " ~ reject[0] ~ " cannot be read: " ~ reject[1] ~ ": "
                ~ reject[2]) }}
        {%- endif -%}
    {%- endif -%}
    {%- if n_rows == 0 -%}
        {{ return("has a header but no data rows") }}
    {%- endif -%}
    {{ return("") }}
{% endmacro %}

{% macro spark__inspect_input_file(path, required_columns) %}
    {%- set location = "`" ~ path | replace("`", "``") ~ "`" -%}
    {#- Spark's text reader: one row per line, decoded as UTF-8 (a missing path fails here with
        Spark's PATH_NOT_FOUND error). -#}
    {%- set header_rows = run_query("select value from text." ~ location ~ " limit 1")
        .columns[0].values() -%}
    {%- if header_rows | length == 0 -%}
        {{ return("is empty (0 bytes)") }}
    {%- endif -%}
    {%- set header = (header_rows[0] or "").replace("\ufeff", "") -%}
    {%- if "\x00" in header or "\ufffd" in header -%}
        {{ return("is not UTF-8 text (unexpected encoding, e.g. UTF-16): save it as UTF-8 CSV") }}
    {%- endif -%}
    {%- set problem = input_header_problem(header, required_columns) -%}
    {%- if problem -%}
        {{ return(problem) }}
    {%- endif -%}
    {%- set fields = header.split(",") -%}
    {#- Every data line: the CSV reader flags a line with more or fewer fields than the header
        in a corrupt-record column (PERMISSIVE mode). -#}
    {%- set scan -%}
        create or replace temporary view segmentation_input_scan (
            {%- for field in fields %}c{{ loop.index }} string, {% endfor -%}
            segmentation_corrupt_record string
        ) using csv options (
            'path' '{{ path | replace("\\", "\\\\") | replace("'", "\\'") }}',
            'header' 'true', 'sep' ',', 'quote' '"', 'escape' '"', 'multiLine' 'true',
            'mode' 'PERMISSIVE', 'columnNameOfCorruptRecord' 'segmentation_corrupt_record'
        )
    {%- endset -%}
    {%- do run_query(scan) -%}
    {%- set counts = run_query(
        "select count(c1), count(*), count(segmentation_corrupt_record),"
        ~ " min(segmentation_corrupt_record) from segmentation_input_scan").rows[0] -%}
    {%- if counts[2] > 0 -%}
        {{ return(counts[2] ~ " line(s) do not have the " ~ fields | length
            ~ " comma-separated fields of the header, e.g. '" ~ (counts[3] or "")[:80] ~ "'") }}
    {%- endif -%}
    {%- if counts[1] == 0 -%}
        {{ return("has a header but no data rows") }}
    {%- endif -%}
    {{ return("") }}
{% endmacro %}

{#- Inspects the Parquet input (a path or glob) before anything reads it and returns the first
    problem as a sentence, or an empty string: no file matches, a column of `required_columns`
    is missing from the files (case-insensitive; the union of their columns, as they are read
    with union_by_name) or appears twice. Logs how many files a glob matched. DuckDB only; other
    engines skip this check (their reader reports a missing column). -#}
{% macro inspect_parquet_input(pattern, required_columns) %}
    {{ return(adapter.dispatch("inspect_parquet_input", "segmentation")(
        pattern, required_columns)) }}
{% endmacro %}

{% macro default__inspect_parquet_input(pattern, required_columns) %}
    {%- if count_matching_files(pattern) == 0 -%}
        {{ return("do not exist") }}
    {%- endif -%}
    {{ return("") }}
{% endmacro %}

{% macro duckdb__inspect_parquet_input(pattern, required_columns) %}
    {%- set literal = "'" ~ pattern | replace("'", "''") ~ "'" -%}
    {%- set n_files = count_matching_files(pattern) -%}
    {%- if n_files == 0 -%}
        {{ return("do not exist") }}
    {%- endif -%}
    {%- do log("customers_parquet: reading " ~ n_files ~ " file" ~ ("s" if n_files > 1 else "")
        ~ " matching '" ~ pattern ~ "'", info=true) -%}
    {%- set names = run_query("select distinct name from parquet_schema(" ~ literal ~ ")"
        ~ " where num_children is null").columns[0].values() -%}
    {%- set per_file = run_query("select file_name, upper(name) as name, count(*) as n from "
        ~ "parquet_schema(" ~ literal ~ ") where num_children is null group by all "
        ~ "having count(*) > 1 order by all limit 1").rows -%}
    {%- if per_file | length > 0 -%}
        {{ return("have the column " ~ per_file[0][1] ~ " more than once (in " ~ per_file[0][0]
            ~ "): the copies may differ, so nothing is read; keep one of them") }}
    {%- endif -%}
    {%- set present = names | map("upper") | list -%}
    {%- set missing = required_columns | reject("in", present) | list -%}
    {%- if missing -%}
        {{ return("lack required column" ~ ("s" if missing | length > 1 else "") ~ " "
            ~ missing | join(", ") ~ " (columns found: " ~ present | sort(case_sensitive=true)
            | join(", ") ~ ")") }}
    {%- endif -%}
    {{ return("") }}
{% endmacro %}
