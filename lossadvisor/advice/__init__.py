"""The advice stage: rules, conditions, objectives and parameter formulas → a ranked Recommendation."""
