"""Payment-by-results contracts and social impact bonds."""
