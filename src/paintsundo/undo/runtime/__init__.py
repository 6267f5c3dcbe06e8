"""Running the Paints-UNDO models: where their weights live (placement), reading them ahead
(device_start), and compiled work prepared once and loaded later (prepared, acceleration)."""
