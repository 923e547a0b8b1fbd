"""Small grants, and 360Giving in and out."""
