{#- The ledger's activity window from var `ledger_as_of` (ISO date, exclusive end): a dict with
    `as_of` and `start` (same day one year earlier) as ISO strings and `days` (its length).
    The var is parsed as a date here, so only a valid date ever reaches SQL. -#}
{% macro ledger_window() %}
    {%- set text = var("ledger_as_of") | string %}
    {%- set as_of = modules.datetime.datetime.strptime(text, "%Y-%m-%d") if text | length == 10 else none %}
    {%- if as_of is none %}
        {{ exceptions.raise_compiler_error(
            "var 'ledger_as_of' must be a date YYYY-MM-DD, got '" ~ text ~ "'") }}
    {%- endif %}
    {%- set day = 28 if (as_of.month == 2 and as_of.day == 29) else as_of.day %}
    {%- set start = as_of.replace(year=as_of.year - 1, day=day) %}
    {{ return({
        "as_of": as_of.strftime("%Y-%m-%d"),
        "start": start.strftime("%Y-%m-%d"),
        "days": (as_of - start).days,
    }) }}
{% endmacro %}
