{#- The ledger's activity window end from setting `ledger.as_of` (ISO date, exclusive end). Empty
    or null (the default) = the day after the last valid transaction in the file, computed in
    int_ledger_window. Returns none for that default, else a dict with `as_of` and `start`
    (same day one year earlier; 29 Feb -> 28 Feb) as ISO strings. The setting is parsed as a date
    here, so only a valid date ever reaches SQL. -#}
{% macro ledger_window() %}
    {%- set value = setting("ledger", "as_of") %}
    {%- if value is none or value | string | trim in ["", "auto", "none"] %}
        {{ return(none) }}
    {%- endif %}
    {%- set text = value | string | trim %}
    {%- set as_of = modules.datetime.datetime.strptime(text, "%Y-%m-%d")
        if modules.re.fullmatch("[0-9]{4}-[0-9]{2}-[0-9]{2}", text) else none %}
    {%- if as_of is none %}
        {{ exceptions.raise_compiler_error(
            "var 'ledger.as_of' must be a date YYYY-MM-DD (or empty for the day after the last"
            ~ " transaction), got '" ~ text ~ "'") }}
    {%- endif %}
    {%- set day = 28 if (as_of.month == 2 and as_of.day == 29) else as_of.day %}
    {%- set start = as_of.replace(year=as_of.year - 1, day=day) %}
    {{ return({
        "as_of": as_of.strftime("%Y-%m-%d"),
        "start": start.strftime("%Y-%m-%d"),
    }) }}
{% endmacro %}

{#- SQL: the date one year before the date expression (29 Feb -> 28 Feb). Portable: make_date,
    year, month and day exist on DuckDB and Spark. -#}
{% macro one_year_before(date_expression) -%}
    make_date(
        year({{ date_expression }}) - 1,
        month({{ date_expression }}),
        case
            when month({{ date_expression }}) = 2 and day({{ date_expression }}) = 29 then 28
            else day({{ date_expression }})
        end
    )
{%- endmacro %}
