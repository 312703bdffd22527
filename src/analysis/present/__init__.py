"""Present: narrative sentences, charts, the palette and HTML pieces, made from the compute layer's data."""
