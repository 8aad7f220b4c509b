{#- A post-hook statement of int_customers_validated that stops the build, before anything is
    fitted or published, with one sentence naming the input file, the var and the fix when the
    clean rows cannot be segmented: the file has no rows, every row was quarantined, fewer clean
    customers than the largest k that is fitted (k_selection.max, n_clusters; k-means and its
    quality metrics need more customers than clusters), or a feature with no value at all (it
    could not be imputed). Skipped under `dbt build --empty` (no rows by design). -#}
{% macro validation_guards(checked_relation) %}
    {%- if flags.EMPTY -%}
        {{ return("select 1 as is_ok") }}
    {%- endif -%}
    {%- set subject = input_subject() | replace("'", "''") -%}
    {%- set k_max = segmentable_k_max() -%}
    {#- a failed build publishes nothing: the findings are in the marts' build schema -#}
    {%- set quarantine_schema = "marts_build" if target.type == "duckdb"
        else target.schema ~ "_marts_build" -%}
    select
        case
            when n_input_rows = 0
                then {{ raise_error(
                    "'" ~ subject ~ " has no data rows: nothing to segment. Check the file "
                    ~ "(or the glob) the var names'") }}
            when n_clean_rows = 0
                then {{ raise_error(
                    "concat('" ~ subject ~ ": all ', cast(n_input_rows as string), ' rows "
                    ~ "were quarantined, nothing is left to segment. Reasons: select "
                    ~ "reason_code, count(*) from " ~ quarantine_schema ~ ".quarantine group by "
                    ~ "reason_code')") }}
            when n_clean_rows <= {{ k_max }}
                then {{ raise_error(
                    "concat('" ~ subject ~ ": only ', cast(n_clean_rows as string), ' "
                    ~ "customers passed validation, but k-means is fitted for k up to "
                    ~ k_max ~ " (vars k_selection.max = " ~ setting("k_selection", "max")
                    ~ ", n_clusters = " ~ setting("n_clusters") ~ ") and needs more customers "
                    ~ "than clusters: supply more rows or lower k_selection.max and "
                    ~ "n_clusters to at most ', cast(n_clean_rows - 1 as string))") }}
            when empty_feature is not null
                then {{ raise_error(
                    "concat('Feature ', empty_feature, ' has no value in any of the ', "
                    ~ "cast(n_clean_rows as string), ' clean rows of " ~ subject[0] | lower
                    ~ subject[1:] ~ ": it cannot be imputed (all values empty or "
                    ~ "quarantined)')") }}
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

{#- The largest k this run fits: k_selection.max, or n_clusters when it is a larger fixed k
    (`auto` chooses within the range). -#}
{% macro segmentable_k_max() %}
    {%- set k_max = setting("k_selection", "max") | int -%}
    {%- set n_clusters = setting("n_clusters") -%}
    {%- if n_clusters != "auto" and (n_clusters | int) > k_max -%}
        {%- set k_max = n_clusters | int -%}
    {%- endif -%}
    {{ return(k_max) }}
{% endmacro %}
