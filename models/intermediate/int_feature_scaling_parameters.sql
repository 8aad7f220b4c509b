-- StandardScaler parameters of every feature, fitted on the imputed data: the mean and the
-- population standard deviation (ddof = 0, as scikit-learn). A constant feature gets scale 1,
-- as in scikit-learn, so its standardized value is 0 for everybody.
{%- set features = segmentation_features() %}

with

customers as (

    select * from {{ ref('int_customers_imputed') }}

),

aggregated as (

    select
        count(*) as n_customers,
        {%- for feature in features %}
        avg({{ feature }}) as mean__{{ feature }},
        stddev_pop({{ feature }}) as stddev__{{ feature }}{{ "," if not loop.last }}
        {%- endfor %}

    from customers

),

unpivoted as (

    {%- for feature in features %}
    select
        '{{ feature }}' as feature_name,
        mean__{{ feature }} as feature_mean,
        stddev__{{ feature }} as feature_stddev,
        n_customers
    from aggregated
    {{ "union all" if not loop.last }}
    {%- endfor %}

),

final as (

    select
        feature_name,
        feature_mean,
        feature_stddev,
        case when feature_stddev = 0 then 1.0 else feature_stddev end as feature_scale,
        n_customers

    from unpivoted

)

select * from final
