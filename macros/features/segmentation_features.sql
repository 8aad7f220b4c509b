{#- The features the model is fitted on, from setting `features.set`: a named set (`seed17`, the 17
    CC GENERAL columns, default; `engineered`; `transactions`) or an explicit list of names.
    Every name is checked against available_features() for the input format, so user text never
    reaches SQL. The whole feature configuration (input_format, features.set, .transforms,
    .scaling, .winsorize_quantiles) is checked here, the first thing every model that uses a
    feature renders: one error lists every problem (feature_configuration). -#}
{% macro segmentation_features() %}
    {%- set checked = feature_configuration() %}
    {%- if checked.problems | length == 1 %}
        {{ exceptions.raise_compiler_error(checked.problems[0]) }}
    {%- elif checked.problems %}
        {{ exceptions.raise_compiler_error(
            "Invalid feature configuration (" ~ checked.problems | length ~ " problems):\n  - "
            ~ checked.problems | join("\n  - ")) }}
    {%- endif %}
    {{ return(checked.features) }}
{% endmacro %}

{#- The model features and every problem of the feature configuration, without raising:
    {features: [...] or none when features.set is unusable, problems: [...]}. -#}
{% macro feature_configuration() %}
    {%- set problems = [] %}
    {%- set input_format = setting("input_format") %}
    {%- if input_format not in ["cc_general", "ledger"] %}
        {#- the feature catalogue depends on the input format: nothing else can be checked -#}
        {{ return({"features": none, "problems": [
            "var 'input_format' must be 'cc_general' or 'ledger', got '" ~ input_format ~ "'"]}) }}
    {%- endif %}
    {%- set features = feature_set_problems(problems) %}

    {%- set overrides = setting("features", "transforms") or {} %}
    {%- if overrides is not mapping %}
        {%- do problems.append(
            "var 'features.transforms' must be a mapping {feature: none|log1p|winsorize}") %}
    {%- else %}
        {%- for name, transform in overrides.items() %}
            {%- if features is not none and name not in features %}
                {%- do problems.append(
                    "var 'features.transforms' names '" ~ name ~ "', which is not a model feature ("
                    ~ features | join(", ") ~ ")") %}
            {%- endif %}
            {%- if transform not in ["none", "log1p", "winsorize"] %}
                {%- do problems.append(
                    "transform for '" ~ name ~ "' must be none, log1p or winsorize, got '"
                    ~ transform ~ "'") %}
            {%- endif %}
        {%- endfor %}
    {%- endif %}

    {%- set scaling = setting("features", "scaling") %}
    {%- if scaling not in ["standard", "robust", "minmax"] %}
        {%- do problems.append(
            "var 'features.scaling' must be one of 'standard', 'robust', 'minmax', got '"
            ~ scaling ~ "'") %}
    {%- endif %}

    {%- set quantiles = setting("features", "winsorize_quantiles") %}
    {%- if quantiles is string or quantiles is mapping or quantiles is not iterable
        or quantiles | length != 2
        or not (0 <= quantiles[0] | float < quantiles[1] | float <= 1) %}
        {%- do problems.append(
            "var 'features.winsorize_quantiles' must be [low, high] with 0 <= low < high <= 1, got "
            ~ quantiles) %}
    {%- endif %}
    {{ return({"features": features, "problems": problems}) }}
{% endmacro %}

{#- The features named by `features.set`, appending what is wrong with it to `problems`;
    none when the set cannot be resolved. -#}
{% macro feature_set_problems(problems) %}
    {%- set requested = setting("features", "set") %}
    {%- set sets = feature_set_definitions() %}
    {%- if requested is string %}
        {%- if requested not in sets %}
            {%- do problems.append(
                "var 'features.set' must be one of " ~ (sets.keys() | list | join(", "))
                ~ " or a list of feature names, got '" ~ requested ~ "'") %}
            {{ return(none) }}
        {%- endif %}
        {%- set features = sets[requested] %}
    {%- elif requested is iterable and requested is not mapping %}
        {%- set features = requested | list %}
    {%- else %}
        {%- do problems.append("var 'features.set' must be a set name or a list of feature names") %}
        {{ return(none) }}
    {%- endif %}
    {%- set available = available_features() %}
    {%- set unknown = features | map("string") | reject("in", available) | list %}
    {%- if unknown %}
        {%- do problems.append(
            "unknown feature(s) for input_format '" ~ setting("input_format") ~ "': "
            ~ unknown | join(", ") ~ ". Available: " ~ available | join(", ")) %}
    {%- endif %}
    {%- if setting("input_format") == "ledger" and not ledger_has_accounts() %}
        {%- set need_accounts = features | map("string")
            | select("in", ledger_account_features()) | list %}
        {%- if need_accounts %}
            {%- do problems.append(
                "feature(s) " ~ need_accounts | join(", ") ~ " come from the accounts file, but"
                ~ " var 'accounts_csv' is empty: set accounts_csv or drop them from features.set") %}
        {%- endif %}
    {%- endif %}
    {%- if features | length == 0 or features | unique | list | length != features | length %}
        {%- do problems.append(
            "var 'features.set' must name at least one feature, each once; got " ~ features) %}
    {%- endif %}
    {{ return(features) }}
{% endmacro %}

{#- The transform applied to one model feature before scaling: none | log1p | winsorize.
    Defaults: log1p for money columns in the `engineered` and `transactions` sets, none otherwise;
    setting `features.transforms` ({feature: transform}) overrides per feature. The mapping is
    validated by segmentation_features() (every key a model feature, every value a known
    transform). -#}
{% macro feature_transform(feature) %}
    {%- set features = segmentation_features() %}
    {%- set overrides = setting("features", "transforms") or {} %}
    {%- if feature in overrides %}
        {{ return(overrides[feature]) }}
    {%- elif setting("features", "set") in ["engineered", "transactions"] and feature in money_features() %}
        {{ return("log1p") }}
    {%- else %}
        {{ return("none") }}
    {%- endif %}
{% endmacro %}
