"""Haven: protection cases and documentation of violations, kept safe."""
