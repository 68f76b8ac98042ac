"""M5: a 1-D CNN classifying raw waveforms (Dai et al. 2017, "Very deep convolutional neural networks
for raw waveforms"), in the form of torchaudio's speech-commands tutorial with the paper's stride 4.

The file follows the model-family order: blocks, model class, registered constructors.
"""
from zoo_core import nn


def conv_block(in_channels, out_channels, kernel_size, stride=1):
    """conv1d - batchnorm - relu - maxpool(4)."""
    return nn.Sequential(nn.Conv1d(in_channels, out_channels, kernel_size, stride=stride),
                         nn.BatchNorm1d(out_channels), nn.ReLU(), nn.MaxPool1d(4))


class M5(nn.Module):
    """conv(80, stride) block, three conv(3) blocks, global average pooling over time, linear classifier.

    Args:
        in_channels: waveform channels (1 for mono).
        num_classes: outputs of the classifier (35 for Speech Commands v2).
        width: channels of the first two blocks; the last two have ``2 * width``.
        stride: stride of the first convolution (4 in the paper; 16 in torchaudio's tutorial).

    Shape: ``(N, in_channels, T)`` -> ``(N, num_classes)`` logits, for ``T >= min_samples``
    (1,772 samples with stride 4).

    Example::

        >>> M5(num_classes=10)(zoo_core.randn(2, 1, 8000)).shape
        zoo_core.Size([2, 10])
    """

    def __init__(self, in_channels=1, num_classes=35, width=32, stride=4):
        super().__init__()
        self.features = nn.Sequential(
            conv_block(in_channels, width, 80, stride=stride),
            conv_block(width, width, 3),
            conv_block(width, 2 * width, 3),
            conv_block(2 * width, 2 * width, 3),
        )
        self.fc = nn.Linear(2 * width, num_classes)
        # the shortest input leaving one time step after the fourth pool: 4 -> +2 (conv) -> x4 (pool) ...
        steps = 4
        for _ in range(3):
            steps = (steps + 2) * 4
        self.min_samples = 80 + (steps - 1) * stride

    def forward(self, x):
        if x.shape[-1] < self.min_samples:
            raise ValueError(f"M5: inputs need at least {self.min_samples} samples, got shape {tuple(x.shape)}")
        x = self.features(x)          # (N, 2 * width, T')
        x = x.mean(-1)                # (N, 2 * width): global average pooling over time
        return self.fc(x)             # (N, num_classes)


def m5(**kwargs):
    """M5 with 32/64 channels and stride 4 (registered as ``audio/m5``)."""
    return M5(**kwargs)
