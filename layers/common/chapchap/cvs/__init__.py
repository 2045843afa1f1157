"""CVs: the owner's operations, uploads, renders, previews, restore, the paid name."""
