{#- The names in the vars block of the project's dbt_project.yml, or none when the file cannot
    be read (then only --vars names are checked, settings_problems). -#}
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
