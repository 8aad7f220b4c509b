-- Scores every customer in SQL with the fitted parameters: the nearest k-means centroid
-- (Euclidean distance in standardized space, ties to the lower segment id; centroids under their
-- stable ids from ml_segment_centroids), the distance to every centroid and the PCA coordinates
-- pc1..pcN. Carries the customer's imputed and standardized features through. The scoring CTEs
-- are shared with the `assign_segment` macro (macros/scoring/segment_scoring_ctes.sql), so new
-- customers scored with it get exactly these labels.

with

customers as (

    select * from {{ ref('int_customers_standardized') }}

),

{{ segment_scoring_ctes(
    "customers",
    "customer_id",
    centroids=ref('ml_segment_centroids'),
    pca_loadings=ref('ml_pca_loadings'),
) }},

final as (

    select * from scoring_scored

)

select * from final
