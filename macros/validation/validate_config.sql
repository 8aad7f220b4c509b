{#- Checks every setting before anything runs and fails with one message listing every
    problem. Called first by `on-run-start` (see check_inputs), so a bad setting stops the build
    before any SQL runs. Kind, range, choices and names are checked from the generated
    definition (settings_problems, the same checks and messages as
    customer_segmentation.settings); added here: what needs the project (the feature count, the
    largest k fitted, the target, the input paths). Names and paths reach SQL only after this
    check (and only through macros that validate again at render time: customers_csv_path,
    validated_warn_only_checks). -#}
{% macro validate_config() %}
    {%- set errors = settings_problems() -%}
    {%- set failed = [] -%}
    {%- for problem in errors -%}
        {%- do failed.append(problem.split("'")[1] if "'" in problem else "") -%}
    {%- endfor -%}

    {%- set pca_components = setting("diagnostics", "pca_components") -%}
    {%- set feature_settings = ["input_format", "features.set", "features.transforms",
        "features.scaling", "features.winsorize_quantiles"] -%}
    {%- set n_features = segmentation_features() | length
        if not failed | select("in", feature_settings) | list else 0 -%}
    {%- if "diagnostics.pca_components" not in failed and n_features
        and (pca_components | int) > n_features -%}
        {%- do errors.append("var 'diagnostics.pca_components' must be an integer between 1 and "
            ~ n_features ~ ", got '" ~ pca_components ~ "'") -%}
    {%- endif -%}

    {%- if "kmeans.fit_engine" not in failed and setting("kmeans", "fit_engine") == "mllib"
        and target.type not in ["spark", "databricks"] -%}
        {%- do errors.append("var 'kmeans.fit_engine: mllib' needs a Spark target, got "
            ~ target.type) -%}
    {%- endif -%}

    {#- The samples k-means is fitted on must hold more customers than the largest k fitted
        (k_selection.max, or a larger fixed n_clusters): the fit sample, the k sweep's sample
        and the diagnostics sample the sweep draws it from. Checked when every value is valid. -#}
    {%- if "n_clusters" not in failed and "k_selection.max" not in failed -%}
        {%- set k_max = segmentable_k_max() -%}
        {%- for group, key in [("kmeans", "fit_sample_size"), ("k_selection", "sample_size"),
                               ("diagnostics", "sample_size")] -%}
            {%- set name = group ~ "." ~ key -%}
            {%- set sample_size = setting(group, key) -%}
            {%- if name not in failed and (sample_size | int) <= k_max -%}
                {%- do errors.append("var '" ~ name ~ "' (" ~ sample_size ~ ") must be larger "
                    ~ "than the largest k fitted, " ~ k_max ~ " (k_selection.max = "
                    ~ setting("k_selection", "max") ~ ", n_clusters = " ~ setting("n_clusters")
                    ~ "): raise it to at least " ~ (k_max + 1) ~ " or lower k_selection.max") -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}

    {%- for problem in schedule_setting_conflicts() -%}
        {%- do errors.append(problem) -%}
    {%- endfor -%}
    {%- if "customers_csv" not in failed -%}
        {%- set path_error = customers_csv_path_error(customers_csv_setting()) -%}
        {%- if path_error -%}
            {%- set path_error = path_error | replace("var 'customers_csv'", schedule_setting_label(
                "SEGMENTATION_CUSTOMERS_CSV", "customers_csv")) -%}
            {%- do errors.append(path_error) -%}
        {%- endif -%}
    {%- endif -%}
    {%- set parquet = customers_parquet_setting() -%}
    {%- if "customers_parquet" not in failed and parquet is not none and parquet != ""
        and (modules.re.search("['\"`;\\x00-\\x1f\\x7f]", parquet)
        or not modules.re.search("[.]parquet$", parquet.lower())) -%}
        {%- do errors.append(schedule_setting_label("SEGMENTATION_CUSTOMERS_PARQUET",
            "customers_parquet") ~ " must be a plain path or glob of .parquet "
            ~ "files without quotes, backticks, semicolons or control characters, got: "
            ~ parquet) -%}
    {%- endif -%}
    {%- if setting("input_format") == "ledger" -%}
        {%- for name in ["transactions_csv", "accounts_csv"] if name not in failed -%}
            {%- set value = setting(name) -%}
            {%- if name == "transactions_csv" or (value is not none and value != "") -%}
                {%- set ledger_error = customers_csv_path_error(value, name) -%}
                {%- if ledger_error -%}
                    {%- do errors.append(ledger_error) -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}

    {%- if errors -%}
        {{ exceptions.raise_compiler_error(
            "Invalid configuration (" ~ errors | length ~ " problem"
            ~ ("s" if errors | length > 1 else "") ~ "):\n  - " ~ errors | join("\n  - ")) }}
    {%- endif -%}
{% endmacro %}

{% macro _is_integer(value) %}
    {%- if value is sameas true or value is sameas false or value is none -%}
        {{ return(false) }}
    {%- elif value is number -%}
        {{ return(value == (value | int)) }}
    {%- elif value is string -%}
        {{ return(modules.re.fullmatch("[+-]?[0-9]+", value.strip()) is not none) }}
    {%- endif -%}
    {{ return(false) }}
{% endmacro %}

{% macro _is_number(value) %}
    {%- if value is sameas true or value is sameas false or value is none -%}
        {{ return(false) }}
    {%- elif value is number -%}
        {{ return(value == value and value - value == 0) }}
    {%- elif value is string -%}
        {{ return(modules.re.fullmatch("[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?",
            value.strip()) is not none) }}
    {%- endif -%}
    {{ return(false) }}
{% endmacro %}
