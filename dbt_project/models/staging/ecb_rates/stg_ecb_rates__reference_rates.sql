with

source as (

    select * from {{ source('raw_ecb_rates', 'reference_rates') }}

),

renamed as (

    select
        rate_date,
        upper(currency) as currency,
        cast(units_per_euro as decimal(18, 6)) as units_per_euro

    from source

)

select * from renamed
