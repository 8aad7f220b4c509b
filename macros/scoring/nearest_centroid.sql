{#- Nearest-centroid SQL shared by ml_customer_scores and the segment_customers table macro
    (segment_scoring_ctes.sql): distances as column expressions, the nearest and second-nearest
    segment and their distances. Ties always go to the lower segment id. -#}

{#- Squared Euclidean distance between two points given as column prefixes:
    (<left>f1 - <right>f1) * (<left>f1 - <right>f1) + ... over `features`.
    Example: squared_distance(features, "customers.z_", "centroids.centroid__").
    Multiplication, not power(x, 2): the same IEEE result, several times faster in DuckDB. -#}
{% macro squared_distance(features, left_prefix, right_prefix) %}
    {%- for feature in features -%}
        ({{ left_prefix }}{{ feature }} - {{ right_prefix }}{{ feature }})
        * ({{ left_prefix }}{{ feature }} - {{ right_prefix }}{{ feature }})
        {%- if not loop.last %} + {% endif -%}
    {%- endfor -%}
{% endmacro %}

{#- SQL expression of the nearest segment given one distance column per segment:
    `case when d1 <= d2 and d1 <= d3 then 1 when d2 <= d3 then 2 else 3 end` for segment ids
    [1, 2, 3] and distance columns `<distance_prefix><id>`. The first (lowest) id among the
    minimal distances wins, i.e. ties go to the lower segment id. -#}
{% macro nearest_segment(segment_ids, distance_prefix) %}
    {%- if segment_ids | length == 0 -%}
        cast(null as integer)
    {%- elif segment_ids | length == 1 -%}
        {{ segment_ids[0] }}
    {%- else -%}
        case
        {%- for segment_id in segment_ids[:-1] %}
            {%- set later = segment_ids[loop.index:] %}
            when
            {%- for other in later %}
                {{ distance_prefix }}{{ segment_id }} <= {{ distance_prefix }}{{ other }}
                {%- if not loop.last %} and{% endif %}
            {%- endfor %}
                then {{ segment_id }}
        {%- endfor %}
            else {{ segment_ids[-1] }}
        end
    {%- endif -%}
{% endmacro %}

{#- SQL expression of the smallest of the per-segment distance columns `<distance_prefix><id>`:
    `least(d1, d2, ...)`; the column itself for one segment, NULL for none. -#}
{% macro minimum_distance(segment_ids, distance_prefix) %}
    {%- if segment_ids | length == 0 -%}
        cast(null as double)
    {%- elif segment_ids | length == 1 -%}
        {{ distance_prefix }}{{ segment_ids[0] }}
    {%- else -%}
        least(
        {%- for segment_id in segment_ids -%}
            {{ distance_prefix }}{{ segment_id }}{{ ", " if not loop.last }}
        {%- endfor -%}
        )
    {%- endif -%}
{% endmacro %}

{#- SQL expression of the second-nearest segment given the nearest one (column or expression
    `nearest`) and one distance column per segment `<distance_prefix><id>`: for each possible
    nearest segment, the nearest of the other segments (nearest_segment over the remaining
    ids, so ties again go to the lower id). NULL with fewer than two segments. Example for ids
    [1, 2, 3]: `case when nearest = 1 then case when d2 <= d3 then 2 else 3 end when ... end`. -#}
{% macro second_nearest_segment(segment_ids, distance_prefix, nearest) %}
    {%- if segment_ids | length < 2 -%}
        cast(null as bigint)
    {%- else -%}
        case
        {%- for segment_id in segment_ids %}
            when {{ nearest }} = {{ segment_id }} then
                {{ nearest_segment(segment_ids | reject("equalto", segment_id) | list, distance_prefix) }}
        {%- endfor %}
        end
    {%- endif -%}
{% endmacro %}

{#- SQL expression of the distance to the second-nearest segment: for each possible nearest
    segment (column or expression `nearest`), the smallest distance among the other segments'
    columns `<distance_prefix><id>` (minimum_distance over the remaining ids). NULL with fewer
    than two segments. -#}
{% macro second_minimum_distance(segment_ids, distance_prefix, nearest) %}
    {%- if segment_ids | length < 2 -%}
        cast(null as double)
    {%- else -%}
        case
        {%- for segment_id in segment_ids %}
            when {{ nearest }} = {{ segment_id }} then
                {{ minimum_distance(segment_ids | reject("equalto", segment_id) | list, distance_prefix) }}
        {%- endfor %}
        end
    {%- endif -%}
{% endmacro %}
