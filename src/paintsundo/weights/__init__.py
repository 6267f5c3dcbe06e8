"""Loading the released Paints-UNDO checkpoints (`release`: layout; `loading`: strict key checks,
safetensors only) and checking diffusers-era model folders (`diffusers_folders`). The package itself
imports nothing, so the folder checks run without torch."""
