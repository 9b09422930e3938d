"""Product images: uploaded originals, the variants a reactive function makes of them, and serving those files."""
