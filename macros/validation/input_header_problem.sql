{#- The first problem of an input CSV's header line (`header`, BOM removed), or an empty string:
    a single field containing another delimiter (';', tab, '|'), a column name that appears
    twice (case-insensitive), or a column of `required_columns` missing (case-insensitive). Shared by the engines' inspect_input_file. -#}
{% macro input_header_problem(header, required_columns) %}
    {%- set fields = header.split(",") | map("trim") | map("replace", '"', "") | map("upper")
        | list -%}
    {%- if fields | length == 1 -%}
        {%- for delimiter, label in [(";", "';'"), ("\t", "tab"), ("|", "'|'")] -%}
            {%- if delimiter in header -%}
                {{ return("uses " ~ label ~ " as delimiter: expected a comma-separated file "
                    ~ "(header: " ~ header[:60] ~ "...)") }}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set seen = {} -%}
    {%- for field in fields -%}
        {%- if field in seen -%}
            {{ return("has the column " ~ field ~ " twice (columns " ~ seen[field] ~ " and "
                ~ loop.index ~ "): the copies may differ, so nothing is read; keep one of them") }}
        {%- endif -%}
        {%- do seen.update({field: loop.index}) -%}
    {%- endfor -%}
    {%- set missing = [] -%}
    {%- for column in required_columns if column | upper not in fields -%}
        {%- do missing.append(column) -%}
    {%- endfor -%}
    {%- if missing -%}
        {{ return("is missing required column" ~ ("s" if missing | length > 1 else "") ~ " "
            ~ missing | join(", ") ~ " (header has: " ~ fields | join(", ") ~ ")") }}
    {%- endif -%}
    {{ return("") }}
{% endmacro %}
