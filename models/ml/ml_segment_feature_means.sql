-- Per segment and feature: the mean imputed (raw) value and the mean standardized value of
-- the customers scored into the segment, with the segment's size. The basis of profiles and
-- personas.
{%- set features = segmentation_features() %}

with

scores as (

    select * from {{ ref('ml_customer_scores') }}

),

segment_means as (

    select
        segment_id,
        count(*) as n_customers,
        {%- for feature in features %}
        avg({{ feature }}) as mean__{{ feature }},
        avg(z_{{ feature }}) as mean_z__{{ feature }}{{ "," if not loop.last }}
        {%- endfor %}

    from scores
    group by segment_id

),

unpivoted as (

    {%- for feature in features %}
    select
        segment_id,
        '{{ feature }}' as feature_name,
        n_customers,
        mean__{{ feature }} as mean_value,
        mean_z__{{ feature }} as mean_standardized_value
    from segment_means
    {{ "union all" if not loop.last }}
    {%- endfor %}

),

final as (

    select * from unpivoted

)

select * from final
