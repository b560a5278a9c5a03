"""Analytics over the stored records."""
