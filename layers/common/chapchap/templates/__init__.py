"""Templates: the public catalog and prices, what a CV is paid up to, a template's look, its thumbnails."""
