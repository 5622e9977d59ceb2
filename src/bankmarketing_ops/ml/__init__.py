"""Machine-learning building blocks shared by the trainer, the registry and the scorer."""
