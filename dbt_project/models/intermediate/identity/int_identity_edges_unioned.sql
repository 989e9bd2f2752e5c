{#- Every identity edge of every enabled source in one shape: the union of the models named
    int_identity_edges__<source> of the sources feeding identity_edges (var microfunnel__sources). -#}
with

unioned as (
{{ union_source_contributions(
    'identity_edges',
    'int_identity_edges__',
    ['edge_source', 'identifier_type_a', 'identifier_value_a', 'identifier_type_b', 'identifier_value_b',
     'first_seen_at', 'last_seen_at'],
) }}
)

select * from unioned
