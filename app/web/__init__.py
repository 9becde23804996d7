"""What every page, partial and form shares: security hooks, guards and rendering."""
