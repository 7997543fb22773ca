"""One module per call-log format; `common` holds what they share."""
