{#- Problems with the settings, checked against the generated definition
    (settings_definition.sql) exactly as customer_segmentation.settings.Settings.from_vars
    checks them, with the same messages: names (an old flat name -> "is now group.key", an
    unknown name or group key -> the closest known one), every value (kind, range, choices,
    pattern), and the rules between settings. validate_config adds the checks that need the
    project (feature count, largest k, input paths, target). -#}
{% macro settings_problems() %}
    {%- set definition = settings_definition() -%}
    {%- set problems = [] -%}
    {%- do problems.extend(setting_name_problems(definition)) -%}
    {%- set bad_groups = [] -%}
    {%- for group in definition.groups -%}
        {%- set given = setting_group_value(group) -%}
        {%- if given is not none and given is not mapping -%}
            {%- do bad_groups.append(group) -%}
            {%- do problems.append("var '" ~ group ~ "' must be a mapping of " ~ group
                ~ " settings (e.g. --vars '{" ~ group ~ ": {...}}'), got '" ~ given ~ "'") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set valid = namespace(all=true) -%}
    {%- for spec in definition.settings if spec.group not in bad_groups -%}
        {%- set value = setting(spec.group, spec.key) if spec.group else setting(spec.key) -%}
        {%- set found = setting_value_problems(spec, value) -%}
        {%- if found -%}
            {%- set valid.all = false -%}
            {%- do problems.extend(found) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if valid.all and not bad_groups and not problems -%}
        {%- set psi_warn = setting("drift", "psi_warn") | float -%}
        {%- set psi_alert = setting("drift", "psi_alert") | float -%}
        {%- if psi_alert < psi_warn -%}
            {%- do problems.append("var 'drift.psi_alert' (" ~ setting("drift", "psi_alert")
                ~ ") must be at least drift.psi_warn (" ~ setting("drift", "psi_warn") ~ ")") -%}
        {%- endif -%}
        {%- if (setting("k_selection", "min") | int) > (setting("k_selection", "max") | int) -%}
            {%- do problems.append("var 'k_selection.min' (" ~ setting("k_selection", "min")
                ~ ") must be at most k_selection.max (" ~ setting("k_selection", "max") ~ ")") -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(problems) }}
{% endmacro %}

{#- Problems with one value (empty list when valid); `spec` is one entry of
    settings_definition().settings. Mirrors settings.check_value. -#}
{% macro setting_value_problems(spec, value) %}
    {%- set bad = ["var '" ~ spec.name ~ "' must be " ~ spec.requirement ~ ", got '"
        ~ value ~ "'"] -%}
    {%- if value is none or (spec.nullable and value is string and value | trim == "") -%}
        {{ return([] if spec.nullable else bad) }}
    {%- endif -%}
    {%- if value is string and (value | trim) in spec.specials -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set is_list = value is iterable and value is not string and value is not mapping -%}
    {%- if spec.kind == "integer" -%}
        {{ return([] if _is_integer(value) and _setting_in_range(value | float, spec) else bad) }}
    {%- elif spec.kind == "number" -%}
        {{ return([] if _is_number(value) and _setting_in_range(value | float, spec) else bad) }}
    {%- elif spec.kind == "boolean" -%}
        {{ return([] if value is sameas true or value is sameas false else bad) }}
    {%- elif spec.kind == "mapping" -%}
        {{ return([] if value is mapping else bad) }}
    {%- elif spec.kind == "string_or_list" -%}
        {{ return([] if value is string or is_list else bad) }}
    {%- elif spec.kind == "list" -%}
        {%- if not is_list -%}
            {{ return(bad) }}
        {%- endif -%}
        {%- set problems = [] -%}
        {%- for item in value if spec.item_choices and item not in spec.item_choices -%}
            {%- do problems.append("var '" ~ spec.name ~ "' contains '" ~ item
                ~ "', which is not one of: " ~ spec.item_choices | join(", ")) -%}
        {%- endfor -%}
        {{ return(problems) }}
    {%- endif -%}
    {#- string -#}
    {%- if value is not string -%}
        {{ return(bad) }}
    {%- endif -%}
    {%- set text = value | trim -%}
    {%- if spec.choices and text in spec.choices -%}
        {{ return([]) }}
    {%- elif spec.pattern and modules.re.fullmatch(spec.pattern, text) -%}
        {{ return([]) }}
    {%- elif spec.choices or spec.pattern -%}
        {{ return(bad) }}
    {%- endif -%}
    {{ return([]) }}
{% endmacro %}

{% macro _setting_in_range(number, spec) %}
    {%- if spec.minimum is not none and number < spec.minimum -%}
        {{ return(false) }}
    {%- endif -%}
    {%- if spec.maximum is not none -%}
        {{ return(number < spec.maximum if spec.exclusive_maximum else number <= spec.maximum) }}
    {%- endif -%}
    {{ return(true) }}
{% endmacro %}

{#- Names that are not settings: vars given with `--vars` or in dbt_project.yml that are an
    old flat name ("is now group.key") or unknown (closest known name), and unknown keys inside
    a group. dbt itself accepts any name and ignores a typo, so a mistyped setting would
    silently build with the default. -#}
{% macro setting_name_problems(definition) %}
    {%- set problems = [] -%}
    {%- set top_level = [] -%}
    {%- for name in definition.defaults if name not in definition.groups -%}
        {%- do top_level.append(name) -%}
    {%- endfor -%}
    {%- set names = [] -%}
    {%- set cli_vars = invocation_args_dict.get("vars") or {} -%}
    {%- for name in (cli_vars.keys() | list if cli_vars is mapping else [])
        + (declared_var_names() or []) -%}
        {%- if name not in names -%}
            {%- do names.append(name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for name in names -%}
        {%- if name in definition.renamed -%}
            {%- set new = definition.renamed[name] -%}
            {%- set parts = new.split(".") -%}
            {%- do problems.append("var '" ~ name ~ "' is now " ~ new ~ ": --vars '{" ~ parts[0]
                ~ ": {" ~ parts[1] ~ ": ...}}'") -%}
        {%- elif name not in definition.defaults -%}
            {%- do problems.append(unknown_setting_problem(name | string, top_level
                + definition.groups, none)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for group in definition.groups -%}
        {%- set given = setting_group_value(group) -%}
        {%- if given is mapping -%}
            {%- set keys = definition.defaults[group].keys() | list -%}
            {%- for name in given if name not in keys -%}
                {%- do problems.append(unknown_setting_problem(name | string, keys, group)) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(problems) }}
{% endmacro %}

{#- "unknown var 'x'; did you mean 'y'?" (or the known names), as settings.unknown_name_problem -#}
{% macro unknown_setting_problem(name, candidates, group) %}
    {%- set prefix = group ~ "." if group else "" -%}
    {%- set closest = closest_name(name, candidates) -%}
    {%- if closest -%}
        {{ return("unknown var '" ~ prefix ~ name ~ "'; did you mean '" ~ prefix ~ closest
            ~ "'?") }}
    {%- endif -%}
    {%- set known = [] -%}
    {%- for candidate in candidates | sort -%}
        {%- do known.append(prefix ~ candidate) -%}
    {%- endfor -%}
    {{ return("unknown var '" ~ prefix ~ name ~ "' (known: " ~ known | join(", ") ~ ")") }}
{% endmacro %}
