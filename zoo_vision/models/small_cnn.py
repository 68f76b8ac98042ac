"""``SmallCNN``: two conv-relu-pool blocks and a two-layer classifier, for small images such as the
8x8 digits or 28x28 MNIST."""
from zoo_core import nn


class SmallCNN(nn.Module):
    """conv(3x3, width)-relu-pool-conv(3x3, 2*width)-relu-pool-fc(hidden)-relu-dropout-fc(num_classes).

    Convolutions pad by 1, so an 8x8 input becomes 2x2 after the two pools.

    Example::

        >>> SmallCNN()(zoo_core.zeros(4, 1, 8, 8)).shape
        zoo_core.Size([4, 10])
    """

    def __init__(self, in_channels=1, num_classes=10, width=32, hidden=128, image_size=8, dropout=0.25):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        )
        side = image_size // 4
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(2 * width * side * side, hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))
