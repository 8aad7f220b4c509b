{#- A post-hook statement of int_customers_validated that stops the build with a clear message
    when the clean rows cannot be segmented: every input row was quarantined, fewer clean
    customers than `n_clusters`, or a feature with no value at all (it could not be imputed).
    Skipped under `dbt build --empty` (no rows by design). -#}
{% macro validation_guards(checked_relation) %}
    {%- if flags.EMPTY -%}
        {{ return("select 1 as is_ok") }}
    {%- endif -%}
    {#- `auto` needs at least 2 customers: the smallest k it can choose -#}
    {%- set n_clusters = 2 if var("n_clusters") == "auto" else var("n_clusters") | int -%}
    {%- set path = customers_csv_path() | replace("'", "''") -%}
    select
        case
            when n_input_rows > 0 and n_clean_rows = 0
                then {{ raise_error(
                    "concat('Input file ''" ~ path ~ "'' (var customers_csv): all ', "
                    ~ "cast(n_input_rows as string), ' rows were quarantined, nothing is left "
                    ~ "to segment. Reasons: select reason_code, count(*) from quarantine "
                    ~ "group by reason_code')") }}
            when n_clean_rows > 0 and n_clean_rows < {{ n_clusters }}
                then {{ raise_error(
                    "concat('Only ', cast(n_clean_rows as string), ' customers passed "
                    ~ "validation but n_clusters = " ~ n_clusters ~ ": k-means needs at least "
                    ~ "as many customers as segments (input file ''" ~ path ~ "'')')") }}
            when empty_feature is not null
                then {{ raise_error(
                    "concat('Feature ', empty_feature, ' has no value in any of the ', "
                    ~ "cast(n_clean_rows as string), ' clean rows of input file ''" ~ path
                    ~ "'': it cannot be imputed (all values empty or quarantined)')") }}
            else 1
        end as is_ok
    from (
        select
            (select count(*) from {{ checked_relation }}) as n_input_rows,
            count(*) as n_clean_rows,
            case
                {%- for feature in base_feature_columns() %}
                when count(*) > 0 and count({{ feature }}) = 0 then '{{ feature }}'
                {%- endfor %}
            end as empty_feature
        from {{ this }}
    ) as counts
{%- endmacro %}
