with

conversions as (

    select * from {{ ref('int_conversions_stitched') }}

)

select * from conversions
