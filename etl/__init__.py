"""The ETL: raw platform catalogues in, one clean catalogue and a fitted model out."""
