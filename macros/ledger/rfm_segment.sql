{#- The classic RFM segment of a customer from its recency and frequency scores (1..5, 5 =
    most recent / most frequent; the "RFM segment map" grid of R x F, monetary not used):

        R \ F   1               2    3                 4    5
        5       New Customers   Potential Loyalists    Champions
        4       Promising       Potential Loyalists    Loyal Customers
        3       About to Sleep       Need Attention    Loyal Customers
        1-2     Hibernating          At Risk  At Risk  Cannot Lose Them

    i.e. Champions R5 F4-5; Loyal Customers R3-4 F4-5; Potential Loyalists R4-5 F2-3; New
    Customers R5 F1; Promising R4 F1; Need Attention R3 F3; About to Sleep R3 F1-2; Cannot
    Lose Them R1-2 F5; At Risk R1-2 F3-4; Hibernating R1-2 F1-2. -#}
{% macro rfm_segment(recency_score, frequency_score) -%}
    case
        when {{ recency_score }} >= 5 and {{ frequency_score }} >= 4 then 'Champions'
        when {{ recency_score }} >= 3 and {{ frequency_score }} >= 4 then 'Loyal Customers'
        when {{ recency_score }} >= 4 and {{ frequency_score }} >= 2 then 'Potential Loyalists'
        when {{ recency_score }} >= 5 then 'New Customers'
        when {{ recency_score }} >= 4 then 'Promising'
        when {{ recency_score }} >= 3 and {{ frequency_score }} >= 3 then 'Need Attention'
        when {{ recency_score }} >= 3 then 'About to Sleep'
        when {{ frequency_score }} >= 5 then 'Cannot Lose Them'
        when {{ frequency_score }} >= 3 then 'At Risk'
        else 'Hibernating'
    end
{%- endmacro %}

{#- An RFM score 1..5 from a customer's rank (SQL rank(): ties share the lowest rank; rank 1 =
    the worst value: least recent, fewest occasions, least spend), the number of customers tied
    at rank 1 and the number of customers. Quintiles of rank, ties share the lower score:
    1 + floor(5 (rank - 1) / n). When the tie at the bottom fills the first quintile or more
    (one-time buyers on frequency, non-buyers on monetary) it gets 1 alone and the others are
    split into quartiles of their rank among themselves, scores 2..5, so that all five scores
    are used where the data allows. -#}
{% macro rfm_score(rank_column, n_bottom_column, n_column) -%}
    cast(
        case
            when {{ rank_column }} = 1 then 1
            when 5 * {{ n_bottom_column }} >= {{ n_column }}
                then 2 + floor(
                    4.0 * ({{ rank_column }} - 1 - {{ n_bottom_column }})
                    / ({{ n_column }} - {{ n_bottom_column }})
                )
            else 1 + floor(5.0 * ({{ rank_column }} - 1) / {{ n_column }})
        end
        as double
    )
{%- endmacro %}
