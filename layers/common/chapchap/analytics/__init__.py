"""Analytics: the daily rollup and its series, the periods, the admin reports."""
