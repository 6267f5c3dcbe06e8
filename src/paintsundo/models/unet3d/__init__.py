"""The multi-frame (video) 3D UNet."""

from paintsundo.models.unet3d.params import UNet3DParams
from paintsundo.models.unet3d.transformers import TEMPORAL_WINDOWS
from paintsundo.models.unet3d.unet import UNet3D

__all__ = ["TEMPORAL_WINDOWS", "UNet3D", "UNet3DParams"]
