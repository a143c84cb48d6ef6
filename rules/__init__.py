"""The shipped rule base (YAML files); read by lossadvisor.advice.ruleset."""
