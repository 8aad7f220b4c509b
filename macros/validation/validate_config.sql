{#- Checks every var of the project (type, range, allowed values) and fails with one message
    listing every problem. Called first by `on-run-start` (see check_inputs), so a bad setting
    stops the build before any SQL runs. Names and paths reach SQL only after this check (and
    only through macros that validate again at render time: customers_csv_path,
    validated_warn_only_checks). -#}
{% macro validate_config() %}
    {%- set errors = [] -%}
    {%- set n_features = segmentation_features() | length -%}

    {%- set n_clusters = var("n_clusters") -%}
    {%- if n_clusters != "auto" and (not _is_integer(n_clusters) or (n_clusters | int) < 2
        or (n_clusters | int) > 50) -%}
        {%- do errors.append("var 'n_clusters' must be 'auto' or an integer between 2 and 50, "
            ~ "got '" ~ n_clusters ~ "'") -%}
    {%- endif -%}
    {%- do _check_integer(errors, "n_init", 1, 1000) -%}
    {%- do _check_integer(errors, "random_seed", 0, 4294967295) -%}
    {%- do _check_integer(errors, "fit_sample_size", 1, none) -%}
    {%- do _check_integer(errors, "pca_components", 1, n_features) -%}
    {%- do _check_number(errors, "persona_min_score", none, none) -%}
    {%- do _check_number(errors, "purchases_tolerance", 0, none) -%}
    {%- do _check_integer(errors, "k_selection_min", 1, 50) -%}
    {%- do _check_integer(errors, "k_selection_max", 1, 50) -%}
    {%- do _check_integer(errors, "k_selection_n_init", 1, 1000) -%}
    {%- do _check_integer(errors, "k_selection_sample_size", 2, none) -%}
    {%- do _check_integer(errors, "silhouette_sample_size", 2, none) -%}
    {%- do _check_integer(errors, "k_selection_bootstrap", 0, 100) -%}
    {%- do _check_integer(errors, "k_selection_bootstrap_sample_size", 2, none) -%}
    {%- do _check_number(errors, "k_selection_min_elbow_strength", 0, none) -%}
    {%- do _check_number(errors, "k_selection_stability_tolerance", 0, none) -%}
    {%- do _check_number(errors, "outlier_contamination", 0, none) -%}
    {%- do _check_number(errors, "persona_min_deviation", 0, none) -%}
    {%- do _check_integer(errors, "ledger_top_categories", 1, 20) -%}
    {%- do _check_number(errors, "drift_psi_warn", 0, none) -%}
    {%- do _check_number(errors, "drift_psi_alert", 0, none) -%}
    {%- do _check_number(errors, "share_change_warn_pp", 0, none) -%}
    {%- if _is_number(var("drift_psi_warn")) and _is_number(var("drift_psi_alert"))
        and var("drift_psi_alert") | float < var("drift_psi_warn") | float -%}
        {%- do errors.append("var 'drift_psi_alert' (" ~ var("drift_psi_alert") ~ ") must be at "
            ~ "least drift_psi_warn (" ~ var("drift_psi_warn") ~ ")") -%}
    {%- endif -%}
    {%- set drift_baseline = var("drift_baseline", "previous") | string | trim -%}
    {%- if drift_baseline not in ["previous", "first"] and not modules.re.match(
        "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
        ~ "([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?)?$", drift_baseline) -%}
        {%- do errors.append("var 'drift_baseline' must be 'previous', 'first' or a run time "
            ~ "'YYYY-MM-DD' / 'YYYY-MM-DD HH:MM[:SS]', got '" ~ drift_baseline ~ "'") -%}
    {%- endif -%}
    {%- do _check_integer(errors, "surrogate_tree_max_depth", 1, 10) -%}
    {#- `none` (YAML null or the documented string) = always match -#}
    {%- if var("segment_match_max_distance", none) is not none
        and (var("segment_match_max_distance") | string | lower) != "none" -%}
        {%- do _check_number(errors, "segment_match_max_distance", 0, none) -%}
    {%- endif -%}
    {%- if _is_number(var("outlier_contamination")) and var("outlier_contamination") | float >= 1 -%}
        {%- do errors.append("var 'outlier_contamination' must be below 1, got '"
            ~ var("outlier_contamination") ~ "'") -%}
    {%- endif -%}
    {%- if var("input_format", "cc_general") not in ["cc_general", "ledger"] -%}
        {%- do errors.append("var 'input_format' must be 'cc_general' or 'ledger', got '"
            ~ var("input_format") ~ "'") -%}
    {%- endif -%}

    {%- set fit_engine = var("fit_engine", "sklearn") -%}
    {%- if fit_engine not in ["sklearn", "mllib"] -%}
        {%- do errors.append("var 'fit_engine' must be 'sklearn' or 'mllib', got '"
            ~ fit_engine ~ "'") -%}
    {%- elif fit_engine == "mllib" and target.type not in ["spark", "databricks"] -%}
        {%- do errors.append("var 'fit_engine: mllib' needs a Spark target, got "
            ~ target.type) -%}
    {%- endif -%}

    {%- set imputation = var("imputation") -%}
    {%- if imputation not in ["mean", "median"] -%}
        {%- do errors.append("var 'imputation' must be 'mean' or 'median', got '"
            ~ imputation ~ "'") -%}
    {%- endif -%}

    {#- The samples k-means is fitted on must hold more customers than the largest k fitted
        (k_selection_max, or a larger fixed n_clusters): checked when every value is valid. -#}
    {%- set n_clusters = var("n_clusters") -%}
    {%- set k_selection_max = var("k_selection_max") -%}
    {%- if (n_clusters == "auto" or (_is_integer(n_clusters) and (n_clusters | int) >= 2
        and (n_clusters | int) <= 50)) and _is_integer(k_selection_max) -%}
        {%- set k_max = segmentable_k_max() -%}
        {%- for name in ["fit_sample_size", "k_selection_sample_size"] -%}
            {%- set sample_size = var(name) -%}
            {%- if _is_integer(sample_size) and (sample_size | int) >= 1
                and (sample_size | int) <= k_max -%}
                {%- do errors.append("var '" ~ name ~ "' (" ~ sample_size ~ ") must be larger "
                    ~ "than the largest k fitted, " ~ k_max ~ " (k_selection_max = "
                    ~ k_selection_max ~ ", n_clusters = " ~ n_clusters ~ "): raise it to at least "
                    ~ (k_max + 1) ~ " or lower k_selection_max") -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}

    {%- for problem in schedule_setting_conflicts() -%}
        {%- do errors.append(problem) -%}
    {%- endfor -%}
    {%- set path_error = customers_csv_path_error(customers_csv_setting()) -%}
    {%- if path_error -%}
        {%- set path_error = path_error | replace("var 'customers_csv'", schedule_setting_label(
            "SEGMENTATION_CUSTOMERS_CSV", "customers_csv")) -%}
    {%- endif -%}
    {%- if path_error -%}
        {%- do errors.append(path_error) -%}
    {%- endif -%}
    {%- set parquet = var("customers_parquet", none) -%}
    {%- if parquet is not none and (parquet is not string
        or modules.re.search("['\"`;\\x00-\\x1f\\x7f]", parquet)
        or not modules.re.search("[.]parquet$", parquet.lower())) -%}
        {%- do errors.append("var 'customers_parquet' must be a plain path or glob of .parquet "
            ~ "files without quotes, backticks, semicolons or control characters, got: "
            ~ parquet) -%}
    {%- endif -%}
    {%- if var("input_format", "cc_general") == "ledger" -%}
        {%- for name in ["transactions_csv", "accounts_csv"] -%}
            {%- set value = var(name, none) -%}
            {%- if name == "transactions_csv" or (value is not none and value != "") -%}
                {%- set ledger_error = customers_csv_path_error(value, name) -%}
                {%- if ledger_error -%}
                    {%- do errors.append(ledger_error) -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}

    {%- set warn_only = var("warn_only_checks", []) -%}
    {%- set allowed = cc_general_validation_rules().warn_only_allowed -%}
    {%- if warn_only is string or warn_only is mapping
        or (warn_only is not none and warn_only is not iterable) -%}
        {%- do errors.append("var 'warn_only_checks' must be a list of reason codes (allowed: "
            ~ allowed | join(", ") ~ "), got '" ~ warn_only ~ "'") -%}
    {%- elif warn_only is not none -%}
        {%- for code in warn_only -%}
            {%- if code not in allowed -%}
                {%- do errors.append("var 'warn_only_checks' contains '" ~ code ~ "', which is "
                    ~ "not a reason code that can be downgraded to a warning (allowed: "
                    ~ allowed | join(", ") ~ ")") -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}

    {%- for problem in unknown_var_problems() -%}
        {%- do errors.append(problem) -%}
    {%- endfor -%}

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

{% macro _check_integer(errors, name, minimum, maximum) %}
    {%- set value = var(name) -%}
    {%- set bounds = "between " ~ minimum ~ " and " ~ maximum if maximum is not none
        else ">= " ~ minimum -%}
    {%- if not _is_integer(value) or (value | int) < minimum
        or (maximum is not none and (value | int) > maximum) -%}
        {%- do errors.append("var '" ~ name ~ "' must be an integer " ~ bounds ~ ", got '"
            ~ value ~ "'") -%}
    {%- endif -%}
{% endmacro %}

{% macro _check_number(errors, name, minimum, maximum) %}
    {%- set value = var(name) -%}
    {%- if not _is_number(value) -%}
        {%- do errors.append("var '" ~ name ~ "' must be a number, got '" ~ value ~ "'") -%}
    {%- elif minimum is not none and (value | float) < minimum -%}
        {%- do errors.append("var '" ~ name ~ "' must be >= " ~ minimum ~ ", got '"
            ~ value ~ "'") -%}
    {%- endif -%}
{% endmacro %}
