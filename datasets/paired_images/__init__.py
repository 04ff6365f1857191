"""paired_images: real low/high pairs in the LOL folder layout."""
