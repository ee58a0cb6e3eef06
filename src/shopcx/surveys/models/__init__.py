"""Survey models as pure functions over NumPy arrays: PLS path modelling and the satisfaction index."""
