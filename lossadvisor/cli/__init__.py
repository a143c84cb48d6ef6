"""The ``lossadvisor`` command line: one module per command; :mod:`lossadvisor.cli.main` assembles them."""
