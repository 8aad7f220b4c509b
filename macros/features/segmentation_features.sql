{#- The features the model is fitted on, from var `feature_set`: a named set (`seed17`, the 17
    CC GENERAL columns, default; `engineered`; `transactions`) or an explicit list of names.
    Every name is checked against available_features() for the input format; an unknown name
    stops the build with a message listing the valid ones, so user text never reaches SQL. -#}
{% macro segmentation_features() %}
    {%- set requested = var("feature_set") %}
    {%- set sets = feature_set_definitions() %}
    {%- if requested is string %}
        {%- if requested not in sets %}
            {{ exceptions.raise_compiler_error(
                "var 'feature_set' must be one of " ~ (sets.keys() | list | join(", "))
                ~ " or a list of feature names, got '" ~ requested ~ "'") }}
        {%- endif %}
        {%- set features = sets[requested] %}
    {%- elif requested is iterable and requested is not mapping %}
        {%- set features = requested | list %}
    {%- else %}
        {{ exceptions.raise_compiler_error(
            "var 'feature_set' must be a set name or a list of feature names") }}
    {%- endif %}
    {%- set available = available_features() %}
    {%- set unknown = features | map("string") | reject("in", available) | list %}
    {%- if unknown %}
        {{ exceptions.raise_compiler_error(
            "unknown feature(s) for input_format '" ~ var("input_format") ~ "': "
            ~ unknown | join(", ") ~ ". Available: " ~ available | join(", ")) }}
    {%- endif %}
    {%- if var("input_format") == "ledger" and not ledger_has_accounts() %}
        {%- set need_accounts = features | map("string")
            | select("in", ledger_account_features()) | list %}
        {%- if need_accounts %}
            {{ exceptions.raise_compiler_error(
                "feature(s) " ~ need_accounts | join(", ") ~ " come from the accounts file, but"
                ~ " var 'accounts_csv' is empty: set accounts_csv or drop them from feature_set") }}
        {%- endif %}
    {%- endif %}
    {%- if features | length == 0 or features | unique | list | length != features | length %}
        {{ exceptions.raise_compiler_error(
            "var 'feature_set' must name at least one feature, each once; got " ~ features) }}
    {%- endif %}
    {{ return(features) }}
{% endmacro %}

{#- The transform applied to one model feature before scaling: none | log1p | winsorize.
    Defaults: log1p for money columns in the `engineered` and `transactions` sets, none otherwise;
    var `feature_transforms` ({feature: transform}) overrides per feature. The whole mapping is
    validated here (every key a model feature, every value a known transform). -#}
{% macro feature_transform(feature) %}
    {%- set features = segmentation_features() %}
    {%- set overrides = var("feature_transforms") or {} %}
    {%- if overrides is not mapping %}
        {{ exceptions.raise_compiler_error(
            "var 'feature_transforms' must be a mapping {feature: none|log1p|winsorize}") }}
    {%- endif %}
    {%- for name, transform in overrides.items() %}
        {%- if name not in features %}
            {{ exceptions.raise_compiler_error(
                "var 'feature_transforms' names '" ~ name ~ "', which is not a model feature ("
                ~ features | join(", ") ~ ")") }}
        {%- endif %}
        {%- if transform not in ["none", "log1p", "winsorize"] %}
            {{ exceptions.raise_compiler_error(
                "transform for '" ~ name ~ "' must be none, log1p or winsorize, got '"
                ~ transform ~ "'") }}
        {%- endif %}
    {%- endfor %}
    {%- if feature in overrides %}
        {{ return(overrides[feature]) }}
    {%- elif var("feature_set") in ["engineered", "transactions"] and feature in money_features() %}
        {{ return("log1p") }}
    {%- else %}
        {{ return("none") }}
    {%- endif %}
{% endmacro %}
