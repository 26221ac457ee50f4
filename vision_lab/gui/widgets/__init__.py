"""Reusable widgets: loss plot, image grid, form fields."""
