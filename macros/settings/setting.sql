{#- The value of one setting: `setting('k_selection', 'max')` for a key of a group, or
    `setting('n_clusters')` for a top-level one. A group given with `--vars` (or in
    dbt_project.yml) may be partial: the keys it leaves out take the defaults of the generated
    definition (settings_definition.sql, from python/src/customer_segmentation/settings.py), so
    `--vars '{k_selection: {max: 6}}'` keeps every other k_selection key. The value is returned
    as given (validate_config checks it before anything runs). `setting('k_selection')` returns
    the whole group, merged over its defaults. -#}
{% macro setting(group, key=none) %}
    {%- set definition = settings_definition() -%}
    {%- set defaults = definition.defaults -%}
    {%- if group not in defaults -%}
        {{ exceptions.raise_compiler_error("setting('" ~ group ~ "'): no such setting or group "
            ~ "(python/src/customer_segmentation/settings.py)") }}
    {%- endif -%}
    {%- if group not in definition.groups -%}
        {%- if key is not none -%}
            {{ exceptions.raise_compiler_error("setting('" ~ group ~ "', '" ~ key ~ "'): "
                ~ group ~ " is a top-level setting, not a group") }}
        {%- endif -%}
        {{ return(var(group, defaults[group])) }}
    {%- endif -%}
    {%- set given = setting_group_value(group) -%}
    {%- set given = given if given is mapping else {} -%}
    {%- if key is none -%}
        {%- set merged = {} -%}
        {%- for name, default in defaults[group].items() -%}
            {%- do merged.update({name: given[name] if name in given else default}) -%}
        {%- endfor -%}
        {{ return(merged) }}
    {%- endif -%}
    {%- if key not in defaults[group] -%}
        {{ exceptions.raise_compiler_error("setting('" ~ group ~ "', '" ~ key ~ "'): no such "
            ~ "key in group " ~ group ~ " (python/src/customer_segmentation/settings.py)") }}
    {%- endif -%}
    {{ return(given[key] if key in given else defaults[group][key]) }}
{% endmacro %}

{#- What the user gave for a group (`--vars` or dbt_project.yml), or none. A group may also be
    given as a JSON object string (sqlfluff's dbt templater passes its context vars as strings,
    tests/sqlfluff_ledger.cfg); Settings.from_vars reads it the same way. -#}
{% macro setting_group_value(group) %}
    {%- set given = var(group, none) -%}
    {%- if given is string and (given | trim).startswith("{") -%}
        {{ return(fromjson(given, given)) }}
    {%- endif -%}
    {{ return(given) }}
{% endmacro %}

{#- Every setting's effective value (top-level ones, then each group merged over its
    defaults): what a run used, recorded with it (run_vars_json). -#}
{% macro effective_settings() %}
    {%- set values = {} -%}
    {%- for name in settings_definition().defaults -%}
        {%- do values.update({name: setting(name)}) -%}
    {%- endfor -%}
    {{ return(values) }}
{% endmacro %}
