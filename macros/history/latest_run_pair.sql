{#- One row: the latest fit run and the run before it (NULL on the first run). -#}
{% macro latest_run_pair() -%}
    select
        run_sequence,
        run_id,
        run_at,
        previous_run_id,
        previous_run_at

    from {{ ref('ml_fit_run_sequence') }}
    where is_latest_run
{%- endmacro %}
