"""CVs: the owner's operations, uploads, previews, restore, the paid name."""
