"""Left-column panels: widgets <-> config, nothing else."""
