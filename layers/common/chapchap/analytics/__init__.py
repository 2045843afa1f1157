"""Analytics: the daily rollup and its series, and the business periods (days, ISO weeks,
months) the admin views read."""
