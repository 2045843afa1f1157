"""Templates: the public catalog and prices, what a CV is paid up to, the thumbnails."""
