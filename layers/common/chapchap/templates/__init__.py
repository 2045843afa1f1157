"""Templates: the public catalog and prices, a template's look, its thumbnails."""
