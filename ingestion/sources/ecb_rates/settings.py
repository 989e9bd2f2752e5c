"""Constants of the ECB euro reference rates source: where the file lives, its columns, the table."""

from ingestion.sources.spec import SourceSpec

DEFAULT_BASE_URL = "https://www.ecb.europa.eu"
HISTORY_PATH = "/stats/eurofxref/eurofxref-hist.zip"  # one zip, one CSV: every business day since 1999
ARCHIVE_MEMBER = "eurofxref-hist.csv"
DEFAULT_HISTORY_DAYS = 400  # first run without start_date: enough for a year of spend and its weekends
MISSING = "N/A"  # a currency the ECB no longer (or not yet) quotes on that day

RATE_COLUMNS = {
    "rate_date": {"data_type": "date", "nullable": False},
    "currency": {"data_type": "text", "nullable": False},
    "units_per_euro": {"data_type": "decimal", "precision": 18, "scale": 6, "nullable": False},
}

SPEC = SourceSpec(
    name="ecb_rates",
    function="ingestion.sources.ecb_rates:ecb_rates",
    tables={"reference_rates": RATE_COLUMNS},
    companion_of=("ad_campaign_days",),  # on whenever ad spend is loaded: it converts that spend
    summary="ECB euro reference rates (eurofxref-hist): one row per business day and currency",
)
