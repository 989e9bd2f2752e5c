"""microfunnel core: settings and the conversions catalog, shared by ingestion and orchestration."""
