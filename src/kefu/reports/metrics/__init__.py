"""Every KPI of the center, each defined once: the catalogue, periods and filters, the figures."""
