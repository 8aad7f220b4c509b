{#- Problems with the names of the vars given on the command line (`--vars`): one sentence per
    name that dbt_project.yml does not declare, with the closest declared name ("unknown var
    'n_cluster'; did you mean 'n_clusters'?"). dbt itself accepts any name and ignores a typo,
    so a mistyped setting would silently build with the default. The declared names are read
    from the vars block of dbt_project.yml itself (declared_var_names), so a new var only needs
    declaring there. -#}
{% macro unknown_var_problems() %}
    {%- set cli_vars = invocation_args_dict.get("vars") or {} -%}
    {%- if cli_vars is not mapping or not cli_vars -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set declared = declared_var_names() -%}
    {%- if declared is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set problems = [] -%}
    {%- for name in cli_vars.keys() | sort if name not in declared -%}
        {%- set closest = closest_name(name | string, declared) -%}
        {%- do problems.append("unknown var '" ~ name ~ "'"
            ~ ("; did you mean '" ~ closest ~ "'?" if closest else
                " (declared vars: " ~ declared | sort | join(", ") ~ ")")) -%}
    {%- endfor -%}
    {{ return(problems) }}
{% endmacro %}

{#- The names in the vars block of the project's dbt_project.yml, or none when the file cannot
    be read (then unknown names are not checked). -#}
{% macro declared_var_names() %}
    {%- set project_dir = invocation_args_dict.get("project_dir") or "." -%}
    {%- set text = read_text_file(project_dir ~ "/dbt_project.yml") -%}
    {%- if not text -%}
        {%- do log("validate_config: dbt_project.yml not readable here, var names not checked",
            info=true) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set project = fromyaml(text) or {} -%}
    {{ return((project.get("vars") or {}).keys() | list) }}
{% endmacro %}

{#- The candidate closest to `name` by edit distance (Levenshtein), if it is at most a third of
    the name's length away (at least 2 edits allowed), else an empty string. -#}
{% macro closest_name(name, candidates) %}
    {%- set best = namespace(name="", distance=999) -%}
    {%- for candidate in candidates | sort -%}
        {%- set distance = edit_distance(name | lower, candidate | lower) -%}
        {%- if distance < best.distance -%}
            {%- set best.name = candidate -%}
            {%- set best.distance = distance -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set allowed = [2, (name | length) // 3] | max -%}
    {{ return(best.name if best.distance <= allowed else "") }}
{% endmacro %}

{#- Levenshtein distance between two strings (insertions, deletions, substitutions). -#}
{% macro edit_distance(first, second) %}
    {%- set previous = namespace(row=range(second | length + 1) | list) -%}
    {%- for i in range(1, first | length + 1) -%}
        {%- set current = [i] -%}
        {%- for j in range(1, second | length + 1) -%}
            {%- set cost = 0 if first[i - 1] == second[j - 1] else 1 -%}
            {%- do current.append([
                previous.row[j] + 1, current[j - 1] + 1, previous.row[j - 1] + cost] | min) -%}
        {%- endfor -%}
        {%- set previous.row = current -%}
    {%- endfor -%}
    {{ return(previous.row[second | length]) }}
{% endmacro %}
