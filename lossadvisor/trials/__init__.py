"""Short seeded trial fits that validate candidate losses."""
