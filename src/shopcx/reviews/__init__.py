"""Reviews and shop ratings (好/中/差, DSR), the review-care workflow and review text analysis."""
